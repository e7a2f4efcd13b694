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
        Map<String, String> out = new LinkedHashMap<>();
        try (Scope scope = Scope.open()) {
            Rng rng = new Rng(7);
            Tensor f = rand(rng, DType.F32, 10007), d = rand(rng, DType.F64, 10007);
            out.put("sumF32", Long.toHexString(Double.doubleToLongBits(Ops.sum(f))));
            out.put("sumF64", Long.toHexString(Double.doubleToLongBits(Ops.sum(d))));
            out.put("sumAxisF32", hash(Ops.reduce(ReduceOp.SUM, rand(rng, DType.F32, 37, 129), 1, false)));
            out.put("meanAxisF64", hash(Ops.reduce(ReduceOp.MEAN, rand(rng, DType.F64, 37, 129), 1, false)));
            out.put("logSoftmax", hash(Ops.logSoftmax(rand(rng, DType.F32, 8, 100), 1)));
            out.put("softmaxF32", hash(Ops.softmax(rand(rng, DType.F32, 8, 100), 1)));
            out.put("expF32", hash(Ops.unary(UnaryOp.EXP, rand(rng, DType.F32, 1003))));
            out.put("sigmoidF32", hash(Ops.unary(UnaryOp.SIGMOID, rand(rng, DType.F32, 1003))));
            // Not yet tier-stable (Vector API stubs under C2, Math.* per lane before): F64 exp, and log, log1p,
            // tanh, pow in both dtypes, so F64 softmax, BCE's log1p term and tanh/GELU are not probed here.

            Tensor logits = rand(rng, DType.F32, 32, 10), grad = Tensor.zeros(DType.F32, 32, 10);
            int[] lab = new int[32];
            for (int i = 0; i < lab.length; i++) lab[i] = rng.nextInt(10);
            double ce = Ops.softmaxCrossEntropy(logits, Tensor.ofInts(lab, 32), Reduction.MEAN, grad);
            out.put("softmaxCE", bits(ce) + "/" + hash(grad));
            Tensor probs = Ops.softmax(rand(rng, DType.F32, 32, 10), 1), grad2 = Tensor.zeros(DType.F32, 32, 10);
            out.put("softmaxCEProbs", bits(Ops.softmaxCrossEntropyProbs(logits, probs, Reduction.MEAN, grad2)) + "/" + hash(grad2));
            Tensor p = rand(rng, DType.F32, 1000), t = rand(rng, DType.F32, 1000), g3 = Tensor.zeros(DType.F32, 1000);
            out.put("mse", bits(Ops.mse(p, t, Reduction.MEAN, g3)) + "/" + hash(g3));
            Tensor t01 = Ops.unary(UnaryOp.SIGMOID, t), g4 = Tensor.zeros(DType.F32, 1000);
            Ops.bceWithLogits(p, t01, Reduction.SUM, g4); // its loss has a log1p term (not yet tier-stable)
            out.put("bceGrad", hash(g4));

            // Conv backward weight: a short reduction (R = 9, the dot kernel) and a long one (R = 72, GEMM).
            for (int[] s : new int[][] {{2, 1, 12, 4}, {2, 8, 8, 8}}) {
                int n = s[0], c = s[1], hw = s[2], k = s[3];
                Conv2dSpec spec = Conv2dSpec.of(1, 1);
                Tensor x = rand(rng, DType.F32, n, c, hw, hw), go = rand(rng, DType.F32, n, k, hw, hw);
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
        run().forEach((k, v) -> System.out.println(k + "=" + v));
    }
}
