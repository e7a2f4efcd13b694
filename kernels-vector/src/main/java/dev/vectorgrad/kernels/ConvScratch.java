package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;

/**
 * Grow-only per-thread scratch buffers for the convolution kernels (im2col columns, packed weights). Lives in
 * the global scope, so it does not count toward {@link Scope#liveBytes()}; after the first call at a given
 * shape no further allocation happens (steady state).
 */
final class ConvScratch {
    static final int COL = 0, PACK = 1, ACC = 2, GT = 3;
    private static final ThreadLocal<ConvScratch> LOCAL = ThreadLocal.withInitial(ConvScratch::new);

    private final Tensor[][] buffers = new Tensor[4][2];

    private ConvScratch() {}

    /** A contiguous 1-d scratch tensor of at least {@code elements} elements for this thread (contents undefined). */
    static Tensor get(int slot, DType dtype, long elements) {
        ConvScratch s = LOCAL.get();
        int d = dtype == DType.F32 ? 0 : 1;
        Tensor t = s.buffers[slot][d];
        if (t == null || t.numel() < elements) {
            long n = Math.max(elements, t == null ? 0 : t.numel() * 3 / 2);
            t = Tensor.zeros(Scope.global(), dtype, Math.toIntExact(Math.max(n, 1)));
            s.buffers[slot][d] = t;
        }
        return t;
    }
}
