package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vector fused losses (value and gradient) against the scalar oracle, including extreme logits. */
class LossPropertyTest {

    /** Logits in [-4, 4], or (extreme) a mix of +-1e4 and ordinary values. */
    private static Tensor logits(Scope s, DType dt, Random r, boolean extreme, int... shape) {
        Tensor t = random(s, dt, r, shape);
        for (long i = 0; i < t.numel(); i++) {
            double v = t.getFlat(i) * 4;
            if (extreme && r.nextInt(3) == 0) v = r.nextBoolean() ? 1e4 : -1e4;
            t.setFlat(i, v);
        }
        return t;
    }

    private static void checkCase(int n, int c, long seed, DType dt) {
        Random r = new Random(seed);
        boolean extreme = r.nextBoolean();
        Reduction red = r.nextBoolean() ? Reduction.MEAN : Reduction.SUM;
        String ctx = "N=" + n + " C=" + c + " " + dt + " " + red + (extreme ? " extreme" : "");
        double tol = tol(dt);
        try (Scope s = Scope.open()) {
            Tensor x = logits(s, dt, r, extreme, n, c);
            int[] lab = new int[n];
            for (int i = 0; i < n; i++) lab[i] = r.nextInt(c);
            Tensor labels = Tensor.ofInts(s, lab, n);
            Tensor g0 = zeros(s, dt, n, c), g1 = random(s, dt, r, n, c);
            double l0 = SCALAR.softmaxCrossEntropy(x, labels, red, g0), l1 = VECTOR.softmaxCrossEntropy(x, labels, red, g1);
            assertTrue(Double.isFinite(l1), "cross_entropy not finite " + ctx);
            assertClose("cross_entropy " + ctx, l0, l1, tol);
            assertClose("cross_entropy grad " + ctx, g0, g1, tol);
            assertClose("cross_entropy without grad " + ctx, l0, VECTOR.softmaxCrossEntropy(x, labels, red, null), tol);

            Tensor t = zeros(s, dt, n, c);
            for (int i = 0; i < n; i++) {
                double sum = 0;
                double[] row = new double[c];
                for (int j = 0; j < c; j++) sum += row[j] = r.nextInt(3) == 0 ? 0 : r.nextDouble();
                for (int j = 0; j < c; j++) t.setDouble(sum == 0 ? (j == 0 ? 1 : 0) : row[j] / sum, i, j);
            }
            l0 = SCALAR.softmaxCrossEntropyProbs(x, t, red, g0);
            l1 = VECTOR.softmaxCrossEntropyProbs(x, t, red, g1);
            assertTrue(Double.isFinite(l1), "cross_entropy probs not finite " + ctx);
            assertClose("cross_entropy probs " + ctx, l0, l1, tol);
            assertClose("cross_entropy probs grad " + ctx, g0, g1, tol);
            assertClose("cross_entropy probs without grad " + ctx, l0, VECTOR.softmaxCrossEntropyProbs(x, t, red, null), tol);

            Tensor tb = random(s, dt, r, n, c);
            for (long i = 0; i < tb.numel(); i++) tb.setFlat(i, (tb.getFlat(i) + 1) / 2);
            l0 = SCALAR.bceWithLogits(x, tb, red, g0);
            l1 = VECTOR.bceWithLogits(x, tb, red, g1);
            assertTrue(Double.isFinite(l1), "bce not finite " + ctx);
            assertClose("bce_with_logits " + ctx, l0, l1, tol);
            assertClose("bce_with_logits grad " + ctx, g0, g1, tol);
            assertClose("bce_with_logits without grad " + ctx, l0, VECTOR.bceWithLogits(x, tb, red, null), tol);

            Tensor pr = random(s, dt, r, n, c);
            l0 = SCALAR.mse(pr, tb, red, g0);
            l1 = VECTOR.mse(pr, tb, red, g1);
            assertClose("mse " + ctx, l0, l1, tol);
            assertClose("mse grad " + ctx, g0, g1, tol);
        }
    }

    @Test
    void matchesScalarF32() {
        qt().withExamples(150).forAll(integers().between(1, 40), integers().between(1, 37), integers().all())
                .checkAssert((n, c, seed) -> checkCase(n, c, seed, DType.F32));
    }

    /** F64 has its own vector loops (4 double lanes on AVX2): class counts up to 37 leave every tail length. */
    @Test
    void matchesScalarF64() {
        qt().withExamples(80).forAll(integers().between(1, 24), integers().between(1, 37), integers().all())
                .checkAssert((n, c, seed) -> checkCase(n, c, seed, DType.F64));
    }

