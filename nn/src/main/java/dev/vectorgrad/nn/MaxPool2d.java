package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;

/** Max pooling over NCHW input. */
public final class MaxPool2d extends Module {
    private final Pool2dSpec spec;
    private Tensor argmax;
    private int[] inShape;

    public MaxPool2d(int kernel) { this(Pool2dSpec.of(kernel, kernel)); }

    public MaxPool2d(Pool2dSpec spec) { this.spec = spec; }

    public Pool2dSpec spec() { return spec; }

    @Override
    public Tensor forward(Tensor x) {
        int[] shape = Ops.pool2dShape("max_pool2d", x, spec);
        Tensor y = output(0, x.dtype(), shape);
        Tensor am = training ? workspace(1, DType.I32, shape) : null;
        Ops.maxPool2dInto(x, spec, y, am);
        if (training) {
            argmax = am;
            inShape = x.shape();
        }
        return y;
    }

    @Override
    public int[] outputShape(int[] s) {
        if (s.length != 4) throw new IllegalArgumentException("max_pool2d input must be NCHW (rank 4), got shape " + java.util.Arrays.toString(s));
        return new int[] {s[0], s[1], spec.outH(s[2]), spec.outW(s[3])};
    }

    @Override
    public void forwardInto(Tensor x, Tensor y) {
        Ops.maxPool2dInto(x, spec, y, null);
    }

    @Override
    void forwardIntoValidated(Tensor x, Tensor y) {
        Backends.kernels().maxPool2d(x, spec, y, null);
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(argmax, "MaxPool2d");
        Tensor gIn = workspace(2, g.dtype(), inShape);
        Ops.maxPool2dBackwardInto(g, argmax, spec, gIn);
        argmax = null;
        return gIn;
    }
}
