package dev.vectorgrad.kernels;

/** Geometry of 2-d pooling over NCHW input. Padding counts as -inf for max and is excluded from the average count. */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
    public Pool2dSpec {
        if (kernelH <= 0 || kernelW <= 0) throw new IllegalArgumentException("pool kernel must be positive, got " + kernelH + "x" + kernelW);
        if (strideH <= 0 || strideW <= 0) throw new IllegalArgumentException("pool stride must be positive, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0 || padH * 2 > kernelH || padW * 2 > kernelW) {
            throw new IllegalArgumentException("pool padding must be in [0, kernel/2], got " + padH + "x" + padW + " for kernel " + kernelH + "x" + kernelW);
        }
    }

    public static Pool2dSpec of(int kernel, int stride) {
        return new Pool2dSpec(kernel, kernel, stride, stride, 0, 0);
    }

    public int outH(int h) {
        return (h + 2 * padH - kernelH) / strideH + 1;
    }

    public int outW(int w) {
        return (w + 2 * padW - kernelW) / strideW + 1;
    }
}