    /**
     * BCE with logits runs in chunks of 4096 elements (two passes each): lengths across chunk boundaries, with
     * and without the gradient (then a scratch chunk holds exp(-|x|)), extreme logits, both dtypes.
     */
    @Test
    void bceAcrossChunksMatchesScalar() {
        Random r = new Random(17);
        for (DType dt : new DType[] {DType.F32, DType.F64})
            for (int n : new int[] {4095, 4096, 4097, 8195})
                try (Scope s = Scope.open()) {
                    Tensor x = logits(s, dt, r, true, n), t = random(s, dt, r, n);
                    for (long i = 0; i < n; i++) t.setFlat(i, (t.getFlat(i) + 1) / 2);
                    Tensor g0 = zeros(s, dt, n), g1 = random(s, dt, r, n);
                    double l0 = SCALAR.bceWithLogits(x, t, Reduction.SUM, g0), l1 = VECTOR.bceWithLogits(x, t, Reduction.SUM, g1);
                    String ctx = "n=" + n + " " + dt;
                    assertTrue(Double.isFinite(l1), "bce not finite " + ctx);
                    // A sum of n terms: relative tolerance scaled by sqrt(n) for F32's float lanes.
                    double tol = tol(dt) * (dt == DType.F32 ? Math.sqrt(n) : 1);
                    assertClose("bce_with_logits " + ctx, l0, l1, tol);
                    assertClose("bce_with_logits grad " + ctx, g0, g1, tol(dt));
                    assertClose("bce_with_logits without grad " + ctx, l0, VECTOR.bceWithLogits(x, t, Reduction.SUM, null), tol);
                }
    }

    /**
     * The gradient written in place over the logits or over the targets (grad is the same tensor): the two-pass
     * kernels then keep exp(-|x|) in their scratch chunk instead of the grad tensor, and match the oracle run on
     * separate tensors. Lengths with a tail and across a chunk boundary, both dtypes.
     */
    @Test
    void bceGradInPlaceOverLogitsOrTargetsMatchesScalar() {
        Random r = new Random(23);
        for (DType dt : new DType[] {DType.F32, DType.F64})
            for (int n : new int[] {13, 4103})
                for (boolean overLogits : new boolean[] {true, false})
                    try (Scope s = Scope.open()) {
                        Tensor x = logits(s, dt, r, false, n), t = random(s, dt, r, n);
                        for (long i = 0; i < n; i++) t.setFlat(i, (t.getFlat(i) + 1) / 2);
                        Tensor g0 = zeros(s, dt, n);
                        double l0 = SCALAR.bceWithLogits(x, t, Reduction.MEAN, g0);
                        Tensor g1 = overLogits ? x : t;
                        double l1 = VECTOR.bceWithLogits(x, t, Reduction.MEAN, g1);
                        String ctx = "n=" + n + " " + dt + " grad over " + (overLogits ? "logits" : "targets");
                        assertClose("bce_with_logits " + ctx, l0, l1, tol(dt) * (dt == DType.F32 ? Math.sqrt(n) : 1));
                        assertClose("bce_with_logits grad " + ctx, g0, g1, tol(dt));
                    }
    }

    @Test
    void nonContiguousLogitsFallBack() {
        try (Scope s = Scope.open()) {
            Random r = new Random(3);
            Tensor x = randomTransposed(s, DType.F32, r, 5, 9);
            Tensor labels = Tensor.ofInts(s, new int[] {0, 8, 3, 4, 1}, 5);
            Tensor g0 = zeros(s, DType.F32, 5, 9), g1 = zeros(s, DType.F32, 5, 9);
            assertClose("ce transposed", SCALAR.softmaxCrossEntropy(x, labels, Reduction.MEAN, g0),
                    VECTOR.softmaxCrossEntropy(x, labels, Reduction.MEAN, g1), 1e-6);
            assertClose("ce transposed grad", g0, g1, 1e-6);
        }
    }

    @Test
    void labelOutOfRangeIsRejectedWithTheLabel() {
        try (Scope s = Scope.open()) {
            Tensor x = zeros(s, DType.F32, 2, 3);
            Tensor labels = Tensor.ofInts(s, new int[] {1, 3}, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.softmaxCrossEntropy(x, labels, Reduction.MEAN, null));
            assertTrue(e.getMessage().contains("label 3") && e.getMessage().contains("[2, 3]"), e.getMessage());
        }
    }
}
