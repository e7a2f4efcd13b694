package dev.vectorgrad.kernels;

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

    @Test
    void denseLayerShapeOfBatchOneMnist() {
        // x [1, 5408] times W^T with W [64, 5408]: the dot form, long k with a tail-free and a tail case.
        for (int k : new int[] {5408, 5411}) {
            GemmTestSupport.check(VEC, DType.F32, 1, 64, k, 1, 0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, k);
            GemmTestSupport.check(VEC, DType.F32, 1, 64, k, 1, 1, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, k + 1);
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
