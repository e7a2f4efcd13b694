package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.vectorgrad.kernels.GemmTestSupport.Layout;

/** VectorGemm against the scalar oracle (see {@link GemmTestSupport}): random shapes, transposed and strided
 * views, alpha/beta, sizes around every blocking boundary, one and two threads. */
class GemmTest {
    private static final Kernels VEC = new VectorKernels();
    private static final Kernels ORACLE = new ScalarKernels();
    private final int savedThreads = Parallel.threads();
    private static final long PREPACK32 = GemmF32.prepackMin, PREPACK64 = GemmF64.prepackMin;
    private static final long DIRECT_B32 = GemmF32.directBMax, DIRECT_B64 = GemmF64.directBMax;
    private static final int DOT_M32 = GemmF32.dotM;
    private static final long TINY32 = GemmF32.tinyMax, TINY64 = GemmF64.tinyMax;
    private static final long TINY_MASKED32 = GemmF32.tinyMaskedMax, TINY_MASKED64 = GemmF64.tinyMaskedMax;
    private static final long TINY_WIDE32 = GemmF32.tinyWideMax, TINY_WIDE64 = GemmF64.tinyWideMax;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
        GemmF32.vectorPack = GemmF64.vectorPack = true;
        GemmF32.prepackMin = PREPACK32;
        GemmF64.prepackMin = PREPACK64;
        GemmF32.directBMax = DIRECT_B32;
        GemmF64.directBMax = DIRECT_B64;
        GemmF32.dotM = DOT_M32;
        GemmF32.tinyMax = TINY32;
        GemmF64.tinyMax = TINY64;
        GemmF32.tinyMaskedMax = TINY_MASKED32;
        GemmF64.tinyMaskedMax = TINY_MASKED64;
        GemmF32.tinyWideMax = TINY_WIDE32;
        GemmF64.tinyWideMax = TINY_WIDE64;
    }

    /** Turns the tiny path off, so that the small shapes of a test reach the paths it is about (tinyPath tests it). */
    private static void tinyOff() {
        GemmF32.tinyMax = GemmF64.tinyMax = GemmF32.tinyMaskedMax = GemmF64.tinyMaskedMax = 0;
        GemmF32.tinyWideMax = GemmF64.tinyWideMax = 0;
    }

    /**
     * Forces every blocked call onto the prepacked path (true) or the BLIS-order path (false), and keeps the calls
     * that the direct path takes for a small B ({@code directBMax}) on them too.
     */
    private static void forcePrepacked(boolean on) {
        GemmF32.prepackMin = GemmF64.prepackMin = on ? 0 : Long.MAX_VALUE;
        GemmF32.directBMax = GemmF64.directBMax = 0;
    }

    @Test
    void prepackedPathRandomShapes() {
        forcePrepacked(true);
        qt().withExamples(50).withShrinkCycles(20)
                .forAll(integers().between(1, 300), integers().between(1, 300), integers().between(1, 300), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    randomCase((seed & 2) == 0 ? DType.F32 : DType.F64, m, n, k, seed);
                });
    }

    @Test
    void blasOrderPathRandomShapes() {
        forcePrepacked(false);
        qt().withExamples(30).withShrinkCycles(20)
                .forAll(integers().between(49, 300), integers().between(1, 300), integers().between(49, 300), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    randomCase(DType.F32, m, n, k, seed);
                });
    }

    /**
     * A transposed A with fewer rows than two slivers on the packed paths (the benchmark plan's 9 x 21632 x 32:TN):
     * packA's masked loads, whose zero lanes are the slivers' padding, over several k blocks, with alpha and
     * beta that read C back.
     */
    @Test
    void transposedAFewRowsPacked() {
        Layout[] al = {new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 3)};
        qt().withExamples(40).withShrinkCycles(20)
                .forAll(integers().between(1, 2 * GemmF32.MR + 3), integers().between(1, 80), integers().between(200, 1100), longs().all())
                .checkAssert((m, n, k0, seed) -> {
                    forcePrepacked((seed & 1) == 0);
                    // Past the direct path's limit, so the packed paths run.
                    int k = (int) Math.max(k0, GemmF32.DIRECT_MAX / ((long) m * n) + 1);
                    DType dt = (seed & 2) == 0 ? DType.F32 : DType.F64;
                    boolean scaled = (seed & 4) != 0;
                    check(dt, m, n, k, scaled ? 0.5 : 1.0, scaled ? 1.5 : 0.0, al[(int) (seed >>> 3 & 1)], Layout.PLAIN,
                            Layout.PLAIN, seed);
                });
    }

    /**
     * A transposed A on the direct path with C a whole number of 2-vector blocks wide (g^T @ x, a Linear's weight
     * gradient): the 8-row blocks packed p-major (directRows8P), the rows left over in 4-row blocks.
     */
    @Test
    void transposedADirectEightRows() {
        Layout[] al = {new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 5), new Layout(true, 1, 2, 0)};
        int nr = 2 * GemmF32.L;
        qt().withExamples(80).withShrinkCycles(20)
                .forAll(integers().between(1, 90), integers().between(1, 4), integers().between(1, 70), longs().all())
                .assuming((m, blocks, k, seed) -> (long) m * blocks * nr * k <= GemmF32.DIRECT_MAX)
                .checkAssert((m, blocks, k, seed) -> check(DType.F32, m, blocks * nr, k, 1.0, 0.0,
                        al[(int) Math.floorMod(seed, 3L)], Layout.PLAIN, Layout.PLAIN, seed));
        for (int m : new int[] {8, 9, 15, 16, 17, 24, 31}) check(DType.F32, m, nr, 33, 1.0, 0.0, al[0], Layout.PLAIN, Layout.PLAIN, m);
    }

    /** The prepacked path's own boundaries: NC2 (column block), MC, KC, each -1/0/+1, one and two threads. */
    @Test
    void prepackedBlockingBoundaries() {
        forcePrepacked(true);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            int mr = GemmF32.MR, nr = dt == DType.F32 ? GemmF32.NR : GemmF64.NR;
            int mc = GemmF32.MC, nc2 = dt == DType.F32 ? GemmF32.NC2 : GemmF64.NC2, kc = GemmF32.KC;
            List<int[]> cases = new ArrayList<>();
            for (int d = -1; d <= 1; d++) {
                cases.add(new int[] {mr * 3 + d, nc2 + d, 11});
                cases.add(new int[] {mc + d, nr + 1, kc + d});
                cases.add(new int[] {2 * mc + d, 2 * nc2 + d, 5});
                cases.add(new int[] {7, nc2 + nr + d, 2 * kc + d});
                // Row tiles below / at / above 2 per thread (two threads: fewer than 4 goes the column-split way).
                cases.add(new int[] {mr * (3 + d) + 1, 2 * nc2 + 1, 40});
            }
            long seed = 4242;
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                for (int[] c : cases) randomCase(dt, c[0], c[1], c[2], seed++);
            }
        }
        Parallel.setThreads(2);
        check(DType.F32, 2 * GemmF32.MC + 3, GemmF32.NC2 + 5, GemmF32.KC + 9, -0.5, 1.0,
                new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 1), new Layout(false, 2, 1, 0), 77);
    }

    private static void randomCase(DType dt, int m, int n, int k, long seed) {
        GemmTestSupport.randomCase(VEC, dt, m, n, k, seed);
    }

    private static void check(DType dt, int m, int n, int k, double alpha, double beta, Layout la, Layout lb, Layout lc, long seed) {
        GemmTestSupport.check(VEC, dt, m, n, k, alpha, beta, la, lb, lc, seed);
    }

    private static Tensor view(DType dt, int rows, int cols, Layout l, long seed, boolean nan) {
        return GemmTestSupport.view(dt, rows, cols, l, seed, nan);
    }

    @Test
    void randomShapesLayoutsAndScalarsF32() {
        qt().withExamples(60).withShrinkCycles(20)
                .forAll(integers().between(1, 300), integers().between(1, 300), integers().between(1, 300), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    randomCase(DType.F32, m, n, k, seed);
                });
    }

    /**
     * The direct path for any m: short reductions (k <= DIRECT_K) and small B (k * n <= DIRECT_KN), with strided
     * B copied to a unit-stride buffer; tall C split over rows at two threads; F32 and F64; the 4-row blocks that
     * store straight to C (alpha 1, beta 0) and the ones that go through the tile buffer (other scalars, row tails).
     */
    @Test
    void directPathTallAndShortK() {
        tinyOff();
        qt().withExamples(60).withShrinkCycles(20)
                .forAll(integers().between(1, 3000), integers().between(1, 300), integers().between(1, 40), longs().all())
                .assuming((m, n, k, seed) -> n >= 2 * GemmF32.L || m * n * k <= GemmF32.DIRECT_MAX)
                .checkAssert((m, n, k, seed) -> {
                    int kk = (seed & 4) == 0 ? Math.min(k, GemmF32.DIRECT_K) : Math.max(1, (int) Math.min(k, GemmF32.DIRECT_KN / n));
                    Parallel.setThreads(1 + (int) (seed & 1));
                    randomCase((seed & 2) == 0 ? DType.F32 : DType.F64, m, n, kk, seed);
                });
        Parallel.setThreads(2);
        for (int m : new int[] {4095, 4096, 4097}) {
            check(DType.F32, m, 32, 9, 1.0, 0.0, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, m);
            check(DType.F32, m, 32, 9, 1.0, 0.0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, m + 1);
            check(DType.F64, m, 33, 16, -0.5, 1.0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, m + 2);
        }
        // Short and wide (too few row tiles for two threads): the column split, not the direct rows.
        check(DType.F32, 5, 70001, 9, 1.0, 0.0, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, 3);
    }

    /**
     * A C of one to two vectors of columns (L <= n < 2L, at least 8 rows): the direct path over B copied with rows
     * padded to 2L (vector copy for unit-stride rows, scalar otherwise), only the first n columns stored; n == L
     * reads B in place (a strided B copied unpadded).
     */
    @Test
    void narrowOutputPaddedPath() {
        tinyOff();
        qt().withExamples(60).withShrinkCycles(20)
                .forAll(integers().between(8, 3000), integers().between(0, 100), integers().between(1, 400), longs().all())
                .checkAssert((m, nn, k, seed) -> {
                    DType dt = (seed & 2) == 0 ? DType.F32 : DType.F64;
                    int l = dt == DType.F32 ? GemmF32.L : GemmF64.L, n = l + nn % l;
                    Parallel.setThreads(1 + (int) (seed & 1));
                    randomCase(dt, m, n, k, seed);
                });
        Parallel.setThreads(2);
        check(DType.F32, 32, 10, 5408, 1.0, 0.0, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, 5);
        check(DType.F32, 21632, 9, 32, 1.0, 0.0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, 6);
        check(DType.F32, 64, 2 * GemmF32.L - 1, 32, -2.0, 0.5, new Layout(true, 1, 1, 0), Layout.PLAIN, new Layout(false, 2, 1, 0), 7);
    }

    /**
     * c = a @ b of a row-major A on the direct path: the 8-row blocks with their stores straight to C (MR == 8), the
     * column tail from a zero-padded copy of B (16 rows or more) or read in place (masked loads, past B's segment
     * end too), the leftover rows in 4-row blocks. B as its own segment (a tail row's full vector passes the end),
     * offset into a larger one, or strided.
     */
    @Test
    void directEightRowBlocks() {
        tinyOff();
        Layout[] bl = {Layout.PLAIN, new Layout(false, 1, 1, 1), new Layout(false, 2, 1, 0)};
        qt().withExamples(120).withShrinkCycles(20)
                .forAll(integers().between(1, 70), integers().between(1, 70), integers().between(1, 64), longs().all())
                .assuming((m, n, k, seed) -> (long) m * n * k <= GemmF32.DIRECT_MAX)
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    DType dt = (seed & 2) == 0 ? DType.F32 : DType.F64;
                    check(dt, m, n, k, 1.0, 0.0, Layout.PLAIN, bl[(int) Math.floorMod(seed >> 2, 3L)], Layout.PLAIN, seed);
                });
        Parallel.setThreads(2);
        for (int n : new int[] {1, 7, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64}) check(DType.F32, 64, n, 64, 1.0, 0.0, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, n);
        // Column tails of half and a quarter of a vector after 0, 1 and 2 full vectors (with none, a C narrower than
        // a vector: the staged path, directNarrow, whose last block computes rows it does not store), for 1..5, 8
        // and 8 + 1..4, 12, 16, 20 rows, with B alone (staged), inside a larger segment and strided, F32 and F64.
        int l = GemmF32.L, l64 = GemmF64.L;
        for (int w : new int[] {l / 2, l / 4, l64 / 2, l64 / 4}) {
            for (int n : new int[] {w, l + w, 2 * l + w}) {
                for (int m : new int[] {1, 2, 3, 4, 5, 8, 9, 11, 12, 16, 20}) {
                    for (int k : new int[] {1, 3, 16}) {
                        if (n < 1 || (long) m * n * k > GemmF32.DIRECT_MAX) continue;
                        long seed = m * 1000L + n * 10L + k;
                        for (DType dt : new DType[] {DType.F32, DType.F64}) {
                            check(dt, m, n, k, 1.0, 0.0, Layout.PLAIN, bl[(int) (seed % 3)], Layout.PLAIN, seed);
                        }
                    }
                }
            }
        }
        // Tall and narrower than a vector, short k (conv backward-data): direct, B's tail copied once for all rows.
        Layout bt = new Layout(true, 1, 1, 0);
        for (int n : new int[] {1, 5, 9, GemmF32.L - 1}) {
            check(DType.F32, 2003, n, 100 / n + 3, 1.0, 0.0, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, 40 + n);
            check(DType.F32, 2003, n, 32, 1.0, 0.0, Layout.PLAIN, bt, Layout.PLAIN, 50 + n);
        }
    }

    /**
     * The tiny path (GemmF32.tiny): c = a @ b with C at most one vector wide, up to tinyMax multiply-adds and in the
     * wide range (up to the threads' threshold with B within TINY_WIDE_B). Rows around
     * its 4- and 8-row blocks (the last block repeating row m - 1), n == L (whole vectors) and below (masked), A plain,
     * transposed or strided, B alone in its segment (its last rows' whole vectors would pass the end), offset, or with
     * wider rows; F32 and F64. Then C inside a larger tensor, whose elements outside the view must keep their values,
     * with B plain or one row expanded (row stride 0).
     */
    @Test
    void tinyPath() {
        Layout[] al = {Layout.PLAIN, new Layout(true, 1, 1, 0), new Layout(false, 2, 3, 1)};
        Layout[] bl = {Layout.PLAIN, new Layout(false, 1, 1, 1), new Layout(false, 2, 1, 0)};
        qt().withExamples(200).withShrinkCycles(20)
                .forAll(integers().between(1, 40), integers().between(1, 16), integers().between(1, 64), longs().all())
                .checkAssert((m, nn, k, seed) -> tinyCase(m, nn, k, seed, al, bl));
        // The wide range (GemmF32.tinyWideMax): more rows and a longer k while B stays within TINY_WIDE_B, one and two
        // threads (the tiny path runs on the caller either way, below the threads' threshold).
        qt().withExamples(40).withShrinkCycles(10)
                .forAll(integers().between(1, 600), integers().between(1, 16), integers().between(1, 1024), longs().all())
                .checkAssert((m, nn, kk, seed) -> {
                    // k within B's limit (1024 x 16 floats, 1024 x 8 doubles) and m * 16 * k below the threads' threshold
                    int kMax = (int) Math.min(GemmF32.TINY_WIDE_B / 16, (GemmF32.PARALLEL_MIN - 1) / (16L * m));
                    Parallel.setThreads(1 + (int) (seed >> 6 & 1));
                    tinyCase(m, nn, 1 + (kk - 1) % kMax, seed, al, bl);
                });
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            int l = dt == DType.F32 ? GemmF32.L : GemmF64.L;
            for (int n : new int[] {1, l / 4, l / 2, l - 1, l}) {
                for (int m : new int[] {1, 3, 4, 5, 8, 9, 13, 16}) {
                    for (int k : new int[] {1, 7, 16}) {
                        tinyInsideLarger(dt, m, Math.max(1, n), k, false);
                        tinyInsideLarger(dt, m, Math.max(1, n), k, true);
                    }
                }
            }
        }
    }

    /**
     * One tinyPath case: the seed picks F32 or F64, n == L or below (from nn), and A's and B's layouts from al and bl.
     */
    private static void tinyCase(int m, int nn, int k, long seed, Layout[] al, Layout[] bl) {
        DType dt = (seed & 1) == 0 ? DType.F32 : DType.F64;
        int l = dt == DType.F32 ? GemmF32.L : GemmF64.L, n = (seed & 2) == 0 ? l : 1 + (nn - 1) % l;
        int ai = (int) Math.floorMod(seed >> 2, 3L), bi = (int) Math.floorMod(seed >> 4, 3L);
        check(dt, m, n, k, 1.0, 0.0, al[ai], bl[bi], Layout.PLAIN, seed);
    }

    /**
     * c = a @ b into rows 1..m, columns 1..n of an (m + 2) x (n + 2) tensor: the result, and the border unchanged. With
     * expandB, B is one row expanded to k (row stride 0, a segment of n elements).
     */
    private static void tinyInsideLarger(DType dt, int m, int n, int k, boolean expandB) {
        try (Scope s = Scope.open()) {
            long seed = m * 10_000L + n * 100L + k;
            Tensor a = view(dt, m, k, Layout.PLAIN, seed, false);
            Tensor b = expandB ? view(dt, 1, n, Layout.PLAIN, seed + 1, false).expand(k, n) : view(dt, k, n, Layout.PLAIN, seed + 1, false);
            Tensor base = view(dt, m + 2, n + 2, Layout.PLAIN, seed + 2, false), before = view(dt, m + 2, n + 2, Layout.PLAIN, seed + 2, false);
            Tensor c = base.slice(0, 1, m + 1, 1).slice(1, 1, n + 1, 1), ref = Tensor.zeros(s, dt, m, n);
            VEC.gemm(1, a, b, 0, c);
            ORACLE.gemm(1, a, b, 0, ref);
            double u = dt == DType.F32 ? 0x1p-24 : 0x1p-53;
            for (int i = 0; i < m + 2; i++) {
                for (int j = 0; j < n + 2; j++) {
                    boolean inside = i >= 1 && i <= m && j >= 1 && j <= n;
                    double got = base.getDouble(i, j), want = inside ? ref.getDouble(i - 1, j - 1) : before.getDouble(i, j);
                    double bound = inside ? (k + 6) * u * k + Double.MIN_NORMAL : 0;
                    assertTrue(Math.abs(got - want) <= bound, dt + " " + m + "x" + n + "x" + k + (expandB ? " (B expanded)" : "") + ": element [" + i + ", " + j
                            + "] of the larger tensor is " + got + ", want " + want + (inside ? "" : " (outside C)"));
                }
            }
        }
    }

    /**
     * directNarrowTN: c = a @ b of a transposed A (x^T @ dY) and a C narrower than a vector, up to DIRECT_MAX
     * multiply-adds: rows around the 8-row blocks, A's rows m apart or further (an offset, every other row), B plain,
     * transposed or offset, C plain or with wider rows; F32 and F64.
     */
    @Test
    void transposedANarrowC() {
        tinyOff();
        Layout[] al = {new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 2), new Layout(true, 1, 2, 0)};
        Layout[] bl = {Layout.PLAIN, new Layout(true, 1, 1, 0), new Layout(false, 1, 1, 1)};
        Layout[] cl = {Layout.PLAIN, new Layout(false, 1, 1, 1)};
        qt().withExamples(150).withShrinkCycles(20)
                .forAll(integers().between(1, 100), integers().between(1, GemmF32.L - 1), integers().between(1, 70), longs().all())
                .assuming((m, n, k, seed) -> (long) m * n * k <= GemmF32.DIRECT_MAX)
                .checkAssert((m, n, k, seed) -> {
                    DType dt = (seed & 1) == 0 ? DType.F32 : DType.F64;
                    int c = (int) Math.floorMod(seed >> 1, 18L);
                    check(dt, m, n, k, 1.0, 0.0, al[c % 3], bl[c / 3 % 3], cl[c / 9], seed);
                });
        for (int m : new int[] {1, 7, 8, 9, 17, 64}) {
            for (int n : new int[] {1, 3, 4, 5, 10, GemmF32.L - 1}) check(DType.F32, m, n, 32, 1.0, 0.0, al[0], Layout.PLAIN, Layout.PLAIN, m * 100L + n);
        }
    }

    /**
     * swapNarrowTN: x^T @ dY into a C narrower than a vector with at least 2L rows, past the tiny path, runs as C^T =
     * B^T A^T. Random shapes around the limits (m from 2L, n up to L - 1, work past DIRECT_MAX), A's columns contiguous
     * or further apart, C plain or with wider rows, alpha and beta; the MNIST conv's weight-gradient shape; one and two
     * threads give the same bits.
     */
    @Test
    void swappedNarrowTN() {
        Layout[] al = {new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 2), new Layout(true, 1, 2, 0)};
        Layout[] cl = {Layout.PLAIN, new Layout(false, 1, 1, 1), new Layout(true, 1, 1, 0)};
        qt().withExamples(40).withShrinkCycles(10)
                .forAll(integers().between(2 * GemmF32.L, 90), integers().between(1, GemmF32.L - 1), integers().between(200, 3000), longs().all())
                .assuming((m, n, k, seed) -> (long) m * n * k > GemmF32.DIRECT_MAX)
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    DType dt = (seed & 2) == 0 ? DType.F32 : DType.F64;
                    int c = (int) Math.floorMod(seed >> 2, 9L);
                    check(dt, m, n, k, GemmTestSupport.ALPHAS[c % 7], GemmTestSupport.BETAS[c % 5], al[c % 3], Layout.PLAIN, cl[c / 3], seed);
                });
        Parallel.setThreads(1);
        check(DType.F32, 32, 9, 21632, 1.0, 0.0, al[0], Layout.PLAIN, Layout.PLAIN, 5);
        try (Scope s = Scope.open()) {
            Tensor a = view(DType.F32, 40, 3000, al[0], 6, false), b = view(DType.F32, 3000, 9, Layout.PLAIN, 7, false);
            Tensor one = Tensor.zeros(s, DType.F32, 40, 9), two = Tensor.zeros(s, DType.F32, 40, 9);
            VEC.gemm(1, a, b, 0, one);
            // the scratch for C^T grows once: no allocation per call after that
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 3000; i++) VEC.gemm(0.5, a, b, 1, two);
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) VEC.gemm(0.5, a, b, 1, two);
            long per = (threads.getCurrentThreadAllocatedBytes() - before) / 100;
            assertTrue(per < 64, "swapped x^T @ dY allocated " + per + " bytes per call");
            Parallel.setThreads(2);
            VEC.gemm(1, a, b, 0, two);
            assertTrue(java.util.Arrays.equals(one.toFloatArray(), two.toFloatArray()), "2 threads changed the bits");
        }
    }

    /**
     * fewRowsT: x^T @ dY (A transposed) with at most 2 MR rows into a C at least two vectors wide runs the direct 4-row
     * blocks, past DIRECT_MAX and on any thread count: random shapes (rows around the 4-row blocks, columns around the
     * vector pairs and the tail), A's columns contiguous or further apart, C plain or with wider rows, alpha and beta;
     * two threads give one thread's bits.
     */
    @Test
    void fewRowsTransposedA() {
        Layout[] al = {new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 2), new Layout(true, 1, 2, 0)};
        Layout[] cl = {Layout.PLAIN, new Layout(false, 1, 1, 1)};
        qt().withExamples(40).withShrinkCycles(10)
                .forAll(integers().between(1, 2 * GemmF32.MR), integers().between(2 * GemmF32.L, 5 * GemmF32.L + 3), integers().between(100, 4000), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    DType dt = (seed & 2) == 0 ? DType.F32 : DType.F64;
                    int c = (int) Math.floorMod(seed >> 2, 6L);
                    check(dt, m, n, k, GemmTestSupport.ALPHAS[c % 7], GemmTestSupport.BETAS[c % 5], al[c % 3], Layout.PLAIN, cl[c / 3], seed);
                });
        int[][] shapes = {{9, 32, 21632}, {12, 48, 5000}, {16, 35, 3000}, {3, 70, 40000}};
        for (int[] sh : shapes) {
            try (Scope s = Scope.open()) {
                Tensor a = view(DType.F32, sh[0], sh[2], al[0], 8, false), b = view(DType.F32, sh[2], sh[1], Layout.PLAIN, 9, false);
                Tensor one = Tensor.zeros(s, DType.F32, sh[0], sh[1]), two = Tensor.zeros(s, DType.F32, sh[0], sh[1]);
                Parallel.setThreads(1);
                VEC.gemm(1, a, b, 0, one);
                Parallel.setThreads(2);
                for (int rep = 0; rep < 3; rep++) {
                    VEC.gemm(1, a, b, 0, two);
                    assertTrue(java.util.Arrays.equals(one.toFloatArray(), two.toFloatArray()),
                            sh[0] + "x" + sh[2] + "x" + sh[1] + ":TN: 2 threads changed the bits");
                }
            }
        }
    }

    /**
     * narrowNT (B^T transposed by transposeNarrowB, then directNarrow): c = a @ b of a row-major A and a transposed B
     * (x @ W^T) into a C of 2 to L - 1 columns: rows
     * around the 8-row blocks, k around the 16-step interleaves and transposes, B^T's rows contiguous or further apart,
     * A's rows further apart, C plain or with wider rows; one and two threads (the row split); F64 takes the old path.
     */
    @Test
    void transposedBNarrowC() {
        Layout[] al = {Layout.PLAIN, new Layout(false, 1, 1, 3), new Layout(false, 2, 1, 0)};
        Layout[] bl = {new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 2)};
        Layout[] cl = {Layout.PLAIN, new Layout(false, 1, 1, 1)};
        qt().withExamples(150).withShrinkCycles(20)
                .forAll(integers().between(1, 100), integers().between(2, GemmF32.L - 1), integers().between(1, 300), longs().all())
                .assuming((m, n, k, seed) -> (long) k * n <= GemmF32.DIRECT_PACK_B)
                .checkAssert((m, n, k, seed) -> {
                    DType dt = Math.floorMod(seed, 5L) == 0 ? DType.F64 : DType.F32;
                    int c = (int) Math.floorMod(seed >> 3, 12L);
                    check(dt, m, n, k, 1.0, 0.0, al[c % 3], bl[c / 3 % 2], cl[c / 6], seed);
                });
        for (int m : new int[] {1, 7, 8, 9, 17, 64}) {
            for (int k : new int[] {1, 15, 16, 17, 33, 128}) check(DType.F32, m, 10, k, 1.0, 0.0, Layout.PLAIN, bl[0], Layout.PLAIN, m * 1000L + k);
        }
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            check(DType.F32, 600, 10, 784, 1.0, 0.0, Layout.PLAIN, bl[0], Layout.PLAIN, 77 + threads);
            check(DType.F32, 333, 7, 100, 1.0, 0.0, al[1], bl[1], cl[1], 99 + threads);
        }
    }

    /**
     * The dot path (x @ W^T with few rows of x, F32 at 16 lanes): A's rows contiguous (plain, or further apart), B^T's
     * rows contiguous (k apart or further), C plain, with wider rows or transposed; m not a multiple of 4 (edge row
     * groups), n not a multiple of 4 (edge columns), k around the vector width and the k blocks (a last block shorter than
     * L joins the one before), alpha and beta from the seed; one and two threads (the column split). Its rows limit is
     * raised to 64 so every m here takes it; F64 (the old path) runs the same cases.
     */
    @Test
    void dotPathTransposedB() {
        GemmF32.dotM = 64;
        Layout[] al = {Layout.PLAIN, new Layout(false, 1, 1, 3), new Layout(false, 2, 1, 0)};
        Layout[] bl = {new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 2)};
        Layout[] cl = {Layout.PLAIN, new Layout(false, 1, 1, 1), new Layout(true, 1, 1, 0)};
        qt().withExamples(80).withShrinkCycles(20)
                .forAll(integers().between(1, 40), integers().between(GemmF32.L, 80), integers().between(GemmF32.DOT_K, 700), longs().all())
                .checkAssert((m, n, k0, seed) -> {
                    // past the direct path's size, which small products take first
                    int k = Math.max(k0, (int) (GemmF32.DIRECT_MAX / ((long) m * n)) + 1);
                    int c = (int) Math.floorMod(seed >> 3, 18L);
                    java.util.Random r = new java.util.Random(seed);
                    Parallel.setThreads(1 + (int) Math.floorMod(seed >> 8, 2L));
                    DType dt = Math.floorMod(seed, 7L) == 0 ? DType.F64 : DType.F32;
                    check(dt, m, n, k, GemmTestSupport.ALPHAS[1 + r.nextInt(GemmTestSupport.ALPHAS.length - 1)],
                            GemmTestSupport.BETAS[r.nextInt(GemmTestSupport.BETAS.length)], al[c % 3], bl[c / 3 % 2], cl[c / 6], seed);
                });
        int kb = GemmF32.DOT_KB, l = GemmF32.L;
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            for (int k : new int[] {kb + l - 1, kb + l, kb + l + 5, 2 * kb + 7}) {
                check(DType.F32, 7, 21, k, 1.0, 0.0, Layout.PLAIN, bl[0], Layout.PLAIN, k + threads);
                check(DType.F32, 32, 64, k, 0.5, 1.0, al[1], bl[1], cl[1], 3L * k + threads);
            }
            check(DType.F32, 32, 64, 5408, 1.0, 0.0, Layout.PLAIN, bl[0], Layout.PLAIN, 11 + threads);
        }
    }

    /**
     * The dot path's k tail re-reads steps already counted (the vector at k - L): an infinity there must stay an infinity,
     * not become 0 * Inf = NaN.
     */
    @Test
    void dotPathKeepsInfinities() {
        GemmF32.dotM = 64;
        int m = 20, n = 40, k = 340; // k mod 16 = 4: the tail vector covers steps 324..339, of which 324..335 are counted
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(s, DType.F32, m, k), w = Tensor.zeros(s, DType.F32, n, k);
            for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) a.setDouble(1, i, p);
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) w.setDouble(0.5, j, p);
            w.setDouble(Double.POSITIVE_INFINITY, 2, 330);
            Tensor c = Tensor.zeros(s, DType.F32, m, n), ref = Tensor.zeros(s, DType.F32, m, n);
            VEC.gemm(1, a, w.t(), 0, c);
            ORACLE.gemm(1, a, w.t(), 0, ref);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) assertEquals(ref.getDouble(i, j), c.getDouble(i, j), "c[" + i + "," + j + "]");
            }
            assertEquals(Double.POSITIVE_INFINITY, c.getDouble(0, 2));
        }
    }

    /**
     * A few rows (at most two 8-row blocks) against a B past the small-B limit: the direct path, B read in place. Rows
     * around the 4- and 8-row blocks, B's column tail, A's rows further apart, C with wider rows; F64 too.
     */
    @Test
    void fewRowsLargeB() {
        Layout[] al = {Layout.PLAIN, new Layout(false, 1, 1, 3)};
        Layout[] cl = {Layout.PLAIN, new Layout(false, 1, 1, 1)};
        int[][] kn = {{300, 500}, {517, 301}, {64, 2100}};
        for (int m : new int[] {1, 3, 4, 7, 8, 9, 12, 15, 16}) {
            for (int t = 0; t < kn.length; t++) {
                int k = kn[t][0], n = kn[t][1];
                assertTrue((long) k * n > GemmF32.directBMax);
                check(DType.F32, m, n, k, 1.0, 0.0, al[(m + t) % 2], Layout.PLAIN, cl[t % 2], 1000L * m + t);
                if (t == 0) check(DType.F64, m, n, k, 1.0, 0.0, al[m % 2], Layout.PLAIN, Layout.PLAIN, 7000L * m + t);
            }
        }
    }

    @Test
    void smallShapesF32() {
        // The direct (unpacked) path and tiny edge tiles.
        qt().withExamples(150).withShrinkCycles(20)
                .forAll(integers().between(1, 40), integers().between(1, 40), integers().between(1, 40), longs().all())
                .checkAssert((m, n, k, seed) -> randomCase(DType.F32, m, n, k, seed));
    }

    @Test
    void randomShapesF64() {
        qt().withExamples(40).withShrinkCycles(20)
                .forAll(integers().between(1, 300), integers().between(1, 300), integers().between(1, 300), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Parallel.setThreads(1 + (int) (seed & 1));
                    randomCase(DType.F64, m, n, k, seed);
                });
        qt().withExamples(60)
                .forAll(integers().between(1, 30), integers().between(1, 30), integers().between(1, 30), longs().all())
                .checkAssert((m, n, k, seed) -> randomCase(DType.F64, m, n, k, seed));
    }

    /** Sizes one below, at and one above every blocking boundary, in each dimension. */
    @Test
    void blockingBoundaries() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            int mr = GemmF32.MR, nr = dt == DType.F32 ? GemmF32.NR : GemmF64.NR;
            int mc = GemmF32.MC, nc = dt == DType.F32 ? GemmF32.NC : GemmF64.NC, kc = GemmF32.KC;
            List<int[]> cases = new ArrayList<>();
            for (int d = -1; d <= 1; d++) {
                cases.add(new int[] {mr + d, nr + 3, 7});
                cases.add(new int[] {mc + d, nr * 2 + 1, 33});
                cases.add(new int[] {13, nr + d, 9});
                cases.add(new int[] {2 * mr + 1, nc + d, 21});
                cases.add(new int[] {mr + 1, nr + 1, kc + d});
                cases.add(new int[] {9, 19, 2 * kc + d});
            }
            cases.add(new int[] {1, 1, 1});
            cases.add(new int[] {1, 500, 3});
            cases.add(new int[] {500, 1, 3});
            cases.add(new int[] {3, 3, 600});
            long seed = 42;
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                for (int[] c : cases) randomCase(dt, c[0], c[1], c[2], seed++);
            }
        }
    }

    /**
     * A row-major A is packed by register interleaves (4 x 8 where the vector width is 8 floats, 8 x 16 by two-vector
     * selects where it is 16) and a transposed B with its k axis contiguous (x @ W^T) by register transposes (8 x 8,
     * 16 x 16): the packed panels, hence every output bit, must be the element-by-element copies'. Both packed paths, k with and without a tail of the 8-element steps and across
     * KC, m and n with partial last slivers (packed element-wise), operands with padded row strides.
     */
    @Test
    void vectorPacksGiveTheElementwiseBits() {
        int[][] shapes = {{40, 70, 29}, {64, 3 * GemmF32.NR + 5, GemmF32.KC + 13}, {33, 2 * GemmF32.NR, 8}, {97, 130, 2 * GemmF32.KC + 8},
                {GemmF32.MC + 7, 40, 71}};
        for (boolean prepack : new boolean[] {true, false}) {
            forcePrepacked(prepack);
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                try (Scope sc = Scope.open()) {
                    Tensor a = view(DType.F32, m, k, new Layout(false, 1, 1, 1), k, false);
                    Tensor b = view(DType.F32, k, n, new Layout(true, 1, 1, 1), k + 1, false);
                    Tensor c1 = Tensor.zeros(sc, DType.F32, m, n), c2 = Tensor.zeros(sc, DType.F32, m, n);
                    GemmF32.vectorPack = true;
                    VEC.gemm(1.0, a, b, 0.0, c1);
                    GemmF32.vectorPack = false;
                    VEC.gemm(1.0, a, b, 0.0, c2);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(Float.floatToRawIntBits((float) c2.getDouble(i, j)), Float.floatToRawIntBits((float) c1.getDouble(i, j)),
                                    "c[" + i + ", " + j + "] of " + m + "x" + k + "x" + n + ":NT, prepacked " + prepack);
                        }
                    }
                    check(DType.F32, m, n, k, 1.0, 0.0, new Layout(false, 1, 1, 1), new Layout(true, 1, 1, 1), Layout.PLAIN, k);
                }
            }
        }
    }

    @Test
    void largeShapes() {
        Parallel.setThreads(2);
        check(DType.F32, 600, 300, 520, 1.0, 0.0, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, 7);
        check(DType.F32, 257, 530, 513, -0.5, 1.0, new Layout(true, 1, 1, 0), new Layout(true, 1, 1, 1), Layout.PLAIN, 8);
        // The MNIST CNN's shapes: a tall-skinny im2col product and a long-k weight gradient.
        check(DType.F32, 2000, 32, 9, 1.0, 0.0, Layout.PLAIN, Layout.PLAIN, Layout.PLAIN, 9);
        check(DType.F32, 32, 64, 5408, 1.0, 0.0, Layout.PLAIN, new Layout(true, 1, 1, 0), Layout.PLAIN, 10);
        check(DType.F64, 301, 290, 400, 2.0, 0.5, new Layout(true, 1, 1, 0), Layout.PLAIN, new Layout(false, 2, 1, 0), 11);
    }

    /**
     * Two threads give the bits one thread gives, whatever units each thread claimed (the row paths claim guided,
     * so where the claims split depends on timing; repeated to see several splits): the prepacked path (k over two
     * blocks, so C is read back), the BLIS-order path split by columns, and the direct path for a tall narrow C;
     * then with the default paths, where the first shape goes direct (its B is small) and claims may be one 8-row
     * unit (the column tail read in place) or several (the tail copied).
     */
    @Test
    void twoThreadsGiveOneThreadsBits() {
        // the last with B transposed (x @ W^T): the dot path splits its columns
        int[][] shapes = {{GemmF32.MR * 40 + 5, GemmF32.NR * 3 + 7, GemmF32.KC + 30}, {24, 700, 300}, {8001, 35, 9}, {30, 203, 2101, 1}};
        for (int mode = 0; mode < 3; mode++) {
            String prepack = mode == 0 ? "true" : mode == 1 ? "false" : "default";
            if (mode < 2) forcePrepacked(mode == 0);
            else restoreThreads();
            for (int[] sh : shapes) {
                int m = sh[0], n = sh[1], k = sh[2];
                try (Scope s = Scope.open()) {
                    Layout lb = sh.length > 3 ? new Layout(true, 1, 1, 0) : Layout.PLAIN;
                    Tensor a = view(DType.F32, m, k, Layout.PLAIN, m, false), b = view(DType.F32, k, n, lb, n, false);
                    Tensor one = Tensor.zeros(s, DType.F32, m, n), two = Tensor.zeros(s, DType.F32, m, n);
                    Parallel.setThreads(1);
                    VEC.gemm(1.0, a, b, 0.0, one);
                    Parallel.setThreads(2);
                    for (int rep = 0; rep < 5; rep++) {
                        VEC.gemm(1.0, a, b, 0.0, two);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                if (Float.floatToRawIntBits((float) one.getDouble(i, j)) != Float.floatToRawIntBits((float) two.getDouble(i, j))) {
                                    throw new AssertionError(String.format("%dx%dx%d prepack=%s rep %d: c[%d,%d] = %s on 2 threads, %s on 1",
                                            m, n, k, prepack, rep, i, j, two.getDouble(i, j), one.getDouble(i, j)));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Once compiled, a GEMM call allocates nothing (a vector C2 failed to keep in registers would be boxed on the
     * heap): blocked path with edge tiles and two k blocks, transposed A and transposed B (their vector packing),
     * F64, and the direct path (c = a @ b of the first shape goes direct for its small B, the others for their size
     * or short k). One thread, so the calling thread's allocation counter sees all of it.
     */
    @Test
    void steadyStateAllocatesNothing() {
        Parallel.setThreads(1);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (Scope s = Scope.open()) {
            int m = GemmF32.MR * 9 + 3, n = GemmF32.NR * 5 + 7, k = GemmF32.KC + 17;
            Tensor a = view(DType.F32, m, k, Layout.PLAIN, 1, false), b = view(DType.F32, k, n, Layout.PLAIN, 2, false);
            Tensor at = view(DType.F32, m, k, new Layout(true, 1, 1, 0), 3, false), c = Tensor.zeros(s, DType.F32, m, n);
            // A transposed B (x @ W^T): packed by transpose16 at 16 lanes, transpose8 at 8.
            Tensor btr = view(DType.F32, k, n, new Layout(true, 1, 1, 0), 15, false);
            Tensor ad = view(DType.F64, m, k, Layout.PLAIN, 4, false), bd = view(DType.F64, k, n, Layout.PLAIN, 5, false);
            Tensor cd = Tensor.zeros(s, DType.F64, m, n);
            Tensor as = view(DType.F32, 20, 30, Layout.PLAIN, 6, false), bs = view(DType.F32, 30, 19, Layout.PLAIN, 7, false);
            Tensor cs = Tensor.zeros(s, DType.F32, 20, 19);
            // Tall, short k: the direct path for any m, storing straight to C; and with a transposed B it copies.
            Tensor tall = view(DType.F32, 1001, 9, Layout.PLAIN, 8, false), b9 = view(DType.F32, 9, 35, Layout.PLAIN, 9, false);
            Tensor b9t = view(DType.F32, 9, 35, new Layout(true, 1, 1, 0), 10, false), ct = Tensor.zeros(s, DType.F32, 1001, 35);
            Tensor b10 = view(DType.F32, 9, 10, Layout.PLAIN, 11, false), b10t = view(DType.F32, 9, 10, new Layout(true, 1, 1, 0), 12, false);
            Tensor cn = Tensor.zeros(s, DType.F32, 1001, 10);
            // One vector of columns (direct, unpadded) and one and a bit (B padded to 2 vectors) at any width.
            int l = GemmF32.L;
            Tensor bl = view(DType.F32, 9, l, Layout.PLAIN, 13, false), bl3 = view(DType.F32, 9, l + 3, Layout.PLAIN, 14, false);
            Tensor cl = Tensor.zeros(s, DType.F32, 1001, l), cl3 = Tensor.zeros(s, DType.F32, 1001, l + 3);
            // Small squares: 4^3 and 8^3 (tinyRowsMasked at 16 lanes), 16^3 (tinyRows), 20^3 a vector and a tail.
            int[] dims = {l / 4, l / 2, l, l + l / 4};
            Tensor[] tiny = new Tensor[3 * dims.length];
            for (int t = 0; t < dims.length; t++) {
                int d = dims[t];
                tiny[3 * t] = view(DType.F32, d, d, Layout.PLAIN, 20 + t, false);
                tiny[3 * t + 1] = view(DType.F32, d, d, Layout.PLAIN, 30 + t, false);
                tiny[3 * t + 2] = Tensor.zeros(s, DType.F32, d, d);
            }
            // x @ W^T with few rows of x: the dot path (its copy of x and its accumulators grow on the first call).
            Tensor xd = view(DType.F32, 21, 407, Layout.PLAIN, 40, false), wdt = view(DType.F32, 407, 42, new Layout(true, 1, 1, 0), 41, false);
            Tensor cdot = Tensor.zeros(s, DType.F32, 21, 42);
            Runnable calls = () -> {
                VEC.gemm(1, a, b, 0, c);
                VEC.gemm(1, xd, wdt, 0, cdot);
                VEC.gemm(0.5, xd, wdt, 1, cdot);
                VEC.gemm(0.5, at, b, 1, c);
                VEC.gemm(1, a, btr, 0, c);
                VEC.gemm(1, ad, bd, 0.5, cd);
                VEC.gemm(1, as, bs, 0, cs);
                VEC.gemm(1, tall, b9, 0, ct);
                VEC.gemm(1, tall, b9t, 0, ct);
                VEC.gemm(1, tall, b10, 0, cn); // 10 columns: padded B at 8 lanes, B's tail copied at 16
                VEC.gemm(0.5, tall, b10t, 1, cn);
                VEC.gemm(1, tall, bl, 0, cl);
                VEC.gemm(0.5, tall, bl3, 1, cl3);
                for (int t = 0; t < tiny.length; t += 3) VEC.gemm(1, tiny[t], tiny[t + 1], 0, tiny[t + 2]);
            };
            double perCall = Double.MAX_VALUE;
            // C2 may take a while on a loaded machine: warm up in rounds until a round is allocation-free.
            // (The direct path's small calls reach C2 after ~2000 calls here.)
            for (int round = 0; round < 150 && perCall >= 1; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                int rounds = 50;
                for (int i = 0; i < rounds; i++) calls.run();
                perCall = (threads.getCurrentThreadAllocatedBytes() - before) / (double) rounds;
            }
            assertTrue(perCall < 1, "gemm still allocates " + perCall + " bytes per round of calls after warm-up");
            // The same calls on the prepacked path (its buffers grow on the first call, then are reused).
            forcePrepacked(true);
            perCall = Double.MAX_VALUE;
            for (int round = 0; round < 150 && perCall >= 1; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                int rounds = 50;
                for (int i = 0; i < rounds; i++) calls.run();
                perCall = (threads.getCurrentThreadAllocatedBytes() - before) / (double) rounds;
            }
            assertTrue(perCall < 1, "prepacked gemm still allocates " + perCall + " bytes per round after warm-up");
        }
    }

    @Test
    void betaZeroIgnoresNanAndKZeroScales() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(s, DType.F32, 5, 0), b = Tensor.zeros(s, DType.F32, 0, 7);
            Tensor c = view(DType.F32, 5, 7, Layout.PLAIN, 1, true);
            VEC.gemm(1, a, b, 0, c);
            for (float v : c.toFloatArray()) assertEquals(0f, v);
            Tensor d = Tensor.of(s, new float[] {1, 2, 3, 4}, 2, 2);
            VEC.gemm(1, a.slice(0, 0, 2), b.slice(1, 0, 2), 3, d);
            assertEquals(List.of(3f, 6f, 9f, 12f), List.of(d.getFloat(0, 0), d.getFloat(0, 1), d.getFloat(1, 0), d.getFloat(1, 1)));
        }
    }

    @Test
    void badInputNamesShapes() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(s, DType.F32, 2, 3), b = Tensor.zeros(s, DType.F32, 4, 5);
            var e = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(a, b));
            assertEquals("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.gemm(1, a, b, 0, Tensor.zeros(s, DType.F32, 2, 5)));
            assertEquals("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", e.getMessage());
            Tensor b2 = Tensor.zeros(s, DType.F32, 3, 5);
            e = assertThrows(IllegalArgumentException.class, () -> Ops.gemm(1, a, b2, 0, Tensor.zeros(s, DType.F32, 5, 2)));
            assertEquals("gemm output has shape 5x2 but 2x3 @ 3x5 is 2x5", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ops.gemm(1, a.reshape(6), b2, 0, Tensor.zeros(s, DType.F32, 2, 5)));
            assertEquals("gemm needs matrices, got shapes [6], [3, 5] and output [2, 5]", e.getMessage());
        }
    }

    @Test
    void matmulBatchedUsesGemm() {
        try (Scope s = Scope.open()) {
            Tensor a = view(DType.F32, 6, 20, Layout.PLAIN, 3, false).reshape(3, 2, 20);
            Tensor b = view(DType.F32, 20, 17, Layout.PLAIN, 4, false);
            Tensor out = Ops.matmul(a, b);
            assertEquals(List.of(3, 2, 17), java.util.Arrays.stream(out.shape()).boxed().toList());
            Tensor ref = Tensor.zeros(s, DType.F32, 2, 17);
            for (int i = 0; i < 3; i++) {
                ORACLE.gemm(1, a.select(0, i), b, 0, ref);
                for (int r = 0; r < 2; r++)
                    for (int c = 0; c < 17; c++) assertEquals(ref.getDouble(r, c), out.getDouble(i, r, c), 20 * 0x1p-24 * 20);
            }
        }
    }
}
