package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.kernels.GemmTestSupport.Layout;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The matrix-vector path of the vector GEMM ({@link GemvF32}: m == 1 or n == 1) against the scalar oracle with
 * the GEMM error bound of {@link GemmTestSupport}: lengths around the vector width and its multiples (loop tails),
 * plain, transposed and strided operands, every alpha/beta (beta == 0 with a NaN-filled c).
 */
class GemvTest {
    private static final Kernels VEC = new VectorKernels();

    private static Layout layout(Random r, int kind) {
        return switch (kind) {
            case 0 -> Layout.PLAIN;
            case 1 -> new Layout(true, 1, 1, 0);
            default -> Layout.random(r);
        };
    }

    @Test
    void rowVectorTimesMatrix() {
        // m == 1: B row-major (axpy form), B transposed (dot form, the W^T of a dense layer), or strided (fallback).
        qt().withExamples(120).withShrinkCycles(20)
                .forAll(integers().between(1, 150), integers().between(1, 300), longs().all())
                .checkAssert((n, k, seed) -> {
                    Random r = new Random(seed);
                    GemmTestSupport.check(VEC, DType.F32, 1, n, k, GemmTestSupport.ALPHAS[r.nextInt(GemmTestSupport.ALPHAS.length)],
                            GemmTestSupport.BETAS[r.nextInt(GemmTestSupport.BETAS.length)], layout(r, r.nextInt(3)), layout(r, r.nextInt(3)),
                            r.nextBoolean() ? Layout.PLAIN : Layout.random(r), seed);
                });
    }

    @Test
    void matrixTimesColumnVector() {
        qt().withExamples(120).withShrinkCycles(20)
                .forAll(integers().between(1, 150), integers().between(1, 300), longs().all())
                .checkAssert((m, k, seed) -> {
                    Random r = new Random(seed);
                    GemmTestSupport.check(VEC, DType.F32, m, 1, k, GemmTestSupport.ALPHAS[r.nextInt(GemmTestSupport.ALPHAS.length)],
                            GemmTestSupport.BETAS[r.nextInt(GemmTestSupport.BETAS.length)], layout(r, r.nextInt(3)), layout(r, r.nextInt(3)),
                            r.nextBoolean() ? Layout.PLAIN : Layout.random(r), seed);
                });
    }

    /**
     * The dot form's documented order, in scalar Java: lane j of the vector part accumulates elements p = j mod L
     * (p below k rounded down to L) by fma; the tail elements p follow by fma into lane p - (k - L); the lanes are
     * summed by folding halves (lane i + lane i + h for h = L/2, L/4, .., 1); then alpha * dot (+ beta * c by fma).
     */
    private static float dotOrder(float[] u, float[] v, int k, float alpha, float beta, float c) {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length(), kv = k - k % lanes;
        float[] acc = new float[lanes];
        for (int p = 0; p < kv; p++) acc[p % lanes] = Math.fma(u[p], v[p], acc[p % lanes]);
        for (int p = kv; p < k; p++) acc[p - (k - lanes)] = Math.fma(u[p], v[p], acc[p - (k - lanes)]);
        for (int h = lanes / 2; h > 0; h /= 2) {
            for (int i = 0; i < h; i++) acc[i] = acc[i] + acc[i + h];
        }
        float r = alpha * acc[0];
        return beta != 0 ? Math.fma(beta, c, r) : r;
    }

