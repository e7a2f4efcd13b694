package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * VectorGemm against the scalar oracle: random shapes, transposed and strided views, alpha/beta, sizes around
 * every blocking boundary, one and two threads. The tolerance is the textbook bound for a dot product of
 * length k, (k + 4) * u * (|alpha| |A| |B| + |beta| |C|) plus one rounding of the result, with u the unit
 * roundoff of the dtype; it does not depend on the summation order, so it holds for any blocking.
 */
class GemmTest {
    private static final Kernels VEC = new VectorKernels();
    private static final Kernels ORACLE = new ScalarKernels();
    private static final double[] ALPHAS = {1, 0, -1, 0.5, 2, -1.25, 0.3};
    private static final double[] BETAS = {0, 1, -1, 0.5, 0.3};
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** How a 2-d operand is laid out: transposed storage, a step along each axis, an offset. */
    record Layout(boolean transposed, int rowStep, int colStep, int start) {
        static Layout random(Random r) {
            return new Layout(r.nextBoolean(), r.nextInt(4) == 0 ? 2 : 1, r.nextInt(4) == 0 ? 3 : 1, r.nextInt(3));
        }

        static final Layout PLAIN = new Layout(false, 1, 1, 0);
    }

    /** A rows x cols view with the given layout, filled from seed with values in [-1, 1] (or NaN). */
    static Tensor view(DType dt, int rows, int cols, Layout l, long seed, boolean nan) {
        int sr = l.transposed() ? cols : rows, sc = l.transposed() ? rows : cols;
        int stepR = l.transposed() ? l.colStep() : l.rowStep(), stepC = l.transposed() ? l.rowStep() : l.colStep();
        Tensor base = Tensor.zeros(Scope.current(), dt, l.start() + sr * stepR, sc * stepC + l.start());
        Tensor v = base.slice(0, l.start(), l.start() + sr * stepR, stepR).slice(1, l.start(), l.start() + sc * stepC, stepC);
        if (l.transposed()) v = v.t();
        Random r = new Random(seed);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) v.setDouble(nan ? Double.NaN : r.nextDouble() * 2 - 1, i, j);
        }
        return v;
    }

    /** Runs one case: vector gemm vs oracle on identical inputs, elementwise against the error bound. */
    static void check(DType dt, int m, int n, int k, double alpha, double beta, Layout la, Layout lb, Layout lc, long seed) {
        try (Scope s = Scope.open()) {
            Tensor a = view(dt, m, k, la, seed, false);
            Tensor b = view(dt, k, n, lb, seed + 1, false);
            // beta == 0 must not read C: fill it with NaN for the vector backend.
            Tensor c = view(dt, m, n, lc, seed + 2, beta == 0);
            Tensor c0 = view(dt, m, n, Layout.PLAIN, seed + 2, false);
            Tensor ref = view(dt, m, n, Layout.PLAIN, seed + 2, false);
            VEC.gemm(alpha, a, b, beta, c);
            ORACLE.gemm(alpha, a, b, beta, ref);
            double u = dt == DType.F32 ? 0x1p-24 : 0x1p-53;
            double[] av = abs(a), bv = abs(b);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double mag = 0;
                    for (int p = 0; p < k; p++) mag += av[i * k + p] * bv[p * n + j];
                    double want = ref.getDouble(i, j), got = c.getDouble(i, j);
                    double bound = (k + 4) * u * (Math.abs(alpha) * mag + Math.abs(beta * c0.getDouble(i, j)))
                            + 2 * u * Math.abs(want) + Double.MIN_NORMAL;
                    if (!(Math.abs(got - want) <= bound)) {
                        fail(String.format("%s m=%d n=%d k=%d alpha=%s beta=%s a=%s b=%s c=%s seed=%d: c[%d,%d] = %s, oracle %s, bound %s",
                                dt, m, n, k, alpha, beta, la, lb, lc, seed, i, j, got, want, bound));
                    }
                }
            }
        }
    }

    private static double[] abs(Tensor t) {
        int r = t.dim(0), c = t.dim(1);
        double[] out = new double[r * c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) out[i * c + j] = Math.abs(t.getDouble(i, j));
        return out;
    }

    private static void randomCase(DType dt, int m, int n, int k, long seed) {
        Random r = new Random(seed);
        check(dt, m, n, k, ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)],
                Layout.random(r), Layout.random(r), r.nextInt(3) == 0 ? Layout.random(r) : Layout.PLAIN, seed);
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
