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
            compare(a, b, c, ref, c0, alpha, beta, String.format("%s m=%d n=%d k=%d alpha=%s beta=%s a=%s b=%s c=%s seed=%d",
                    dt, m, n, k, alpha, beta, la, lb, lc, seed));
        }
    }

    /** got (a backend's c) against want (the oracle's) elementwise, within the bound; c0 is c before the call. */
    private static void compare(Tensor a, Tensor b, Tensor got, Tensor want, Tensor c0, double alpha, double beta, String what) {
        int m = got.dim(0), n = got.dim(1), k = a.dim(1);
        double u = got.dtype() == DType.F32 ? 0x1p-24 : 0x1p-53;
        double[] av = abs(a), bv = abs(b);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double mag = 0;
                for (int p = 0; p < k; p++) mag += av[i * k + p] * bv[p * n + j];
                double w = want.getDouble(i, j), g = got.getDouble(i, j);
                double bound = (k + 4) * u * (Math.abs(alpha) * mag + Math.abs(beta * c0.getDouble(i, j)))
                        + 2 * u * Math.abs(w) + Double.MIN_NORMAL;
                if (!(Math.abs(g - w) <= bound)) {
                    fail(String.format("%s: c[%d,%d] = %s, oracle %s, bound %s", what, i, j, g, w, bound));
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

    /**
     * A batched operand: batch dimensions {@code batch} (each operand's own: fewer than c's, or of size 1, where it
     * broadcasts), then a rows x cols matrix laid out by l. With {@code spread}, the first batch dimension steps
     * over every other matrix of its storage (so several batch dimensions no longer collapse into one step); with
     * {@code expand}, a size-1 first batch dimension is expanded to {@code expandTo} (stride 0). Filled from seed.
     */
    public static Tensor batchedView(DType dt, int[] batch, int rows, int cols, Layout l, boolean spread, int expandTo, long seed) {
        int r = batch.length;
        int sr = l.transposed() ? cols : rows, sc = l.transposed() ? rows : cols;
        int stepR = l.transposed() ? l.colStep() : l.rowStep(), stepC = l.transposed() ? l.rowStep() : l.colStep();
        int[] shape = java.util.Arrays.copyOf(batch, r + 2);
        if (spread && r > 0) shape[0] = 2 * batch[0];
        shape[r] = l.start() + sr * stepR;
        shape[r + 1] = sc * stepC + l.start();
        Tensor v = Tensor.zeros(Scope.current(), dt, shape);
        if (spread && r > 0) v = v.slice(0, 0, 2 * batch[0], 2);
        v = v.slice(r, l.start(), l.start() + sr * stepR, stepR).slice(r + 1, l.start(), l.start() + sc * stepC, stepC);
        if (l.transposed()) v = v.transpose(r, r + 1);
        Random rnd = new Random(seed);
        int[] idx = new int[r + 2];
        long count = 1;
        for (int d : batch) count *= d;
        for (long item = 0; item < count; item++) {
            long rest = item;
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = (int) (rest % batch[d]);
                rest /= batch[d];
            }
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    idx[r] = i;
                    idx[r + 1] = j;
                    v.setDouble(rnd.nextDouble() * 2 - 1, idx);
                }
            }
        }
        if (expandTo > 1 && r > 0 && batch[0] == 1) {
            int[] to = v.shape();
            to[0] = expandTo;
            v = v.expand(to);
        }
        return v;
    }

    /** Matrix {@code idx} (c's batch index) of operand t, t's batch dimensions aligned with c's from the right. */
    public static Tensor matrixOf(Tensor t, int[] idx) {
        int shift = idx.length - (t.rank() - 2);
        Tensor v = t;
        for (int d = 0; d < t.rank() - 2; d++) v = v.select(0, t.dim(d) == 1 ? 0 : idx[d + shift]);
        return v;
    }

    /**
     * kernels.gemmBatched(alpha, a, b, beta, c) against the oracle's gemm on each matrix's view (taken with select,
     * not with the offsets under test), each within the bound. c is filled with NaN first when beta == 0.
     */
    public static void checkBatched(Kernels kernels, Tensor a, Tensor b, Tensor c, double alpha, double beta, String what) {
        int rc = c.rank(), m = c.dim(rc - 2), n = c.dim(rc - 1);
        int[] batch = java.util.Arrays.copyOf(c.shape(), rc - 2);
        long count = 1;
        for (int d : batch) count *= d;
        Tensor c0 = Tensor.zeros(Scope.current(), c.dtype(), c.shape());
        if (beta == 0) ORACLE.fill(c, Double.NaN);
        else ORACLE.copy(c, c0);
        kernels.gemmBatched(alpha, a, b, beta, c);
        int[] idx = new int[batch.length];
        for (long item = 0; item < count; item++) {
            long rest = item;
            for (int d = batch.length - 1; d >= 0; d--) {
                idx[d] = (int) (rest % batch[d]);
                rest /= batch[d];
            }
            Tensor ai = matrixOf(a, idx), bi = matrixOf(b, idx), ci0 = matrixOf(c0, idx);
            Tensor want = Tensor.zeros(Scope.current(), c.dtype(), m, n);
            ORACLE.copy(ci0, want);
            ORACLE.gemm(alpha, ai, bi, beta, want);
            compare(ai, bi, matrixOf(c, idx), want, ci0, alpha, beta, what + " matrix " + java.util.Arrays.toString(idx));
        }
    }

    /** A random batched case (shapes, broadcasting, layouts, alpha and beta drawn from seed) for {@link #checkBatched}. */
    public static void randomBatchedCase(Kernels kernels, DType dt, int m, int n, int k, long seed) {
        Random r = new Random(seed);
        int rank = 1 + r.nextInt(3);
        int[] batch = new int[rank];
        for (int d = 0; d < rank; d++) batch[d] = 1 + r.nextInt(r.nextInt(4) == 0 ? 9 : 4);
        int[] ba = operandBatch(r, batch), bb = operandBatch(r, batch);
        Layout la = r.nextInt(3) == 0 ? Layout.random(r) : Layout.PLAIN, lb = r.nextInt(3) == 0 ? Layout.random(r) : Layout.PLAIN;
        Layout lc = r.nextInt(4) == 0 ? Layout.random(r) : Layout.PLAIN;
        boolean spreadA = r.nextInt(4) == 0, spreadB = r.nextInt(4) == 0, spreadC = r.nextInt(4) == 0;
        // expand a size-1 first batch dimension that lines up with c's first one (stride 0 where c's is larger)
        int expandA = ba.length == rank && r.nextBoolean() ? batch[0] : 0, expandB = bb.length == rank && r.nextBoolean() ? batch[0] : 0;
        double alpha = ALPHAS[r.nextInt(ALPHAS.length)], beta = BETAS[r.nextInt(BETAS.length)];
        Tensor a = batchedView(dt, ba, m, k, la, spreadA, expandA, seed + 1);
        Tensor b = batchedView(dt, bb, k, n, lb, spreadB, expandB, seed + 2);
        Tensor c = batchedView(dt, batch, m, n, lc, spreadC, 0, seed + 3);
        checkBatched(kernels, a, b, c, alpha, beta, String.format("%s c%s = %s%s @ %s%s alpha=%s beta=%s layouts %s %s %s spread %b %b %b seed=%d",
                dt, java.util.Arrays.toString(c.shape()), java.util.Arrays.toString(a.shape()), java.util.Arrays.toString(a.strides()),
                java.util.Arrays.toString(b.shape()), java.util.Arrays.toString(b.strides()), alpha, beta, la, lb, lc, spreadA, spreadB, spreadC, seed));
    }

    /** An operand's batch dimensions for c's: some leading ones dropped, some set to 1 (both broadcast). */
    private static int[] operandBatch(Random r, int[] batch) {
        int drop = r.nextInt(3) == 0 ? r.nextInt(batch.length + 1) : 0;
        int[] out = java.util.Arrays.copyOfRange(batch, drop, batch.length);
        for (int d = 0; d < out.length; d++) if (r.nextInt(4) == 0) out[d] = 1;
        return out;
    }
}
