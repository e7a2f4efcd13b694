package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reductions whose lane order could differ between the interpreter and C2, on fixed inputs: one line per op
 * with a hash of the result's bits. {@link DeterminismTest} compares a forked {@code -Xint} run with a warmed-up
 * in-process run. Run on one kernel thread so the split of the work is fixed too.
 */
public final class DeterminismProbe {
    private DeterminismProbe() {}

    static Map<String, String> run() {
        return run(1003);
    }

    /**
     * One line per op on inputs of about n elements (n = 1003 for the comparison; a small n warms the same code
     * paths, vector bodies and scalar tails, up quickly: C2 compiles a kernel after some hundreds of calls).
     */
    static Map<String, String> run(int n) {
        Map<String, String> out = new LinkedHashMap<>();
        try (Scope scope = Scope.open()) {
            Rng rng = new Rng(7);
            Tensor f = rand(rng, DType.F32, 10 * n - 23), d = rand(rng, DType.F64, 10 * n - 23);
            out.put("sumF32", Long.toHexString(Double.doubleToLongBits(Ops.sum(f))));
            out.put("sumF64", Long.toHexString(Double.doubleToLongBits(Ops.sum(d))));
            out.put("sumAxisF32", hash(Ops.reduce(ReduceOp.SUM, rand(rng, DType.F32, 37, 129), 1, false)));
            out.put("meanAxisF64", hash(Ops.reduce(ReduceOp.MEAN, rand(rng, DType.F64, 37, 129), 1, false)));
            out.put("logSoftmax", hash(Ops.logSoftmax(rand(rng, DType.F32, 8, 100), 1)));
            out.put("softmaxF32", hash(Ops.softmax(rand(rng, DType.F32, 8, 100), 1)));
            out.put("expF32", hash(Ops.unary(UnaryOp.EXP, rand(rng, DType.F32, n))));
            out.put("sigmoidF32", hash(Ops.unary(UnaryOp.SIGMOID, rand(rng, DType.F32, n))));
            // The transcendental ops (VMath instead of lanewise(EXP/LOG/TANH); pow through Math.pow), in both dtypes.
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                String s = dt == DType.F32 ? "F32" : "F64";
                out.put("exp" + s + "Wide", hash(Ops.unary(UnaryOp.EXP, Ops.binary(BinaryOp.MUL, rand(rng, dt, n), 60))));
                out.put("log" + s, hash(Ops.unary(UnaryOp.LOG, Ops.unary(UnaryOp.ABS, rand(rng, dt, n)))));
                out.put("log" + s + "Wide", hash(Ops.unary(UnaryOp.LOG, Ops.unary(UnaryOp.EXP, Ops.binary(BinaryOp.MUL, rand(rng, dt, n), 40)))));
                out.put("tanh" + s, hash(Ops.unary(UnaryOp.TANH, Ops.binary(BinaryOp.MUL, rand(rng, dt, n), 3))));
                Tensor base = Ops.binary(BinaryOp.ADD, Ops.unary(UnaryOp.ABS, rand(rng, dt, n)), 0.25);
                out.put("pow" + s, hash(Ops.binary(BinaryOp.POW, base, Ops.binary(BinaryOp.MUL, rand(rng, dt, n), 3))));
                out.put("pow" + s + "Scalar", hash(Ops.binary(BinaryOp.POW, base, 2.5)));
                if (dt == DType.F64) {
                    Tensor logits = Ops.binary(BinaryOp.MUL, rand(rng, dt, 8, 101), 30);
                    out.put("softmaxF64", hash(Ops.softmax(logits, 1)));
                    out.put("logSoftmaxF64", hash(Ops.logSoftmax(logits, 1)));
                }
                out.put("gelu" + s, hash(Ops.unary(UnaryOp.GELU, Ops.binary(BinaryOp.MUL, rand(rng, dt, n), 3))));
                out.put("sigmoid" + s + "Wide", hash(Ops.unary(UnaryOp.SIGMOID, Ops.binary(BinaryOp.MUL, rand(rng, dt, n), 20))));
                if (dt == DType.F32) {
                    out.put("softmax" + s + "Wide", hash(Ops.softmax(Ops.binary(BinaryOp.MUL, rand(rng, dt, 8, 100), 10), 1)));
                    out.put("logSoftmax" + s + "Wide", hash(Ops.logSoftmax(Ops.binary(BinaryOp.MUL, rand(rng, dt, 8, 100), 10), 1)));
                }
            }

            Tensor logits = rand(rng, DType.F32, 32, 10), grad = Tensor.zeros(DType.F32, 32, 10);
            int[] lab = new int[32];
            for (int i = 0; i < lab.length; i++) lab[i] = rng.nextInt(10);
            double ce = Ops.softmaxCrossEntropy(logits, Tensor.ofInts(lab, 32), Reduction.MEAN, grad);
            out.put("softmaxCE", bits(ce) + "/" + hash(grad));
            Tensor probs = Ops.softmax(rand(rng, DType.F32, 32, 10), 1), grad2 = Tensor.zeros(DType.F32, 32, 10);
            out.put("softmaxCEProbs", bits(Ops.softmaxCrossEntropyProbs(logits, probs, Reduction.MEAN, grad2)) + "/" + hash(grad2));
            Tensor p = rand(rng, DType.F32, n), t = rand(rng, DType.F32, n), g3 = Tensor.zeros(DType.F32, n);
            out.put("mse", bits(Ops.mse(p, t, Reduction.MEAN, g3)) + "/" + hash(g3));
            // BCE with logits: the loss (log1p(exp(-|x|)) per element) and the gradient, with and without a grad
            // tensor (then exp(-|x|) goes through a scratch chunk), on logits wide enough for both ends of log1p's
            // range; and across a chunk boundary (4096 elements).
            for (int len : new int[] {n, 4099}) {
                Tensor bx = Ops.binary(BinaryOp.MUL, rand(rng, DType.F32, len), 4), bt = Ops.unary(UnaryOp.SIGMOID, rand(rng, DType.F32, len));
                Tensor g4 = Tensor.zeros(DType.F32, len);
                out.put("bceF32_" + len, bits(Ops.bceWithLogits(bx, bt, Reduction.SUM, g4)) + "/" + hash(g4)
                        + "/" + bits(Ops.bceWithLogits(bx, bt, Reduction.MEAN, null)));
            }
            // The loss is a sum, and a last-bit difference in one log1p term rounds away in it (lanewise(LOG1P), which
            // differs from Math.log1p on ~1% of these inputs under C2, passed the probes above): so also ~1000 short
            // losses of 11 elements (one vector, then a tail) where one element, in lane i % 8, has a log1p term in
            // (0, ln 2] and the others add about 1e-13 (x = +-30) that rounds away: each loss's bits are that term's.
            // Targets t = (x >= 0 ? 1 : 0) make max(x, 0) - x t exactly 0. With and without a grad tensor. (About n
            // losses; the warm-up calls with a small n run 64.)
            int rows = Math.max(64, n);
            Tensor rx = Ops.binary(BinaryOp.MUL, rand(rng, DType.F32, rows, 11), 4), rt = Tensor.zeros(DType.F32, rows, 11);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < 11; j++) {
                    long at = i * 11L + j;
                    if (j != i % 8) rx.setFlat(at, rx.getFlat(at) < 0 ? -30 : 30);
                    rt.setFlat(at, rx.getFlat(at) >= 0 ? 1 : 0);
                }
            Tensor rg = Tensor.zeros(DType.F32, 11);
            double[] noGrad = new double[rows], withGrad = new double[rows];
            for (int i = 0; i < rows; i++) {
                noGrad[i] = Ops.bceWithLogits(rx.select(0, i), rt.select(0, i), Reduction.SUM, null);
                withGrad[i] = Ops.bceWithLogits(rx.select(0, i), rt.select(0, i), Reduction.SUM, rg);
            }
            out.put("bceF32Terms", Integer.toHexString(Arrays.hashCode(noGrad)) + "/" + Integer.toHexString(Arrays.hashCode(withGrad)));
            // Fused bias + tanh (Linear / Conv2d with a Tanh, and the Tanh module: no bias), F32: dense rows, conv
            // planes and the whole tensor, each with a loop tail.
            Tensor dense = Ops.binary(BinaryOp.MUL, rand(rng, DType.F32, 13, 101), 2), dBias = rand(rng, DType.F32, 101);
            out.put("biasTanhDense", hash(Ops.biasActivationInto(dense, dBias, 1, Activation.TANH, Tensor.zeros(DType.F32, 13, 101))));
            Tensor planes = Ops.binary(BinaryOp.MUL, rand(rng, DType.F32, 2, 3, 11, 13), 2), pBias = rand(rng, DType.F32, 3);
            out.put("biasTanhConv", hash(Ops.biasActivationInto(planes, pBias, 1, Activation.TANH, Tensor.zeros(DType.F32, 2, 3, 11, 13))));
            out.put("tanhActivation", hash(Ops.biasActivationInto(dense, null, 1, Activation.TANH, Tensor.zeros(DType.F32, 13, 101))));

