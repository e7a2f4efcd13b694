package dev.vectorgrad.kernels;

/**
 * Geometry of a 2-d convolution over NCHW input [n, c, h, w] with weights [k, c, kh, kw], giving [n, k, oh, ow].
 */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) {
    public Conv2dSpec {
        if (strideH <= 0 || strideW <= 0) throw new IllegalArgumentException("conv2d stride must be positive, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("conv2d padding must be >= 0, got " + padH + "x" + padW);
        if (dilationH <= 0 || dilationW <= 0) throw new IllegalArgumentException("conv2d dilation must be positive, got " + dilationH + "x" + dilationW);
    }

    public static Conv2dSpec of(int stride, int pad) {
        return new Conv2dSpec(stride, stride, pad, pad, 1, 1);
    }

    public static final Conv2dSpec DEFAULT = of(1, 0);

    public int outH(int h, int kh) {
        return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1;
    }

    public int outW(int w, int kw) {
        return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1;
    }
}
