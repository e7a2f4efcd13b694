package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;

/**
 * Public im2col / col2im over one image, the same routines the Vector backend's convolution uses; for
 * benchmarks (im2col + external GEMM baselines) and backends that bring their own GEMM.
 */
public final class Im2col {
    private Im2col() {}

    /** Writes image n of x [n, c, h, w] as rows [c*kh*kw, oh*ow] into col (contiguous) from element colBase. */
    public static void im2col(Tensor x, int n, Conv2dSpec spec, int kh, int kw, int oh, int ow, Tensor col, long colBase) {
        x.checkAlive();
        col.checkAlive();
        VectorConv.im2col(x, n, spec, kh, kw, oh, ow, col, colBase);
    }

    /** Overwrites image n of gradIn with the scatter-add of col rows [c*kh*kw, oh*ow] starting at colBase. */
    public static void col2im(Tensor col, long colBase, Conv2dSpec spec, int kh, int kw, int oh, int ow, Tensor gradIn, int n) {
        col.checkAlive();
        gradIn.checkAlive();
        VectorConv.col2im(col, colBase, spec, kh, kw, oh, ow, gradIn, n);
    }
}
