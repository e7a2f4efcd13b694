package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;

/** 2-d convolution over NCHW input, weight [out, in, kh, kw], bias [out] (PyTorch's nn.Conv2d layout). */
public final class Conv2d extends Module {
    private final Parameter weight, bias;
    private final Conv2dSpec spec;
    private Tensor input;

    public Conv2d(Scope scope, int in, int out, int kernel, Conv2dSpec spec, boolean bias, Rng rng) {
        if (in <= 0 || out <= 0 || kernel <= 0) {
            throw new IllegalArgumentException("Conv2d sizes must be positive, got in=" + in + " out=" + out + " kernel=" + kernel);
        }
        this.spec = spec;
        int fanIn = in * kernel * kernel;
        this.weight = registerParameter("weight", Init.torchDefault(Tensor.zeros(scope, DType.F32, out, in, kernel, kernel), fanIn, rng));
        this.bias = bias ? registerParameter("bias", Init.torchDefault(Tensor.zeros(scope, DType.F32, out), fanIn, rng)) : null;
    }

    public Conv2d(Scope scope, int in, int out, int kernel, Rng rng) { this(scope, in, out, kernel, Conv2dSpec.DEFAULT, true, rng); }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    public Conv2dSpec spec() { return spec; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = output(0, x.dtype(), Ops.conv2dShape(x, weight.data(), bias == null ? null : bias.data(), spec));
        Ops.conv2dInto(x, weight.data(), bias == null ? null : bias.data(), spec, y);
        if (training) input = x;
        return y;
    }

    @Override
    public int[] outputShape(int[] s) {
        int[] w = weight.data().shape();
        if (s.length != 4 || s[1] != w[1]) {
            throw new IllegalArgumentException("Conv2d with weight " + java.util.Arrays.toString(w) + " expects NCHW input with " + w[1]
                    + " channels, got " + java.util.Arrays.toString(s));
        }
        int oh = spec.outH(s[2], w[2]), ow = spec.outW(s[3], w[3]);
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException("Conv2d kernel " + w[2] + "x" + w[3] + " is larger than the input " + java.util.Arrays.toString(s));
        return new int[] {s[0], w[0], oh, ow};
    }

    @Override
    public void forwardInto(Tensor x, Tensor y) {
        Ops.conv2dInto(x, weight.data(), bias == null ? null : bias.data(), spec, y);
    }

    @Override
    void forwardIntoValidated(Tensor x, Tensor y) {
        Backends.kernels().conv2d(x, weight.data(), bias == null ? null : bias.data(), spec, y);
    }

    private static void addInto(Parameter p, boolean fresh, Tensor g) {
        if (fresh) Ops.copyInto(g, p.gradStorage());
        else Ops.binaryInto(BinaryOp.ADD, p.gradStorage(), g, p.gradStorage());
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(input, "Conv2d");
        Tensor w = weight.data();
        boolean wFresh = weight.beginAccumulate(), bFresh = bias == null || bias.beginAccumulate();
        if (wFresh && bFresh) {
            // the gradients are logically zero: the kernel overwrites them directly
            Ops.conv2dBackwardWeightInto(input, g, spec, weight.gradStorage(), bias == null ? null : bias.gradStorage());
        } else {
            Tensor gw = workspace(1, g.dtype(), w.dim(0), w.dim(1), w.dim(2), w.dim(3));
            Tensor gb = bias == null ? null : workspace(2, g.dtype(), w.dim(0));
            Ops.conv2dBackwardWeightInto(input, g, spec, gw, gb);
            addInto(weight, wFresh, gw);
            if (bias != null) addInto(bias, bFresh, gb);
        }
        Tensor gIn = null;
        if (needsInputGrad()) {
            gIn = workspace(3, g.dtype(), input.dim(0), input.dim(1), input.dim(2), input.dim(3));
            Ops.conv2dBackwardDataInto(g, weight.data(), spec, gIn);
        }
        input = null;
        return gIn;
    }
}
