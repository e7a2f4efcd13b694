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
}
