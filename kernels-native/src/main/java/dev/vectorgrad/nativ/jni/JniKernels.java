package dev.vectorgrad.nativ.jni;

import dev.vectorgrad.kernels.Activation;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.CompareOp;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.ForwardingKernels;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Log;
import dev.vectorgrad.kernels.OptimizerSteps;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The C++ kernels ({@code cpp/src/vectorgrad_native.cpp}) behind the {@link Kernels} contract.
 *
 * <p>Every override first checks, in Java, everything the C++ side trusts: each tensor is alive and usable
 * from this thread ({@link Scope#acquire(Tensor...)}, which also holds the scopes open for the call;
 * {@link Tensor#address()} checks again), dtypes agree, shapes
 * are exactly what the op writes and reads (an {@link IllegalArgumentException} naming the shapes otherwise,
 * even when called directly rather than through {@code Ops}). Layouts the C++ code does not handle
 * (non-contiguous or broadcast views, I32 data, a GEMM operand with no unit stride) are declined: the call goes
 * to the next backend. Large calls are split over {@link Parallel} (rows of GEMM, images of a conv batch,
 * chunks of elementwise ops); the workers only see addresses.
 */
public final class JniKernels extends ForwardingKernels {
    private static final long ELEMENTWISE_GRAIN = 1 << 15;

    public JniKernels(Kernels next) {
        super(next);
        if (!NativeLib.available()) throw new IllegalStateException("native backend unavailable: " + NativeLib.reason());
    }

    @Override
    public String name() { return "native"; }

    private static final Set<String> DECLINED = ConcurrentHashMap.newKeySet();

    /**
     * Logs, once per op, that a call went to the next backend because the C++ code does not take its layout
     * (a strided or broadcast view, I32 data). The call is still answered by {@link #next}.
     */
    private void declined(String op) {
        if (DECLINED.add(op)) {
            Log.info("native: " + op + " with a non-contiguous, broadcast or I32 operand forwarded to " + next.name() + " (logged once per op)");
        }
    }

    // ------------------------------------------------------------------ checks

    /** 0 for F32, 1 for F64, -1 for anything the C++ code does not take. */
    private static int dt(Tensor t) {
        return t.dtype() == DType.F32 ? 0 : t.dtype() == DType.F64 ? 1 : -1;
    }

    /** All non-null tensors contiguous and of the first one's floating dtype. */
    private static boolean handles(Tensor... ts) {
        int d = dt(ts[0]);
        if (d < 0) return false;
        for (Tensor t : ts) if (t != null && (dt(t) != d || !t.isContiguous())) return false;
        return true;
    }

    private static void sameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes must match, got " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
    }

    private static void shape(String op, String what, Tensor t, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + what + " has shape " + Shapes.str(t.shape()) + " but must be " + Shapes.str(expected));
        }
    }

    private static long addr(Tensor t) { return t == null ? 0L : t.address(); }

    @FunctionalInterface
    private interface LongRange {
        void run(long lo, long hi);
    }

    private static void chunks(long n, long grain, LongRange r) {
        if (n < 2 * grain || n > Integer.MAX_VALUE || Parallel.threads() <= 1) {
            r.run(0, n);
            return;
        }
        Parallel.forRange((int) n, (int) grain, (lo, hi) -> r.run(lo, hi));
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        Scope.acquire(x, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(x, out)) { declined("unary"); next.unary(op, x, out); return; }
            sameShape("unary " + op, x, out);
            int d = dt(x), es = x.dtype().byteSize(), o = op.ordinal();
            long xa = x.address(), oa = out.address();
            chunks(out.numel(), ELEMENTWISE_GRAIN, (lo, hi) -> NativeLib.unary(d, o, xa + lo * es, oa + lo * es, hi - lo));
        } finally {
            Scope.release(x, out);
        }
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        Scope.acquire(a, b, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(a, b, out)) { declined("binary"); next.binary(op, a, b, out); return; }
            sameShape("binary " + op, a, out);
            sameShape("binary " + op, b, out);
            int d = dt(a), es = a.dtype().byteSize(), o = op.ordinal();
            long aa = a.address(), ba = b.address(), oa = out.address();
            chunks(out.numel(), ELEMENTWISE_GRAIN, (lo, hi) -> NativeLib.binary(d, o, aa + lo * es, ba + lo * es, oa + lo * es, hi - lo));
        } finally {
            Scope.release(a, b, out);
        }
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor a, double s, Tensor out) {
        Scope.acquire(a, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(a, out)) { declined("binaryScalar"); next.binaryScalar(op, a, s, out); return; }
            sameShape("binaryScalar " + op, a, out);
            int d = dt(a), es = a.dtype().byteSize(), o = op.ordinal();
            long aa = a.address(), oa = out.address();
            chunks(out.numel(), ELEMENTWISE_GRAIN, (lo, hi) -> NativeLib.binaryScalar(d, o, aa + lo * es, s, oa + lo * es, hi - lo));
        } finally {
            Scope.release(a, out);
        }
    }

    @Override
    public void fill(Tensor out, double v) {
        Scope.acquire(out); // checks each scope is open and usable from this thread
        try {
            if (!handles(out)) { declined("fill"); next.fill(out, v); return; }
            NativeLib.fill(dt(out), out.address(), out.numel(), v);
        } finally {
            Scope.release(out);
        }
    }

    private static int anyDt(Tensor t) {
        return t.dtype() == DType.F32 ? 0 : t.dtype() == DType.F64 ? 1 : 2;
    }

    @Override
    public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        Scope.acquire(a, b, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(a, b) || !out.isContiguous()) { declined("compare"); next.compare(op, a, b, out); return; }
            sameShape("compare " + op, a, out);
            sameShape("compare " + op, b, out);
            int d = dt(a), es = a.dtype().byteSize(), od = anyDt(out), oes = out.dtype().byteSize(), o = op.ordinal();
            long aa = a.address(), ba = b.address(), oa = out.address();
            chunks(out.numel(), ELEMENTWISE_GRAIN, (lo, hi) -> NativeLib.compare(d, o, aa + lo * es, ba + lo * es, od, oa + lo * oes, hi - lo));
        } finally {
            Scope.release(a, b, out);
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        Scope.acquire(cond, a, b, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(a, cond, b, out)) { declined("where"); next.where(cond, a, b, out); return; }
            sameShape("where", cond, out);
            sameShape("where", a, out);
            sameShape("where", b, out);
            int d = dt(a), es = a.dtype().byteSize();
            long ca = cond.address(), aa = a.address(), ba = b.address(), oa = out.address();
            chunks(out.numel(), ELEMENTWISE_GRAIN, (lo, hi) -> NativeLib.where(d, ca + lo * es, aa + lo * es, ba + lo * es, oa + lo * es, hi - lo));
        } finally {
            Scope.release(cond, a, b, out);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Scope.acquire(src, dst); // checks each scope is open and usable from this thread
        try {
            if (!src.isContiguous() || !dst.isContiguous()) { declined("copy"); next.copy(src, dst); return; }
            sameShape("copy", src, dst);
            int sd = anyDt(src), dd = anyDt(dst), ses = src.dtype().byteSize(), des = dst.dtype().byteSize();
            long sa = src.address(), da = dst.address();
            chunks(dst.numel(), ELEMENTWISE_GRAIN, (lo, hi) -> NativeLib.copy(sd, sa + lo * ses, dd, da + lo * des, hi - lo));
        } finally {
            Scope.release(src, dst);
        }
    }

    // ------------------------------------------------------------------ reductions

    private static void checkNonEmptyFor(String what, ReduceOp op, long n, Tensor x) {
        if (n == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN || op == ReduceOp.ARGMAX)) {
            throw new IllegalArgumentException(what + " " + op + " of an empty extent is undefined (shape " + Shapes.str(x.shape()) + ")");
        }
    }

    @Override
    public void reduce(ReduceOp op, Tensor x, int axis, Tensor out) {
        Scope.acquire(x, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(x) || !out.isContiguous()) { declined("reduce"); next.reduce(op, x, axis, out); return; }
            int[] s = x.shape();
            if (axis < 0 || axis >= s.length) throw new IllegalArgumentException("reduce: axis " + axis + " out of range for shape " + Shapes.str(s));
            int[] expect = s.clone();
            expect[axis] = 1;
            shape("reduce " + op, "output", out, expect);
            int outDt = out.dtype() == DType.F32 ? 0 : out.dtype() == DType.F64 ? 1 : 2;
            if (outDt == 2 && op != ReduceOp.ARGMAX) throw new IllegalArgumentException("reduce " + op + ": I32 output only for ARGMAX");
            long outer = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= s[i];
            for (int i = axis + 1; i < s.length; i++) inner *= s[i];
            checkNonEmptyFor("reduce", op, s[axis], x);
            NativeLib.reduce(dt(x), op.ordinal(), x.address(), outer, s[axis], inner, outDt, out.address());
        } finally {
            Scope.release(x, out);
        }
    }

    @Override
    public double reduceAll(ReduceOp op, Tensor x) {
        Scope.acquire(x); // checks each scope is open and usable from this thread
        try {
            if (!handles(x)) { declined("reduceAll"); return next.reduceAll(op, x); }
            checkNonEmptyFor("reduceAll", op, x.numel(), x);
            return NativeLib.reduceAll(dt(x), op.ordinal(), x.address(), x.numel());
        } finally {
            Scope.release(x);
        }
    }

    @Override
    public void softmax(Tensor x, int axis, Tensor out) {
        softmaxImpl(false, x, axis, out);
    }

    @Override
    public void logSoftmax(Tensor x, int axis, Tensor out) {
        softmaxImpl(true, x, axis, out);
    }

    private void softmaxImpl(boolean log, Tensor x, int axis, Tensor out) {
        Scope.acquire(x, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(x, out)) {
                declined(log ? "logSoftmax" : "softmax");
                if (log) next.logSoftmax(x, axis, out);
                else next.softmax(x, axis, out);
                return;
            }
            String op = log ? "logSoftmax" : "softmax";
            sameShape(op, x, out);
            int[] s = x.shape();
            if (axis < 0 || axis >= s.length) throw new IllegalArgumentException(op + ": axis " + axis + " out of range for shape " + Shapes.str(s));
            long outer = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= s[i];
            for (int i = axis + 1; i < s.length; i++) inner *= s[i];
            NativeLib.softmax(dt(x), log, x.address(), outer, s[axis], inner, out.address());
        } finally {
            Scope.release(x, out);
        }
    }

    // ------------------------------------------------------------------ GEMM

    /** Leading dimension and transposition of a matrix view with a unit stride, or null when it has none. */
    private record Mat(long ld, boolean trans) {}

    static Mat layout(Tensor t) {
        int r = t.dim(0), c = t.dim(1);
        long s0 = t.stride(0), s1 = t.stride(1);
        if (c <= 1 || s1 == 1) {
            long ld = r <= 1 ? Math.max(1, c) : s0;
            if (ld >= Math.max(1, c)) return new Mat(ld, false);
        }
        if (r <= 1 || s0 == 1) {
            long ld = c <= 1 ? Math.max(1, r) : s1;
            if (ld >= Math.max(1, r)) return new Mat(ld, true);
        }
        return null;
    }

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        Scope.acquire(a, b, c); // checks each scope is open and usable from this thread
        try {
            Shapes.checkGemm(a, b, c);
            int d = dt(a);
            Mat la = layout(a), lb = layout(b), lc = layout(c);
            if (d < 0 || dt(b) != d || dt(c) != d || la == null || lb == null || lc == null || lc.trans()) {
                declined("gemm");
                next.gemm(alpha, a, b, beta, c);
                return;
            }
            int m = a.dim(0), n = b.dim(1), k = a.dim(1), es = a.dtype().byteSize();
            long aa = a.address(), ba = b.address(), ca = c.address();
            long rowStepA = la.trans() ? 1 : la.ld();
            double flops = 2.0 * m * n * k;
            int grain = flops < 4e6 ? m : Math.max(16, (int) Math.ceil(m / (double) Parallel.threads()));
            Parallel.forRange(m, grain, (lo, hi) -> NativeLib.gemm(d, hi - lo, n, k, alpha, aa + lo * rowStepA * es, la.ld(), la.trans(),
                    ba, lb.ld(), lb.trans(), beta, ca + lo * lc.ld() * es, lc.ld()));
        } finally {
            Scope.release(a, b, c);
        }
    }

    // ------------------------------------------------------------------ conv2d and pooling

    private static int[] convGeom(String op, Tensor x, Tensor w, Tensor out, int[] xShape, Conv2dSpec sp) {
        int N = xShape[0], C = xShape[1], H = xShape[2], W = xShape[3];
        Shapes.checkRank(op, "weight", w, 4);
        int K = w.dim(0), KH = w.dim(2), KW = w.dim(3);
        if (w.dim(1) != C) {
            throw new IllegalArgumentException(op + ": weight " + Shapes.str(w.shape()) + " expects " + w.dim(1)
                    + " input channels but the input " + Shapes.str(xShape) + " has " + C);
        }
        int OH = sp.outH(H, KH), OW = sp.outW(W, KW);
        if (OH <= 0 || OW <= 0) {
            throw new IllegalArgumentException(op + ": kernel " + KH + "x" + KW + " does not fit input " + Shapes.str(xShape) + " with " + sp);
        }
        shape(op, "output", out, N, K, OH, OW);
        return new int[] {N, C, H, W, K, KH, KW, OH, OW, sp.strideH(), sp.strideW(), sp.padH(), sp.padW(), sp.dilationH(), sp.dilationW()};
    }

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec sp, Tensor out) {
        Scope.acquire(x, w, bias, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(x, w, bias, out)) { declined("conv2d"); next.conv2d(x, w, bias, sp, out); return; }
            Shapes.checkRank("conv2d", "input", x, 4);
            int[] g = convGeom("conv2d", x, w, out, x.shape(), sp);
            if (bias != null) shape("conv2d", "bias", bias, g[4]);
            convBatches(g, x.address(), x.dtype().byteSize() * (long) g[1] * g[2] * g[3], out.address(),
                    out.dtype().byteSize() * (long) g[4] * g[7] * g[8],
                    (gg, xa, oa) -> NativeLib.conv2d(dt(x), gg, xa, w.address(), addr(bias), oa), w.address(), addr(bias));
        } finally {
            Scope.release(x, w, bias, out);
        }
    }

    @FunctionalInterface
    private interface BatchCall {
        void run(int[] geom, long in, long out);
    }

    /** Splits the batch over the worker pool; geom[0] (N) and the in/out addresses are set per slice. */
    private static void convBatches(int[] g, long in, long inStride, long out, long outStride, BatchCall call, long... otherAddrs) {
        int N = g[0];
        double flops = 2.0 * N * g[4] * g[1] * g[5] * g[6] * g[7] * g[8];
        int grain = flops < 4e6 ? Math.max(1, N) : 1;
        Parallel.forRange(N, grain, (lo, hi) -> {
            int[] gg = g.clone();
            gg[0] = hi - lo;
            call.run(gg, in + lo * inStride, out + lo * outStride);
        });
    }

    @Override
    public void conv2dBackwardData(Tensor gradOut, Tensor w, Conv2dSpec sp, Tensor gradIn) {
        Scope.acquire(gradOut, w, gradIn); // checks each scope is open and usable from this thread
        try {
            if (!handles(gradOut, w, gradIn)) { declined("conv2dBackwardData"); next.conv2dBackwardData(gradOut, w, sp, gradIn); return; }
            Shapes.checkRank("conv2dBackwardData", "gradIn", gradIn, 4);
            int[] g = convGeom("conv2dBackwardData", gradIn, w, gradOut, gradIn.shape(), sp);
            long wa = w.address();
            int d = dt(w);
            convBatches(g, gradOut.address(), gradOut.dtype().byteSize() * (long) g[4] * g[7] * g[8], gradIn.address(),
                    gradIn.dtype().byteSize() * (long) g[1] * g[2] * g[3],
                    (gg, goa, gia) -> NativeLib.conv2dBackwardData(d, gg, goa, wa, gia));
        } finally {
            Scope.release(gradOut, w, gradIn);
        }
    }

    @Override
    public void conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor gradW, Tensor gradBias) {
        Scope.acquire(x, gradOut, gradW, gradBias); // checks each scope is open and usable from this thread
        try {
            if (!handles(x, gradOut, gradW, gradBias)) { declined("conv2dBackwardWeight"); next.conv2dBackwardWeight(x, gradOut, sp, gradW, gradBias); return; }
            Shapes.checkRank("conv2dBackwardWeight", "input", x, 4);
            int[] g = convGeom("conv2dBackwardWeight", x, gradW, gradOut, x.shape(), sp);
            if (gradBias != null) shape("conv2dBackwardWeight", "gradBias", gradBias, g[4]);
            NativeLib.conv2dBackwardWeight(dt(x), g, x.address(), gradOut.address(), gradW.address(), addr(gradBias));
        } finally {
            Scope.release(x, gradOut, gradW, gradBias);
        }
    }

    private static int[] poolGeom(String op, Tensor x, Pool2dSpec sp, Tensor out, int[] xShape) {
        if (xShape.length != 4) throw new IllegalArgumentException(op + ": input must be NCHW (rank 4), got " + Shapes.str(xShape));
        int N = xShape[0], C = xShape[1], H = xShape[2], W = xShape[3];
        int OH = sp.outH(H), OW = sp.outW(W);
        if (OH <= 0 || OW <= 0) throw new IllegalArgumentException(op + ": window " + sp + " does not fit input " + Shapes.str(xShape));
        shape(op, "output", out, N, C, OH, OW);
        return new int[] {N, C, H, W, OH, OW, sp.kernelH(), sp.kernelW(), sp.strideH(), sp.strideW(), sp.padH(), sp.padW()};
    }

    private static boolean indexTensor(Tensor t) {
        return t == null || (t.dtype() == DType.I32 && t.isContiguous());
    }

    @Override
    public void maxPool2d(Tensor x, Pool2dSpec sp, Tensor out, Tensor argmax) {
        Scope.acquire(x, out, argmax); // checks each scope is open and usable from this thread
        try {
            if (!handles(x, out) || !indexTensor(argmax)) { declined("maxPool2d"); next.maxPool2d(x, sp, out, argmax); return; }
            int[] g = poolGeom("maxPool2d", x, sp, out, x.shape());
            if (argmax != null) shape("maxPool2d", "argmax", argmax, out.shape());
            NativeLib.maxPool2d(dt(x), g, x.address(), out.address(), addr(argmax));
        } finally {
            Scope.release(x, out, argmax);
        }
    }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor argmax, Pool2dSpec sp, Tensor gradIn) {
        Scope.acquire(gradOut, argmax, gradIn); // checks each scope is open and usable from this thread
        try {
            if (argmax == null) throw new IllegalArgumentException("maxPool2dBackward needs the argmax of the forward pass");
            if (!handles(gradOut, gradIn) || !indexTensor(argmax)) { declined("maxPool2dBackward"); next.maxPool2dBackward(gradOut, argmax, sp, gradIn); return; }
            int[] g = poolGeom("maxPool2dBackward", gradIn, sp, gradOut, gradIn.shape());
            shape("maxPool2dBackward", "argmax", argmax, gradOut.shape());
            NativeLib.maxPool2dBackward(dt(gradOut), g, gradOut.address(), argmax.address(), gradIn.address());
        } finally {
            Scope.release(gradOut, argmax, gradIn);
        }
    }

    @Override
    public void avgPool2d(Tensor x, Pool2dSpec sp, Tensor out) {
        Scope.acquire(x, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(x, out)) { declined("avgPool2d"); next.avgPool2d(x, sp, out); return; }
            int[] g = poolGeom("avgPool2d", x, sp, out, x.shape());
            NativeLib.avgPool2d(dt(x), g, x.address(), out.address());
        } finally {
            Scope.release(x, out);
        }
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, Pool2dSpec sp, Tensor gradIn) {
        Scope.acquire(gradOut, gradIn); // checks each scope is open and usable from this thread
        try {
            if (!handles(gradOut, gradIn)) { declined("avgPool2dBackward"); next.avgPool2dBackward(gradOut, sp, gradIn); return; }
            int[] g = poolGeom("avgPool2dBackward", gradIn, sp, gradOut, gradIn.shape());
            NativeLib.avgPool2dBackward(dt(gradOut), g, gradOut.address(), gradIn.address());
        } finally {
            Scope.release(gradOut, gradIn);
        }
    }

    // ------------------------------------------------------------------ fused activation

    @Override
    public void biasActivation(Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) {
        Scope.acquire(x, bias, out); // checks each scope is open and usable from this thread
        try {
            if (!handles(x, bias, out)) { declined("biasActivation"); next.biasActivation(x, bias, channelAxis, act, out); return; }
            sameShape("biasActivation", x, out);
            int[] s = x.shape();
            if (channelAxis < 0 || channelAxis >= s.length) {
                throw new IllegalArgumentException("biasActivation: channel axis " + channelAxis + " out of range for shape " + Shapes.str(s));
            }
            if (bias != null) shape("biasActivation", "bias", bias, s[channelAxis]);
            long outer = 1, inner = 1;
            for (int i = 0; i < channelAxis; i++) outer *= s[i];
            for (int i = channelAxis + 1; i < s.length; i++) inner *= s[i];
            NativeLib.biasActivation(dt(x), x.address(), addr(bias), outer, s[channelAxis], inner, act.ordinal(), out.address());
        } finally {
            Scope.release(x, bias, out);
        }
    }

    @Override
    public void activationBackward(Activation act, Tensor y, Tensor gradOut, Tensor gradIn) {
        Scope.acquire(y, gradOut, gradIn); // checks each scope is open and usable from this thread
        try {
            if (!handles(y, gradOut, gradIn)) { declined("activationBackward"); next.activationBackward(act, y, gradOut, gradIn); return; }
            sameShape("activationBackward", y, gradOut);
            sameShape("activationBackward", y, gradIn);
            NativeLib.activationBackward(dt(y), act.ordinal(), y.address(), gradOut.address(), gradIn.address(), y.numel());
        } finally {
            Scope.release(y, gradOut, gradIn);
        }
    }

    // ------------------------------------------------------------------ losses

    private static double scale(Reduction r, long n) {
        return r == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
    }

    @Override
    public double softmaxCrossEntropy(Tensor logits, Tensor labels, Reduction r, Tensor grad) {
        Scope.acquire(logits, labels, grad); // checks each scope is open and usable from this thread
        try {
            if (!handles(logits, grad) || !indexTensor(labels) || labels == null) { declined("softmaxCrossEntropy"); return next.softmaxCrossEntropy(logits, labels, r, grad); }
            Shapes.checkRank("softmaxCrossEntropy", "logits", logits, 2);
            int N = logits.dim(0), C = logits.dim(1);
            shape("softmaxCrossEntropy", "labels", labels, N);
            if (grad != null) sameShape("softmaxCrossEntropy grad", grad, logits);
            long lo = labels.offset();
            for (int i = 0; i < N; i++) {
                double y = labels.read(lo + i);
                if (y < 0 || y >= C) throw new IllegalArgumentException("softmaxCrossEntropy: label " + (int) y + " at " + i + " out of range for " + C + " classes");
            }
            return NativeLib.softmaxCrossEntropy(dt(logits), logits.address(), labels.address(), N, C, scale(r, N), addr(grad));
        } finally {
            Scope.release(logits, labels, grad);
        }
    }

    @Override
    public double softmaxCrossEntropyProbs(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        Scope.acquire(logits, targets, grad); // checks each scope is open and usable from this thread
        try {
            if (!handles(logits, targets, grad)) { declined("softmaxCrossEntropyProbs"); return next.softmaxCrossEntropyProbs(logits, targets, r, grad); }
            Shapes.checkRank("softmaxCrossEntropyProbs", "logits", logits, 2);
            sameShape("softmaxCrossEntropyProbs", logits, targets);
            if (grad != null) sameShape("softmaxCrossEntropyProbs grad", grad, logits);
            int N = logits.dim(0), C = logits.dim(1);
            return NativeLib.softmaxCrossEntropyProbs(dt(logits), logits.address(), targets.address(), N, C, scale(r, N), addr(grad));
        } finally {
            Scope.release(logits, targets, grad);
        }
    }

    @Override
    public double bceWithLogits(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        Scope.acquire(logits, targets, grad); // checks each scope is open and usable from this thread
        try {
            if (!handles(logits, targets, grad)) { declined("bceWithLogits"); return next.bceWithLogits(logits, targets, r, grad); }
            sameShape("bceWithLogits", logits, targets);
            if (grad != null) sameShape("bceWithLogits grad", grad, logits);
            long n = logits.numel();
            return NativeLib.bceWithLogits(dt(logits), logits.address(), targets.address(), n, scale(r, n), addr(grad));
        } finally {
            Scope.release(logits, targets, grad);
        }
    }

    @Override
    public double mse(Tensor pred, Tensor target, Reduction r, Tensor grad) {
        Scope.acquire(pred, target, grad); // checks each scope is open and usable from this thread
        try {
            if (!handles(pred, target, grad)) { declined("mse"); return next.mse(pred, target, r, grad); }
            sameShape("mse", pred, target);
            if (grad != null) sameShape("mse grad", grad, pred);
            long n = pred.numel();
            return NativeLib.mse(dt(pred), pred.address(), target.address(), n, scale(r, n), addr(grad));
        } finally {
            Scope.release(pred, target, grad);
        }
    }

    // ------------------------------------------------------------------ optimizers

    private static void sameShapes(String op, Tensor p, Tensor... others) {
        for (Tensor t : others) if (t != null) sameShape(op, p, t);
    }

    private static void needBuffer(String op, String what, Tensor buf, double momentum) {
        if (buf == null && momentum != 0) throw new IllegalArgumentException(op + ": momentum " + momentum + " needs a " + what);
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) {
        Scope.acquire(p, g, buf); // checks each scope is open and usable from this thread
        try {
            if (!handles(p, g, buf)) { declined("sgdUpdate"); next.sgdUpdate(p, g, buf, s); return; }
            sameShapes("sgdUpdate", p, g, buf);
            needBuffer("sgdUpdate", "momentum buffer", buf, s.momentum());
            NativeLib.sgdUpdate(dt(p), p.address(), g.address(), addr(buf), p.numel(), s.lr(), s.momentum(), s.dampening(), s.nesterov(), s.weightDecay());
        } finally {
            Scope.release(p, g, buf);
        }
    }

    @Override
    public void adamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, OptimizerSteps.Adam s) {
        Scope.acquire(p, g, m, v); // checks each scope is open and usable from this thread
        try {
            if (m == null || v == null) throw new IllegalArgumentException("adamUpdate needs both moment buffers");
            if (!handles(p, g, m, v)) { declined("adamUpdate"); next.adamUpdate(p, g, m, v, s); return; }
            sameShapes("adamUpdate", p, g, m, v);
            double bc1 = 1 - Math.pow(s.beta1(), s.step()), bc2 = 1 - Math.pow(s.beta2(), s.step());
            NativeLib.adamUpdate(dt(p), p.address(), g.address(), m.address(), v.address(), p.numel(), s.lr(), s.beta1(), s.beta2(),
                    s.eps(), s.weightDecay(), s.decoupled(), bc1, bc2);
        } finally {
            Scope.release(p, g, m, v);
        }
    }

    @Override
    public void rmsPropUpdate(Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) {
        Scope.acquire(p, g, sq, buf); // checks each scope is open and usable from this thread
        try {
            if (sq == null) throw new IllegalArgumentException("rmsPropUpdate needs the square-average buffer");
            if (!handles(p, g, sq, buf)) { declined("rmsPropUpdate"); next.rmsPropUpdate(p, g, sq, buf, s); return; }
            sameShapes("rmsPropUpdate", p, g, sq, buf);
            needBuffer("rmsPropUpdate", "momentum buffer", buf, s.momentum());
            NativeLib.rmsPropUpdate(dt(p), p.address(), g.address(), sq.address(), addr(buf), p.numel(), s.lr(), s.alpha(), s.eps(),
                    s.momentum(), s.weightDecay());
        } finally {
            Scope.release(p, g, sq, buf);
        }
    }

    @Override
    public void adadeltaUpdate(Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) {
        Scope.acquire(p, g, sq, acc); // checks each scope is open and usable from this thread
        try {
            if (sq == null || acc == null) throw new IllegalArgumentException("adadeltaUpdate needs both accumulators");
            if (!handles(p, g, sq, acc)) { declined("adadeltaUpdate"); next.adadeltaUpdate(p, g, sq, acc, s); return; }
            sameShapes("adadeltaUpdate", p, g, sq, acc);
            NativeLib.adadeltaUpdate(dt(p), p.address(), g.address(), sq.address(), acc.address(), p.numel(), s.lr(), s.rho(), s.eps(), s.weightDecay());
        } finally {
            Scope.release(p, g, sq, acc);
        }
    }
}
