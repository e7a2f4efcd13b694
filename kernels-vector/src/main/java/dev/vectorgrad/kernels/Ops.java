package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * The checked entry points to the kernels: validates liveness, thread, dtypes and shapes (throwing exceptions
 * that name the shapes, before any kernel or native call), allocates results in {@link Scope#current()}, and
 * calls {@link Backends#kernels()}. Naming follows PyTorch: {@code op} returns a new tensor, {@code opInto}
 * writes into a given output.
 */
public final class Ops {
    private Ops() {}

    private static Kernels k() { return Backends.kernels(); }

    // ------------------------------------------------------------------ checks

    static void checkFloat(String op, Tensor t) {
        t.checkAlive();
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(op + " needs a floating-point tensor (F32 or F64), got " + t.dtype()
                    + " of shape " + Shapes.str(t.shape()));
        }
    }

    static void checkSameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtype mismatch, " + a.dtype() + " " + Shapes.str(a.shape())
                    + " vs " + b.dtype() + " " + Shapes.str(b.shape()));
        }
    }

    static void checkOut(String op, Tensor out, DType dtype, int[] shape) {
        out.checkAlive();
        if (out.dtype() != dtype) {
            throw new IllegalArgumentException(op + ": output has dtype " + out.dtype() + " but the result is " + dtype);
        }
        if (!sameShape(out, shape)) {
            throw new IllegalArgumentException(op + ": output has shape " + Shapes.str(out.shape()) + " but the result has shape " + Shapes.str(shape));
        }
        if (hasStrideZero(out)) {
            throw new IllegalArgumentException(op + ": output of shape " + Shapes.str(out.shape()) + " is a broadcast view (stride 0); write into a real tensor");
        }
    }

    // dim/stride reads rather than shape()/strides(), which copy arrays: these checks run on every call.
    private static boolean hasStrideZero(Tensor t) {
        for (int i = 0, r = t.rank(); i < r; i++) if (t.dim(i) > 1 && t.stride(i) == 0) return true;
        return false;
    }

    private static boolean sameShape(Tensor t, int[] shape) {
        if (t.rank() != shape.length) return false;
        for (int i = 0; i < shape.length; i++) if (t.dim(i) != shape[i]) return false;
        return true;
    }

    // ------------------------------------------------------------------ elementwise

    public static Tensor unary(UnaryOp op, Tensor x) {
        checkFloat(op.name().toLowerCase(), x);
        Tensor out = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
        k().unary(op, x, out);
        return out;
    }

    public static Tensor unaryInto(UnaryOp op, Tensor x, Tensor out) {
        checkFloat(op.name().toLowerCase(), x);
        checkOut(op.name().toLowerCase(), out, x.dtype(), x.shape());
        k().unary(op, x, out);
        return out;
    }

    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        checkFloat(name, a);
        checkFloat(name, b);
        checkSameDType(name, a, b);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.zeros(Scope.current(), a.dtype(), shape);
        k().binary(op, a.expand(shape), b.expand(shape), out);
        return out;
    }

    public static Tensor binaryInto(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        String name = op.name().toLowerCase();
        checkFloat(name, a);
        checkFloat(name, b);
        checkSameDType(name, a, b);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        checkOut(name, out, a.dtype(), shape);
        k().binary(op, a.expand(shape), b.expand(shape), out);
        return out;
    }

    public static Tensor binary(BinaryOp op, Tensor a, double s) {
        checkFloat(op.name().toLowerCase(), a);
        Tensor out = Tensor.zeros(Scope.current(), a.dtype(), a.shape());
        k().binaryScalar(op, a, s, out);
        return out;
    }

    public static Tensor binaryInto(BinaryOp op, Tensor a, double s, Tensor out) {
        checkFloat(op.name().toLowerCase(), a);
        checkOut(op.name().toLowerCase(), out, a.dtype(), a.shape());
        k().binaryScalar(op, a, s, out);
        return out;
    }

    public static Tensor add(Tensor a, Tensor b) { return binary(BinaryOp.ADD, a, b); }
    public static Tensor sub(Tensor a, Tensor b) { return binary(BinaryOp.SUB, a, b); }
    public static Tensor mul(Tensor a, Tensor b) { return binary(BinaryOp.MUL, a, b); }
    public static Tensor div(Tensor a, Tensor b) { return binary(BinaryOp.DIV, a, b); }

    public static Tensor compare(CompareOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        checkFloat(name, a);
        checkFloat(name, b);
        checkSameDType(name, a, b);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.zeros(Scope.current(), a.dtype(), shape);
        k().compare(op, a.expand(shape), b.expand(shape), out);
        return out;
    }

    /** cond != 0 ? a : b, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        checkFloat("where", cond);
        checkFloat("where", a);
        checkFloat("where", b);
        checkSameDType("where", a, b);
        checkSameDType("where", cond, a);
        int[] shape = Shapes.broadcast(Shapes.broadcast(cond.shape(), a.shape()), b.shape());
        Tensor out = Tensor.zeros(Scope.current(), a.dtype(), shape);
        k().where(cond.expand(shape), a.expand(shape), b.expand(shape), out);
        return out;
    }

    public static Tensor fill(Tensor out, double v) {
        out.checkAlive();
        if (hasStrideZero(out)) throw new IllegalArgumentException("fill: output of shape " + Shapes.str(out.shape()) + " is a broadcast view");
        k().fill(out, v);
        return out;
    }

    /** dst = src (same shape; converts dtype). */
    public static Tensor copyInto(Tensor src, Tensor dst) {
        src.checkAlive();
        dst.checkAlive();
        Shapes.checkSame("copy", dst.shape(), src.shape());
        if (hasStrideZero(dst)) throw new IllegalArgumentException("copy: destination of shape " + Shapes.str(dst.shape()) + " is a broadcast view");
        k().copy(src, dst);
        return dst;
    }

    /** A contiguous copy converted to {@code dtype} (F32 <-> F64, and to/from I32 by truncation). */
    public static Tensor cast(Tensor x, DType dtype) {
        x.checkAlive();
        Tensor out = Tensor.zeros(Scope.current(), dtype, x.shape());
        k().copy(x, out);
        return out;
    }

    // ------------------------------------------------------------------ reductions

    /** Reduction along one axis; keepDim keeps it as size 1. ARGMAX returns I32 indices. */
    public static Tensor reduce(ReduceOp op, Tensor x, int axis, boolean keepDim) {
        String name = op.name().toLowerCase();
        checkFloat(name, x);
        int a = Shapes.axis(axis, x.shape());
        if (x.shape()[a] == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN || op == ReduceOp.ARGMAX)) {
            throw new IllegalArgumentException(name + " of an empty axis " + axis + " in shape " + Shapes.str(x.shape()));
        }
        int[] kept = x.shape();
        kept[a] = 1;
        Tensor out = Tensor.zeros(Scope.current(), op == ReduceOp.ARGMAX ? DType.I32 : x.dtype(), kept);
        k().reduce(op, x, a, out);
        return keepDim ? out : out.squeeze(a);
    }

    /** Reduction over several axes (each once, any order). */
    public static Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDim) {
        if (axes.length == 1) return reduce(op, x, axes[0], keepDim);
        if (op == ReduceOp.ARGMAX) throw new IllegalArgumentException("argmax takes one axis, got " + Arrays.toString(axes));
        checkFloat(op.name().toLowerCase(), x);
        int r = x.rank();
        boolean[] red = new boolean[r];
        for (int ax : axes) {
            int a = Shapes.axis(ax, x.shape());
            if (red[a]) throw new IllegalArgumentException("axis " + ax + " repeated in " + Arrays.toString(axes));
            red[a] = true;
        }
        // Move reduced axes last, flatten them into one and reduce that (exact for mean and variance too).
        int[] order = new int[r];
        int j = 0;
        for (int i = 0; i < r; i++) if (!red[i]) order[j++] = i;
        int kept = j;
        for (int i = 0; i < r; i++) if (red[i]) order[j++] = i;
        Tensor p = x.permute(order);
        int[] ps = p.shape();
        int[] flat = Arrays.copyOf(ps, kept + 1);
        long len = 1;
        for (int i = kept; i < r; i++) len *= ps[i];
        flat[kept] = Math.toIntExact(len);
        Tensor reduced = reduce(op, p.reshape(flat), kept, false);
        if (!keepDim) return reduced;
        int[] ks = x.shape();
        for (int i = 0; i < r; i++) if (red[i]) ks[i] = 1;
        return reduced.reshape(ks);
    }

    public static double reduceAll(ReduceOp op, Tensor x) {
        checkFloat(op.name().toLowerCase(), x);
        if (x.numel() == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN || op == ReduceOp.ARGMAX)) {
            throw new IllegalArgumentException(op.name().toLowerCase() + " of an empty tensor of shape " + Shapes.str(x.shape()));
        }
        return k().reduceAll(op, x);
    }

    public static double sum(Tensor x) { return reduceAll(ReduceOp.SUM, x); }

    public static Tensor softmax(Tensor x, int axis) {
        checkFloat("softmax", x);
        Tensor out = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
        k().softmax(x, Shapes.axis(axis, x.shape()), out);
        return out;
    }

    public static Tensor logSoftmax(Tensor x, int axis) {
        checkFloat("log_softmax", x);
        Tensor out = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
        k().logSoftmax(x, Shapes.axis(axis, x.shape()), out);
        return out;
    }

    // ------------------------------------------------------------------ random fills

    public static Tensor uniform(Tensor out, double lo, double hi, Rng rng) {
        checkFloat("uniform", out);
        long n = out.numel();
        for (long i = 0; i < n; i++) out.setFlat(i, lo + (hi - lo) * rng.nextDouble());
        return out;
    }

    public static Tensor normal(Tensor out, double mean, double std, Rng rng) {
        checkFloat("normal", out);
        long n = out.numel();
        for (long i = 0; i < n; i++) out.setFlat(i, mean + std * rng.nextGaussian());
        return out;
    }

    // ------------------------------------------------------------------ matrix multiply

    private static String mm(Tensor t) {
        int[] s = t.shape();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : "x").append(s[i]);
        return sb.toString();
    }

    /** Liveness and a common floating dtype of a GEMM's three operands. */
    private static void checkOperands(String op, Tensor a, Tensor b, Tensor c) {
        checkFloat(op, a);
        checkFloat(op, b);
        checkFloat(op, c);
        checkSameDType(op, a, b);
        checkSameDType(op, a, c);
    }

    /** c = alpha * a @ b + beta * c for matrices; a and b may be transposed views. */
    public static Tensor gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        checkOperands("gemm", a, b, c);
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2) {
            throw new IllegalArgumentException("gemm needs matrices, got shapes " + Shapes.str(a.shape()) + ", "
                    + Shapes.str(b.shape()) + " and output " + Shapes.str(c.shape()));
        }
        if (a.dim(1) != b.dim(0)) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + mm(a) + " and " + mm(b) + ")");
        }
        if (c.dim(0) != a.dim(0) || c.dim(1) != b.dim(1)) {
            throw new IllegalArgumentException("gemm output has shape " + mm(c) + " but " + mm(a) + " @ " + mm(b)
                    + " is " + a.dim(0) + "x" + b.dim(1));
        }
        if (hasStrideZero(c)) throw new IllegalArgumentException("gemm output of shape " + mm(c) + " is a broadcast view");
        k().gemm(alpha, a, b, beta, c);
        return c;
    }

    /**
     * Matrix product with NumPy semantics: 1-d operands are promoted, leading (batch) dimensions broadcast.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        checkFloat("matmul", a);
        checkFloat("matmul", b);
        checkSameDType("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new IllegalArgumentException("matmul needs at least 1-d operands, got " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
        Tensor a2 = a.rank() == 1 ? a.unsqueeze(0) : a;
        Tensor b2 = b.rank() == 1 ? b.unsqueeze(1) : b;
        int m = a2.dim(-2), ka = a2.dim(-1), kb = b2.dim(-2), n = b2.dim(-1);
        if (ka != kb) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + mm(a) + " and " + mm(b) + ")");
        }
        int[] batchA = Arrays.copyOf(a2.shape(), a2.rank() - 2);
        int[] batchB = Arrays.copyOf(b2.shape(), b2.rank() - 2);
        int[] batch = Shapes.broadcast(batchA, batchB);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.zeros(Scope.current(), a.dtype(), outShape);
        matmulInto(a2, b2, out);
        // Drop the promoted dimensions.
        if (a.rank() == 1) out = out.squeeze(-2);
        if (b.rank() == 1) out = out.squeeze(-1);
        return out;
    }

    /**
     * out = a @ b with a [..., m, k], b [..., k, n], out [batch..., m, n]: a and b's batch dimensions broadcast to
     * out's (see {@link #gemmBatched}).
     */
    public static Tensor matmulInto(Tensor a, Tensor b, Tensor out) {
        if (a.rank() == 2 && b.rank() == 2 && out.rank() == 2) {
            return gemm(1.0, a, b, 0.0, out);
        }
        return gemmBatched(1.0, a, b, 0.0, out);
    }

    /**
     * Batched GEMM: c[i] = alpha * a[i] @ b[i] + beta * c[i] for every index i over c's leading dimensions, c [...,
     * m, n]; a [..., m, k] and b [..., k, n] have batch dimensions that broadcast to c's (NumPy rules, aligned from the
     * right: a dimension an operand lacks, or has of size 1, repeats its one matrix). Any operand's last two
     * dimensions may be a transposed or strided view. Nothing is copied or expanded, and the Vector API backend
     * allocates nothing per call; it runs the matrices on the {@link Parallel} workers when each alone is too small
     * to split.
     */
    public static Tensor gemmBatched(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        checkOperands("matmul", a, b, c);
        int ra = a.rank(), rb = b.rank(), rc = c.rank();
        if (ra < 2 || rb < 2 || rc < Math.max(2, Math.max(ra, rb))) {
            throw new IllegalArgumentException("batched matmul needs operands of rank >= 2 and an output of at least their rank, got shapes "
                    + Shapes.str(a.shape()) + ", " + Shapes.str(b.shape()) + " and output " + Shapes.str(c.shape()));
        }
        if (a.dim(ra - 1) != b.dim(rb - 2)) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + mm(a) + " and " + mm(b) + ")");
        }
        if (c.dim(rc - 2) != a.dim(ra - 2) || c.dim(rc - 1) != b.dim(rb - 1) || !BatchedGemm.broadcastsTo(a, c) || !BatchedGemm.broadcastsTo(b, c)) {
            int[] batch;
            try {
                batch = Shapes.broadcast(Arrays.copyOf(a.shape(), ra - 2), Arrays.copyOf(b.shape(), rb - 2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("matmul batch dimensions of " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape())
                        + " do not broadcast", e);
            }
            int[] shape = Arrays.copyOf(batch, batch.length + 2);
            shape[batch.length] = a.dim(ra - 2);
            shape[batch.length + 1] = b.dim(rb - 1);
            throw new IllegalArgumentException("matmul output has shape " + Shapes.str(c.shape()) + " but " + Shapes.str(a.shape())
                    + " @ " + Shapes.str(b.shape()) + " is " + Shapes.str(shape));
        }
        if (hasStrideZero(c)) throw new IllegalArgumentException("matmul output of shape " + Shapes.str(c.shape()) + " is a broadcast view");
        k().gemmBatched(alpha, a, b, beta, c);
        return c;
    }

    // ------------------------------------------------------------------ convolution and pooling

    /** Checks conv2d operands and returns the output shape [n, k, oh, ow]. */
    public static int[] conv2dShape(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec) {
        checkFloat("conv2d", x);
        checkFloat("conv2d", w);
        checkSameDType("conv2d", x, w);
        if (x.rank() != 4) throw new IllegalArgumentException("conv2d input must be NCHW (rank 4), got shape " + Shapes.str(x.shape()));
        if (w.rank() != 4) throw new IllegalArgumentException("conv2d weight must be [out, in, kh, kw], got shape " + Shapes.str(w.shape()));
        if (x.dim(1) != w.dim(1)) {
            throw new IllegalArgumentException("conv2d channel mismatch: input " + Shapes.str(x.shape()) + " has " + x.dim(1)
                    + " channels but weight " + Shapes.str(w.shape()) + " expects " + w.dim(1));
        }
        if (bias != null) {
            checkFloat("conv2d", bias);
            checkSameDType("conv2d", x, bias);
            if (bias.rank() != 1 || bias.dim(0) != w.dim(0)) {
                throw new IllegalArgumentException("conv2d bias must have shape [" + w.dim(0) + "], got " + Shapes.str(bias.shape()));
            }
        }
        int oh = spec.outH(x.dim(2), w.dim(2)), ow = spec.outW(x.dim(3), w.dim(3));
        int effH = spec.dilationH() * (w.dim(2) - 1) + 1, effW = spec.dilationW() * (w.dim(3) - 1) + 1;
        if (x.dim(2) + 2 * spec.padH() < effH || x.dim(3) + 2 * spec.padW() < effW || oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("conv2d kernel " + effH + "x" + effW + " (weight " + Shapes.str(w.shape())
                    + ") is larger than the padded input " + (x.dim(2) + 2 * spec.padH()) + "x" + (x.dim(3) + 2 * spec.padW())
                    + " (input " + Shapes.str(x.shape()) + ")");
        }
        return new int[] {x.dim(0), w.dim(0), oh, ow};
    }

    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec) {
        int[] shape = conv2dShape(x, w, bias, spec);
        Tensor out = Tensor.zeros(Scope.current(), x.dtype(), shape);
        k().conv2d(x, w, bias, spec, out);
        return out;
    }

    public static Tensor conv2dInto(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) {
        checkOut("conv2d", out, x.dtype(), conv2dShape(x, w, bias, spec));
        k().conv2d(x, w, bias, spec, out);
        return out;
    }

    public static Tensor conv2dBackwardDataInto(Tensor gradOut, Tensor w, Conv2dSpec spec, Tensor gradIn) {
        checkOut("conv2d backward", gradOut, gradIn.dtype(), conv2dShape(gradIn, w, null, spec));
        k().conv2dBackwardData(gradOut, w, spec, gradIn);
        return gradIn;
    }

    public static void conv2dBackwardWeightInto(Tensor x, Tensor gradOut, Conv2dSpec spec, Tensor gradW, Tensor gradBias) {
        int[] shape = conv2dShape(x, gradW, gradBias, spec);
        Shapes.checkSame("conv2d backward grad_output", shape, gradOut.shape());
        checkSameDType("conv2d backward", x, gradOut);
        k().conv2dBackwardWeight(x, gradOut, spec, gradW, gradBias);
    }

    public static int[] pool2dShape(String op, Tensor x, Pool2dSpec spec) {
        checkFloat(op, x);
        if (x.rank() != 4) throw new IllegalArgumentException(op + " input must be NCHW (rank 4), got shape " + Shapes.str(x.shape()));
        if (x.dim(2) + 2 * spec.padH() < spec.kernelH() || x.dim(3) + 2 * spec.padW() < spec.kernelW()) {
            throw new IllegalArgumentException(op + " kernel " + spec.kernelH() + "x" + spec.kernelW()
                    + " is larger than the padded input of shape " + Shapes.str(x.shape()));
        }
        return new int[] {x.dim(0), x.dim(1), spec.outH(x.dim(2)), spec.outW(x.dim(3))};
    }

    /** Max pooling; when argmax is not null it must be I32 of the output's shape and receives the max positions. */
    public static Tensor maxPool2dInto(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax) {
        int[] shape = pool2dShape("max_pool2d", x, spec);
        checkOut("max_pool2d", out, x.dtype(), shape);
        if (argmax != null) checkOut("max_pool2d indices", argmax, DType.I32, shape);
        k().maxPool2d(x, spec, out, argmax);
        return out;
    }

    public static Tensor maxPool2dBackwardInto(Tensor gradOut, Tensor argmax, Pool2dSpec spec, Tensor gradIn) {
        int[] shape = pool2dShape("max_pool2d backward", gradIn, spec);
        Shapes.checkSame("max_pool2d backward grad_output", shape, gradOut.shape());
        Shapes.checkSame("max_pool2d backward indices", shape, argmax.shape());
        checkSameDType("max_pool2d backward", gradOut, gradIn);
        k().maxPool2dBackward(gradOut, argmax, spec, gradIn);
        return gradIn;
    }

    public static Tensor avgPool2dInto(Tensor x, Pool2dSpec spec, Tensor out) {
        checkOut("avg_pool2d", out, x.dtype(), pool2dShape("avg_pool2d", x, spec));
        k().avgPool2d(x, spec, out);
        return out;
    }

    public static Tensor avgPool2dBackwardInto(Tensor gradOut, Pool2dSpec spec, Tensor gradIn) {
        Shapes.checkSame("avg_pool2d backward grad_output", pool2dShape("avg_pool2d backward", gradIn, spec), gradOut.shape());
        checkSameDType("avg_pool2d backward", gradOut, gradIn);
        k().avgPool2dBackward(gradOut, spec, gradIn);
        return gradIn;
    }

    // ------------------------------------------------------------------ fused activation

    public static Tensor biasActivationInto(Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) {
        checkFloat("bias_activation", x);
        int a = Shapes.axis(channelAxis, x.shape());
        if (bias != null) {
            checkFloat("bias_activation", bias);
            checkSameDType("bias_activation", x, bias);
            if (bias.rank() != 1 || bias.dim(0) != x.dim(a)) {
                throw new IllegalArgumentException("bias of shape " + Shapes.str(bias.shape()) + " does not match axis " + channelAxis
                        + " of input " + Shapes.str(x.shape()));
            }
        }
        checkOut("bias_activation", out, x.dtype(), x.shape());
        k().biasActivation(x, bias, a, act, out);
        return out;
    }

    public static Tensor activationBackwardInto(Activation act, Tensor y, Tensor gradOut, Tensor gradIn) {
        checkFloat("activation backward", y);
        checkFloat("activation backward", gradOut);
        Shapes.checkSame("activation backward grad_output", y.shape(), gradOut.shape());
        checkOut("activation backward", gradIn, y.dtype(), y.shape());
        k().activationBackward(act, y, gradOut, gradIn);
        return gradIn;
    }

    // ------------------------------------------------------------------ losses

    private static void checkGrad(String op, Tensor grad, Tensor like) {
        if (grad != null) checkOut(op + " gradient", grad, like.dtype(), like.shape());
    }

    /** Softmax cross-entropy of logits [n, c] with I32 labels [n] in [0, c). */
    public static double softmaxCrossEntropy(Tensor logits, Tensor labels, Reduction r, Tensor grad) {
        checkFloat("cross_entropy", logits);
        labels.checkAlive();
        if (logits.rank() != 2) throw new IllegalArgumentException("cross_entropy logits must be [batch, classes], got " + Shapes.str(logits.shape()));
        if (labels.dtype() != DType.I32) throw new IllegalArgumentException("cross_entropy labels must be I32 class indices, got " + labels.dtype());
        if (labels.rank() != 1 || labels.dim(0) != logits.dim(0)) {
            throw new IllegalArgumentException("cross_entropy labels of shape " + Shapes.str(labels.shape()) + " do not match logits "
                    + Shapes.str(logits.shape()) + " (need [" + logits.dim(0) + "])");
        }
        int c = logits.dim(1);
        for (int i = 0; i < labels.dim(0); i++) {
            int y = labels.getInt(i);
            if (y < 0 || y >= c) {
                throw new IllegalArgumentException("cross_entropy label " + y + " at index " + i + " is out of range [0, " + c + ") for logits " + Shapes.str(logits.shape()));
            }
        }
        checkGrad("cross_entropy", grad, logits);
        return k().softmaxCrossEntropy(logits, labels, r, grad);
    }

    public static double softmaxCrossEntropyProbs(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        checkFloat("cross_entropy", logits);
        checkFloat("cross_entropy", targets);
        checkSameDType("cross_entropy", logits, targets);
        if (logits.rank() != 2) throw new IllegalArgumentException("cross_entropy logits must be [batch, classes], got " + Shapes.str(logits.shape()));
        Shapes.checkSame("cross_entropy targets", logits.shape(), targets.shape());
        checkGrad("cross_entropy", grad, logits);
        return k().softmaxCrossEntropyProbs(logits, targets, r, grad);
    }

    public static double bceWithLogits(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        checkFloat("binary_cross_entropy_with_logits", logits);
        checkFloat("binary_cross_entropy_with_logits", targets);
        checkSameDType("binary_cross_entropy_with_logits", logits, targets);
        Shapes.checkSame("binary_cross_entropy_with_logits targets", logits.shape(), targets.shape());
        checkGrad("binary_cross_entropy_with_logits", grad, logits);
        return k().bceWithLogits(logits, targets, r, grad);
    }

    public static double mse(Tensor pred, Tensor target, Reduction r, Tensor grad) {
        checkFloat("mse_loss", pred);
        checkFloat("mse_loss", target);
        checkSameDType("mse_loss", pred, target);
        Shapes.checkSame("mse_loss target", pred.shape(), target.shape());
        checkGrad("mse_loss", grad, pred);
        return k().mse(pred, target, r, grad);
    }

    // ------------------------------------------------------------------ optimizer updates

    private static void checkState(String op, Tensor p, Tensor... state) {
        checkFloat(op, p);
        if (hasStrideZero(p)) throw new IllegalArgumentException(op + ": parameter of shape " + Shapes.str(p.shape()) + " is a broadcast view");
        for (Tensor s : state) {
            if (s == null) continue;
            checkFloat(op, s);
            checkSameDType(op, p, s);
            Shapes.checkSame(op + " state/gradient", p.shape(), s.shape());
        }
    }

    public static void sgdUpdate(Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) {
        checkState("sgd", p, g, buf);
        if (s.momentum() != 0 && buf == null) throw new IllegalArgumentException("sgd with momentum needs a momentum buffer");
        k().sgdUpdate(p, g, buf, s);
    }

    public static void adamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, OptimizerSteps.Adam s) {
        checkState("adam", p, g, m, v);
        if (m == null || v == null) throw new IllegalArgumentException("adam needs both moment buffers");
        if (s.step() < 1) throw new IllegalArgumentException("adam step counts from 1, got " + s.step());
        k().adamUpdate(p, g, m, v, s);
    }

    public static void rmsPropUpdate(Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) {
        checkState("rmsprop", p, g, sq, buf);
        if (sq == null) throw new IllegalArgumentException("rmsprop needs a square-average buffer");
        if (s.momentum() != 0 && buf == null) throw new IllegalArgumentException("rmsprop with momentum needs a momentum buffer");
        k().rmsPropUpdate(p, g, sq, buf, s);
    }

    public static void adadeltaUpdate(Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) {
        checkState("adadelta", p, g, sq, acc);
        if (sq == null || acc == null) throw new IllegalArgumentException("adadelta needs both accumulators");
        k().adadeltaUpdate(p, g, sq, acc, s);
    }
}
