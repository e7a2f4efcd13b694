package dev.vectorgrad.nativ.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.kernels.GemmTestSupport;
import dev.vectorgrad.kernels.GemmTestSupport.Layout;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.ScalarKernels;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import java.lang.reflect.Proxy;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OpenBLAS GEMM against the scalar oracle; skipped with the loader's reason where the library cannot load. */
class OpenBlasGemmTest {
    private static final OpenBlasProvider PROVIDER = new OpenBlasProvider();
    private final int savedThreads = Parallel.threads();

    /** A next backend that fails: shows that views OpenBLAS can describe never fall through. */
    private static final Kernels REFUSE = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
            new Class<?>[] {Kernels.class}, (p, m, args) -> {
                if (m.getName().equals("name")) return "refuse";
                throw new AssertionError("openblas declined " + m.getName());
            });

    @BeforeAll
    static void available() {
        KernelsProvider.Availability a = PROVIDER.availability();
        assumeTrue(a.available(), a.reason());
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void availabilityNamesTheLibrary() {
        assertFalse(PROVIDER.availability().reason().isBlank());
        assertEquals("gemm, conv2d forward and backward (im2col/col2im + gemm)", PROVIDER.ops());
    }

    @Test
    void unitStrideViewsRunOnOpenBlas() {
        Kernels ob = new OpenBlasKernels(OpenBlas.handles(), REFUSE, true, true);
        int[] sizes = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129};
        long seed = 1;
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            for (int i = 0; i < sizes.length; i++) {
                int m = sizes[i], n = sizes[(i + 5) % sizes.length], k = sizes[(i + 9) % sizes.length];
                for (DType dt : new DType[] {DType.F32, DType.F64}) {
                    for (int t = 0; t < 8; t++) {
                        Layout la = new Layout((t & 1) != 0, 1, 1, t % 3);
                        Layout lb = new Layout((t & 2) != 0, 1, 1, 0);
                        Layout lc = new Layout((t & 4) != 0, 1, 1, 1);
                        // Row-padded leading dimension: a slice of a wider matrix.
                        GemmTestSupport.check(ob, dt, m, n, k, GemmTestSupport.ALPHAS[t % 7], GemmTestSupport.BETAS[t % 5],
                                la, lb, lc, seed++);
                    }
                }
            }
        }
    }

    @Test
    void anyViewAgreesWithOracle() {
        // Views with no unit stride fall through to the scalar backend; the result must be the same either way.
        Kernels ob = new OpenBlasKernels(OpenBlas.handles(), new ScalarKernels(), true, true);
        qt().withExamples(40).withShrinkCycles(10)
                .forAll(integers().between(1, 120), integers().between(1, 120), integers().between(1, 120), longs().all())
                .checkAssert((m, n, k, seed) -> GemmTestSupport.randomCase(ob, new Random(seed).nextBoolean() ? DType.F32 : DType.F64, m, n, k, seed));
    }

    @Test
    void largeProduct() {
        Kernels ob = new OpenBlasKernels(OpenBlas.handles(), REFUSE, true, true);
        Parallel.setThreads(2);
        GemmTestSupport.check(ob, DType.F32, 300, 257, 400, 1, 0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, 5);
    }

    @Test
    void noUnitStrideDeclines() {
        Kernels ob = new OpenBlasKernels(OpenBlas.handles(), REFUSE, true, true);
        assertThrows(AssertionError.class, () -> GemmTestSupport.check(ob, DType.F32, 4, 5, 6, 1, 0,
                new Layout(false, 2, 3, 0), Layout.PLAIN, Layout.PLAIN, 1));
    }

    /**
     * Batches of unit-stride matrices never fall through: evenly spaced ones of more than 100^3 multiply-adds per
     * matrix go to cblas_?gemm_batch_strided in one call (a broadcast operand steps by 0); smaller ones (see
     * OpenBlasKernels.batch: OpenBLAS 0.3.31's small-matrix batch crashes) and uneven ones (batch dimensions that do
     * not collapse into one step) one gemm per matrix. A column-major C runs as C^T = B^T A^T either way.
     */
    @Test
    void batchedRunsOnOpenBlas() {
        Kernels ob = new OpenBlasKernels(OpenBlas.handles(), REFUSE, true, true);
        assumeTrue(OpenBlas.handles().sgemmBatch() != null, "this OpenBLAS has no cblas_sgemm_batch_strided");
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                for (int t = 0; t < 8; t++) {
                    try (Scope s = Scope.open()) {
                        Layout la = new Layout((t & 1) != 0, 1, 1, t % 3), lb = new Layout((t & 2) != 0, 1, 1, 0);
                        Layout lc = new Layout((t & 4) != 0, 1, 1, 1);
                        int m = 5 + t, n = 17 - t, k = 9 + 2 * t;
                        long before = OpenBlasKernels.stridedCalls;
                        // even, large: [3] @ [] (B broadcast, step 0) and [1, 2] @ [1, 2]
                        int bm = 101 + t, bn = 100, bk = 100 - t % 2;
                        GemmTestSupport.checkBatched(ob, GemmTestSupport.batchedView(dt, new int[] {3}, bm, bk, la, false, 0, t),
                                GemmTestSupport.batchedView(dt, new int[0], bk, bn, lb, false, 0, t + 1),
                                GemmTestSupport.batchedView(dt, new int[] {3}, bm, bn, lc, false, 0, t + 2), 1.5, t % 2, "even " + t);
                        GemmTestSupport.checkBatched(ob, GemmTestSupport.batchedView(dt, new int[] {1, 2}, bm, bk, la, false, 0, t),
                                GemmTestSupport.batchedView(dt, new int[] {1, 2}, bk, bn, lb, false, 0, t + 1),
                                GemmTestSupport.batchedView(dt, new int[] {1, 2}, bm, bn, lc, false, 0, t + 2), 1, 0.5, "even 2-d " + t);
                        assertEquals(before + 2, OpenBlasKernels.stridedCalls, "evenly spaced large batches go to gemm_batch_strided");
                        // even, small
                        GemmTestSupport.checkBatched(ob, GemmTestSupport.batchedView(dt, new int[] {2, 3}, m, k, la, false, 0, t),
                                GemmTestSupport.batchedView(dt, new int[] {2, 3}, k, n, lb, false, 0, t + 1),
                                GemmTestSupport.batchedView(dt, new int[] {2, 3}, m, n, lc, false, 0, t + 2), 1, 0.5, "small " + t);
                        // uneven: A's first batch dimension steps over every other matrix
                        GemmTestSupport.checkBatched(ob, GemmTestSupport.batchedView(dt, new int[] {2, 3}, m, k, la, true, 0, t),
                                GemmTestSupport.batchedView(dt, new int[] {3}, k, n, lb, false, 0, t + 1),
                                GemmTestSupport.batchedView(dt, new int[] {2, 3}, m, n, lc, false, 0, t + 2), -1, 0, "uneven " + t);
                        assertEquals(before + 2, OpenBlasKernels.stridedCalls, "small and uneven batches run a gemm per matrix");
                    }
                }
            }
        }
    }

    @Test
    void batchedAnyViewAgreesWithOracle() {
        Kernels ob = new OpenBlasKernels(OpenBlas.handles(), new ScalarKernels(), true, true);
        qt().withExamples(40).withShrinkCycles(10)
                .forAll(integers().between(1, 40), integers().between(1, 40), integers().between(1, 40), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    try (Scope s = Scope.open()) {
                        GemmTestSupport.randomBatchedCase(ob, (seed & 2) == 0 ? DType.F32 : DType.F64, m, n, k, seed);
                    }
                });
    }
}
