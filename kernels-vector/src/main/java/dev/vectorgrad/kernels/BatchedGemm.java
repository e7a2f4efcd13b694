package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;

/**
 * Indexing for {@link Kernels#gemmBatched}: where each matrix of a batch starts, with NumPy broadcasting of the
 * batch dimensions read from the strides (no expanded views, no allocation), and the default implementation that
 * runs a backend's {@link Kernels#gemm} on each matrix's view. Public for backends that implement gemmBatched
 * themselves.
 */
public final class BatchedGemm {
    private BatchedGemm() {}

    /** Number of matrices in c [..., m, n]: the product of its leading dimensions (1 for a matrix). */
    public static long count(Tensor c) {
        long count = 1;
        for (int d = 0, r = c.rank() - 2; d < r; d++) count *= c.dim(d);
        return count;
    }

    /**
     * Element offset of matrix {@code item} of t [..., rows, cols] (row-major order over c's batch dimensions),
     * t's own offset included. t's batch dimensions line up with c's from the right; a dimension t lacks, or has of
     * size 1, repeats t's one matrix along it.
     */
    public static long offset(Tensor t, Tensor c, long item) {
        long off = t.offset();
        int rc = c.rank(), shift = rc - t.rank();
        for (int d = rc - 3; d >= 0 && item != 0; d--) {
            int size = c.dim(d);
            long i = item % size;
            item /= size;
            int td = d - shift;
            if (td >= 0 && t.dim(td) != 1) off += i * t.stride(td);
        }
        return off;
    }

    /**
     * {@link #offset(Tensor, Tensor, long)} for a step {@link #step} returned for t: without a division per matrix
     * when the matrices are evenly spaced.
     */
    public static long offset(Tensor t, Tensor c, long item, long step) {
        return step == UNEVEN ? offset(t, c, item) : t.offset() + item * step;
    }

    /** Whether t's batch dimensions (all but its last two) broadcast to c's, aligned from the right. */
    public static boolean broadcastsTo(Tensor t, Tensor c) {
        int shift = c.rank() - t.rank();
        if (shift < 0) return false;
        for (int d = 0; d < t.rank() - 2; d++) {
            int size = t.dim(d);
            if (size != 1 && size != c.dim(d + shift)) return false;
        }
        return true;
    }

    /** What {@link #step} returns when the matrices are not evenly spaced. */
    public static final long UNEVEN = Long.MIN_VALUE;

    /**
     * The element step between consecutive matrices of t over c's batch (item i starts at {@code offset(t, c, 0) + i
     * * step}), or {@link #UNEVEN} when the matrices are not evenly spaced (batch dimensions that do not collapse
     * into one); 0 when t repeats one matrix. Lets a backend hand the whole batch to one strided batched call.
     */
    public static long step(Tensor t, Tensor c) {
        int rc = c.rank(), shift = rc - t.rank();
        long step = UNEVEN, span = 1; // span: matrices per step of dimension d (the product of c's batch dimensions after d)
        for (int d = rc - 3; d >= 0; d--) {
            int size = c.dim(d), td = d - shift;
            if (size == 1) continue;
            long e = td >= 0 && t.dim(td) != 1 ? t.stride(td) : 0;
            if (step == UNEVEN) {
                step = e; // the innermost dimension that counts (span is 1 there)
            } else if (e != step * span) {
                return UNEVEN;
            }
            span *= size;
        }
        return step == UNEVEN ? 0 : step;
    }

    /** The default {@link Kernels#gemmBatched}: k.gemm on a 2-d view of each matrix, one after another. */
    static void eachMatrix(Kernels k, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        int ra = a.rank(), rb = b.rank(), rc = c.rank();
        int[] as = {a.dim(ra - 2), a.dim(ra - 1)}, bs = {b.dim(rb - 2), b.dim(rb - 1)}, cs = {c.dim(rc - 2), c.dim(rc - 1)};
        long[] ast = {a.stride(ra - 2), a.stride(ra - 1)}, bst = {b.stride(rb - 2), b.stride(rb - 1)},
                cst = {c.stride(rc - 2), c.stride(rc - 1)};
        for (long i = 0, n = count(c); i < n; i++) {
            k.gemm(alpha, a.view(as, ast, offset(a, c, i)), b.view(bs, bst, offset(b, c, i)), beta, c.view(cs, cst, offset(c, c, i)));
        }
    }
}