            // Conv backward weight: a short reduction (R = 9, the dot kernel) and a long one (R = 72, GEMM).
            for (int[] s : new int[][] {{2, 1, 12, 4}, {2, 8, 8, 8}}) {
                int b = s[0], c = s[1], hw = s[2], k = s[3];
                Conv2dSpec spec = Conv2dSpec.of(1, 1);
                Tensor x = rand(rng, DType.F32, b, c, hw, hw), go = rand(rng, DType.F32, b, k, hw, hw);
                Tensor gw = Tensor.zeros(DType.F32, k, c, 3, 3), gb = Tensor.zeros(DType.F32, k);
                Ops.conv2dBackwardWeightInto(x, go, spec, gw, gb);
                out.put("conv2dBackwardWeight" + c, hash(gw) + "/" + hash(gb));
            }
        }
        return out;
    }

    private static Tensor rand(Rng rng, DType dt, int... shape) {
        return Ops.uniform(Tensor.zeros(dt, shape), -2, 2, rng);
    }

    private static String bits(double v) {
        return Long.toHexString(Double.doubleToLongBits(v));
    }

    private static String hash(Tensor t) {
        return Integer.toHexString(Arrays.hashCode(t.contiguous().segment().toArray(ValueLayout.JAVA_BYTE)));
    }

    public static void main(String[] args) {
        Parallel.setThreads(1);
        // Backends refuses the Vector API in an -Xint JVM (too slow for real work); here that is the point.
        Backends.setDefault(new VectorKernels());
        System.out.println("backend=" + Backends.kernels().name());
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        for (int i = 0; i < warm; i++) run(37);
        for (int i = 0; i < Math.min(warm, 3); i++) run();
        run().forEach((k, v) -> System.out.println(k + "=" + v));
    }
}