    @Test
    void dotFormGivesTheDocumentedOrderBitForBit() {
        // x [1, k] times W^T (W [n, k]): blocks of 8 outputs (lanes folded in registers, the tail blended in), of 4
        // and single outputs, k below and above the vector width with every tail, contiguous and strided outputs,
        // beta 0 and not: the bits of the order above.
        qt().withExamples(150).withShrinkCycles(20)
                .forAll(integers().between(1, 45), integers().between(1, 80), longs().all())
                .checkAssert((n, k, seed) -> {
                    Random r = new Random(seed);
                    float alpha = r.nextBoolean() ? 1f : 0.75f, beta = r.nextBoolean() ? 0f : -1.5f;
                    boolean stridedC = r.nextBoolean();
                    try (Scope s = Scope.open()) {
                        float[] u = new float[k], wv = new float[n * k], c0 = new float[n];
                        for (int i = 0; i < u.length; i++) u[i] = (float) r.nextGaussian();
                        for (int i = 0; i < wv.length; i++) wv[i] = (float) r.nextGaussian();
                        for (int i = 0; i < n; i++) c0[i] = (float) r.nextGaussian();
                        Tensor x = Tensor.of(s, u, 1, k), w = Tensor.of(s, wv, n, k);
                        Tensor c = stridedC ? Tensor.zeros(s, DType.F32, n, 3).slice(1, 1, 2).t() : Tensor.zeros(s, DType.F32, 1, n);
                        for (int i = 0; i < n; i++) c.setFlat(i, c0[i]);
                        VEC.gemm(alpha, x, w.t(), beta, c);
                        for (int i = 0; i < n; i++) {
                            float expected = dotOrder(u, java.util.Arrays.copyOfRange(wv, i * k, (i + 1) * k), k, alpha, beta, c0[i]);
                            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits((float) c.getFlat(i)),
                                    "output " + i + " of n=" + n + " k=" + k + " alpha " + alpha + " beta " + beta + " strided c " + stridedC);
                        }
                    }
                });
    }

    @Test
    void denseLayerShapeOfBatchOneMnist() {
        // x [1, 5408] times W^T with W [64, 5408]: the dot form, long k with a tail-free and a tail case.
        for (int k : new int[] {5408, 5411}) {
            GemmTestSupport.check(VEC, DType.F32, 1, 64, k, 1, 0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, k);
            GemmTestSupport.check(VEC, DType.F32, 1, 64, k, 1, 1, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, k + 1);
        }
    }

    @Test
    void largeDotFormSplitOverThreadsGivesTheOneThreadBits() {
        // Above 2 x PARALLEL_ELEMENTS the dot form splits its rows over the workers: 67 rows (not a multiple of the
        // 4-row groups) and k = 4099 (a vector tail), against the oracle and bit for bit against one thread.
        int n = 67, k = 4099;
        assertTrue((long) n * k >= 2L * GemvF32.PARALLEL_ELEMENTS);
        int before = Parallel.threads();
        try (Scope s = Scope.open()) {
            Tensor x = Ops.uniform(Tensor.zeros(s, DType.F32, 1, k), -1, 1, new Rng(1));
            Tensor w = Ops.uniform(Tensor.zeros(s, DType.F32, n, k), -1, 1, new Rng(2));
            Tensor y1 = Tensor.zeros(s, DType.F32, 1, n), y2 = Tensor.zeros(s, DType.F32, 1, n);
            Parallel.setThreads(1);
            assertTrue(GemvF32.tryGemv(1, x, w.t(), 0, y1));
            Parallel.setThreads(2);
            assertTrue(GemvF32.tryGemv(1, x, w.t(), 0, y2));
            for (int j = 0; j < n; j++) assertEquals(Float.floatToRawIntBits((float) y1.getFlat(j)), Float.floatToRawIntBits((float) y2.getFlat(j)), "output " + j);
            Parallel.setThreads(2);
            GemmTestSupport.check(VEC, DType.F32, 1, n, k, 1, 0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, 7);
            GemmTestSupport.check(VEC, DType.F32, n, 1, k, 0.5, 1, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, 8);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void takesOnlyTheShapesItHandles() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.zeros(s, DType.F32, 1, 8), w = Tensor.zeros(s, DType.F32, 4, 8), y = Tensor.zeros(s, DType.F32, 1, 4);
            assertTrue(GemvF32.tryGemv(1, x, w.t(), 0, y));
            Tensor x2 = Tensor.zeros(s, DType.F32, 2, 8), y2 = Tensor.zeros(s, DType.F32, 2, 4);
            assertFalse(GemvF32.tryGemv(1, x2, w.t(), 0, y2));
            assertFalse(GemvF32.tryGemv(0, x, w.t(), 0, y));
        }
    }
}
