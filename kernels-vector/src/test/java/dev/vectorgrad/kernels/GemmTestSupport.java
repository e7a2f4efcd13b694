package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;

/**
 * Shared by the GEMM tests of every backend: strided/transposed operand views and the comparison with the
 * scalar oracle. The tolerance is the textbook bound for a dot product of length k,
 * (k + 4) * u * (|alpha| |A| |B| + |beta| |C|) plus two roundings of the result, u the unit roundoff of the
 * dtype; it does not depend on the summation order, so it holds for any blocking.
 */
public final class GemmTestSupport {
    private static final Kernels ORACLE = new ScalarKernels();
    public static final double[] ALPHAS = {1, 0, -1, 0.5, 2, -1.25, 0.3};
    public static final double[] BETAS = {0, 1, -1, 0.5, 0.3};

    private GemmTestSupport() {}

    /** How a 2-d operand is laid out: transposed storage, a step along each axis, an offset. */
    public record Layout(boolean transposed, int rowStep, int colStep, int start) {
        public static Layout random(Random r) {
            return new Layout(r.nextBoolean(), r.nextInt(4) == 0 ? 2 : 1, r.nextInt(4) == 0 ? 3 : 1, r.nextInt(3));
        }

        public static final Layout PLAIN = new Layout(false, 1, 1, 0);
    }

    /** A rows x cols view with the given layout, filled from seed with values in [-1, 1] (or NaN). */
    public static Tensor view(DType dt, int rows, int cols, Layout l, long seed, boolean nan) {
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
    public static void check(Kernels kernels, DType dt, int m, int n, int k, double alpha, double beta, Layout la, Layout lb, Layout lc, long seed) {
        try (Scope s = Scope.open()) {
            Tensor a = view(dt, m, k, la, seed, false);
            Tensor b = view(dt, k, n, lb, seed + 1, false);
            // beta == 0 must not read C: fill it with NaN for the vector backend.
            Tensor c = view(dt, m, n, lc, seed + 2, beta == 0);
            Tensor c0 = view(dt, m, n, Layout.PLAIN, seed + 2, false);
            Tensor ref = view(dt, m, n, Layout.PLAIN, seed + 2, false);
            kernels.gemm(alpha, a, b, beta, c);
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

    /** A case with alpha, beta and layouts drawn from seed. */
    public static void randomCase(Kernels kernels, DType dt, int m, int n, int k, long seed) {
        Random r = new Random(seed);
        check(kernels, dt, m, n, k, ALPHAS[r.nextInt(ALPHAS.length)], BETAS[r.nextInt(BETAS.length)],
                Layout.random(r), Layout.random(r), r.nextInt(3) == 0 ? Layout.random(r) : Layout.PLAIN, seed);
    }
}
