package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.tensor.Tensor;

/** Average pooling over NCHW input. */
public final class AvgPool2d extends Module {
    private final Pool2dSpec spec;
    private int[] inShape;

    public AvgPool2d(int kernel) { this(Pool2dSpec.of(kernel, kernel)); }

    public AvgPool2d(Pool2dSpec spec) { this.spec = spec; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = output(0, x.dtype(), Ops.pool2dShape("avg_pool2d", x, spec));
        Ops.avgPool2dInto(x, spec, y);
        if (training) inShape = x.shape();
        return y;
    }

    @Override
    public int[] outputShape(int[] s) {
        if (s.length != 4) throw new IllegalArgumentException("avg_pool2d input must be NCHW (rank 4), got shape " + java.util.Arrays.toString(s));
        return new int[] {s[0], s[1], spec.outH(s[2]), spec.outW(s[3])};
    }

    @Override
    public void forwardInto(Tensor x, Tensor y) {
        Ops.avgPool2dInto(x, spec, y);
    }

    @Override
    void forwardIntoValidated(Tensor x, Tensor y) {
        Backends.kernels().avgPool2d(x, spec, y);
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(inShape, "AvgPool2d");
        Tensor gIn = workspace(1, g.dtype(), inShape);
        Ops.avgPool2dBackwardInto(g, spec, gIn);
        return gIn;
    }
}
