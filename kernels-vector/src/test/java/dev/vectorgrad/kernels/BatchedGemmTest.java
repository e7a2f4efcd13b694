package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.kernels.GemmTestSupport.Layout;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kernels.gemmBatched (VectorGemm.batched, and the default of the scalar oracle) against the oracle's gemm on each
 * matrix: broadcast batch dimensions (missing, size 1, expanded with stride 0), batch dimensions that do not
 * collapse into one step, transposed and strided matrices, matrix-vector items, one and two threads with the batch
 * split over the workers or not; the same bits on one and two threads; no allocation per call; bad input.
 */
class BatchedGemmTest {
    private static final Kernels VEC = new VectorKernels();
    private static final Kernels ORACLE = new ScalarKernels();
    private static final long SPLIT = VectorGemm.batchSplitMin;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(savedThreads);
        VectorGemm.batchSplitMin = SPLIT;
    }

    @Test
    void randomBatchesAgainstOracle() {
        qt().withExamples(120).withShrinkCycles(20)
                .forAll(integers().between(1, 40), integers().between(1, 40), integers().between(1, 40), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    // split over the workers whenever there are two threads, however small the batch
                    VectorGemm.batchSplitMin = (seed & 4) == 0 ? 0 : SPLIT;
                    try (Scope s = Scope.open()) {
                        GemmTestSupport.randomBatchedCase(VEC, (seed & 2) == 0 ? DType.F32 : DType.F64, m, n, k, seed);
                    }
                });
    }

    /** Matrix-vector items (GemvF32's raw entry), and items large enough for the packed paths and their own threads. */
    @Test
    void gemvAndLargeItems() {
        int[][] shapes = {{1, 70, 33}, {45, 1, 70}, {1, 1, 17}, {200, 150, 90}, {130, 40, 300}};
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            for (int[] sh : shapes) {
                for (long seed = 0; seed < 3; seed++) {
                    try (Scope s = Scope.open()) {
                        GemmTestSupport.randomBatchedCase(VEC, DType.F32, sh[0], sh[1], sh[2], 1000 * threads + 10 * sh[0] + seed);
                    }
                }
            }
        }
    }

    /** The default (ScalarKernels: a gemm per matrix view) agrees with the select-based reference too. */
    @Test
    void defaultImplementation() {
        for (long seed = 0; seed < 20; seed++) {
            try (Scope s = Scope.open()) {
                GemmTestSupport.randomBatchedCase(ORACLE, DType.F64, 3, 5, 4, seed);
            }
        }
    }

    /** Every matrix takes the path it takes alone on one thread, so two threads (batch split or not) give the same bits. */
    @Test
    void twoThreadsGiveOneThreadsBits() {
        int[][] shapes = {{16, 16, 16, 64}, {5, 33, 7, 40}, {1, 70, 64, 12}, {60, 1, 64, 12}, {128, 64, 128, 3}, {3, 200, 100, 9}};
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2], count = sh[3];
            try (Scope s = Scope.open()) {
                Tensor a = GemmTestSupport.batchedView(DType.F32, new int[] {count}, m, k, Layout.PLAIN, false, 0, 1);
                Tensor b = GemmTestSupport.batchedView(DType.F32, new int[] {count}, k, n, new Layout(true, 1, 1, 0), false, 0, 2);
                Tensor one = Tensor.zeros(s, DType.F32, count, m, n), two = Tensor.zeros(s, DType.F32, count, m, n);
                Parallel.setThreads(1);
                VEC.gemmBatched(1, a, b, 0, one);
                Parallel.setThreads(2);
                for (long split : new long[] {0, SPLIT}) {
                    VectorGemm.batchSplitMin = split;
                    VEC.gemmBatched(1, a, b, 0, two);
                    float[] x = one.toFloatArray(), y = two.toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                            throw new AssertionError(String.format("%d x %dx%dx%d split %d: element %d is %s on 2 threads, %s on 1",
                                    count, m, n, k, split, i, y[i], x[i]));
                        }
                    }
                }
            }
        }
    }

    @Test
    void steadyStateAllocatesNothing() {
        Parallel.setThreads(1);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (Scope s = Scope.open()) {
            // tiny items, gemv items, a broadcast B without a batch dimension, F64, two batch dimensions
            Tensor a = GemmTestSupport.batchedView(DType.F32, new int[] {64}, 16, 16, Layout.PLAIN, false, 0, 1);
            Tensor b = GemmTestSupport.batchedView(DType.F32, new int[] {64}, 16, 16, Layout.PLAIN, false, 0, 2);
            Tensor c = Tensor.zeros(s, DType.F32, 64, 16, 16);
            Tensor v = GemmTestSupport.batchedView(DType.F32, new int[] {64}, 16, 1, Layout.PLAIN, false, 0, 3);
            Tensor cv = Tensor.zeros(s, DType.F32, 64, 16, 1);
            Tensor w = GemmTestSupport.batchedView(DType.F32, new int[0], 16, 40, Layout.PLAIN, false, 0, 4);
            Tensor cw = Tensor.zeros(s, DType.F32, 64, 16, 40);
            Tensor ad = GemmTestSupport.batchedView(DType.F64, new int[] {3, 4}, 9, 20, Layout.PLAIN, true, 0, 5);
            Tensor bd = GemmTestSupport.batchedView(DType.F64, new int[] {4}, 20, 7, new Layout(true, 1, 1, 0), false, 0, 6);
            Tensor cd = Tensor.zeros(s, DType.F64, 3, 4, 9, 7);
            Runnable calls = () -> {
                VEC.gemmBatched(1, a, b, 0, c);
                VEC.gemmBatched(1, a, v, 0, cv);
                VEC.gemmBatched(0.5, a, w, 1, cw);
                VEC.gemmBatched(1, ad, bd, 0, cd);
            };
            for (int i = 0; i < 3000; i++) calls.run();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 500; i++) calls.run();
            long per = (threads.getCurrentThreadAllocatedBytes() - before) / 500;
            assertTrue(per < 64, "gemmBatched allocated " + per + " bytes per round of four calls");
        }
    }

    @Test
    void matmulBroadcastsBatchDimensions() {
        try (Scope s = Scope.open()) {
            Tensor a = GemmTestSupport.batchedView(DType.F32, new int[] {2, 1}, 5, 6, Layout.PLAIN, false, 0, 8);
            Tensor b = GemmTestSupport.batchedView(DType.F32, new int[] {3}, 6, 4, Layout.PLAIN, false, 0, 9);
            Tensor out = Ops.matmul(a, b);
            assertEquals(java.util.List.of(2, 3, 5, 4), java.util.Arrays.stream(out.shape()).boxed().toList());
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    Tensor want = Tensor.zeros(s, DType.F32, 5, 4);
                    ORACLE.gemm(1, a.select(0, i).select(0, 0), b.select(0, j), 0, want);
                    for (int x = 0; x < 5; x++) {
                        for (int y = 0; y < 4; y++) assertEquals(want.getDouble(x, y), out.getDouble(i, j, x, y), 1e-5);
                    }
                }
            }
        }
    }

    @Test
    void badInputNamesShapes() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(s, DType.F32, 3, 2, 5), b = Tensor.zeros(s, DType.F32, 4, 5, 7);
            var e = assertThrows(IllegalArgumentException.class, () -> Ops.matmulInto(a, b, Tensor.zeros(s, DType.F32, 3, 2, 7)));
            assertEquals("matmul batch dimensions of [3, 2, 5] and [4, 5, 7] do not broadcast", e.getMessage());
            Tensor b3 = Tensor.zeros(s, DType.F32, 3, 5, 7);
            e = assertThrows(IllegalArgumentException.class, () -> Ops.matmulInto(a, b3, Tensor.zeros(s, DType.F32, 3, 2, 6)));
            assertEquals("matmul output has shape [3, 2, 6] but [3, 2, 5] @ [3, 5, 7] is [3, 2, 7]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.matmulInto(a, b3, Tensor.zeros(s, DType.F32, 2, 2, 7)));
            assertEquals("matmul output has shape [2, 2, 7] but [3, 2, 5] @ [3, 5, 7] is [3, 2, 7]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.matmulInto(a, Tensor.zeros(s, DType.F32, 3, 4, 7), Tensor.zeros(s, DType.F32, 3, 2, 7)));
            assertEquals("mat1 and mat2 shapes cannot be multiplied (3x2x5 and 3x4x7)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.gemmBatched(1, a, b3, 0, Tensor.zeros(s, DType.F32, 2, 7)));
            assertEquals("batched matmul needs operands of rank >= 2 and an output of at least their rank, got shapes [3, 2, 5], [3, 5, 7] and output [2, 7]",
                    e.getMessage());
            Tensor broadcastOut = Tensor.zeros(s, DType.F32, 1, 2, 7).expand(3, 2, 7);
            e = assertThrows(IllegalArgumentException.class, () -> Ops.matmulInto(a, b3, broadcastOut));
            assertEquals("matmul output of shape [3, 2, 7] is a broadcast view", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.matmulInto(a, Tensor.zeros(s, DType.F64, 3, 5, 7), Tensor.zeros(s, DType.F32, 3, 2, 7)));
            assertTrue(e.getMessage().startsWith("matmul: dtype mismatch"), e.getMessage());
        }
    }
}
