package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Activation;
import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;

/** Dense layer y = x W^T + b with W [out, in], b [out] (PyTorch's nn.Linear layout); x is [batch, in]. */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight, bias;
    /** Views made once: W^T for the forward GEMM, the bias gradient as a [1, out] row. */
    private final Tensor weightT, biasGradRow;
    private Tensor input;

    public Linear(Scope scope, int in, int out, boolean bias, Rng rng) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear sizes must be positive, got in=" + in + " out=" + out);
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Init.torchDefault(Tensor.zeros(scope, DType.F32, out, in), in, rng));
        this.bias = bias ? registerParameter("bias", Init.torchDefault(Tensor.zeros(scope, DType.F32, out), in, rng)) : null;
        this.weightT = weight.data().t();
        this.biasGradRow = bias ? this.bias.gradStorage().reshape(1, out) : null;
    }

    public Linear(Scope scope, int in, int out, Rng rng) { this(scope, in, out, true, rng); }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 2 || x.dim(1) != in) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + ") expects input [batch, " + in + "], got " + Shapes.str(x.shape()));
        }
        Tensor y = output(0, x.dtype(), x.dim(0), out);
        Ops.gemm(1.0, x, weightT, 0.0, y);
        if (bias != null) Ops.biasActivationInto(y, bias.data(), 1, Activation.IDENTITY, y);
        if (training) input = x;
        return y;
    }

    @Override
    public int[] outputShape(int[] s) {
        if (s.length != 2 || s[1] != in) throw new IllegalArgumentException("Linear(" + in + " -> " + out + ") expects input [batch, " + in + "], got " + Shapes.str(s));
        return new int[] {s[0], out};
    }

    @Override
    public void forwardInto(Tensor x, Tensor y) {
        Ops.gemm(1.0, x, weightT, 0.0, y);
        if (bias != null) Ops.biasActivationInto(y, bias.data(), 1, Activation.IDENTITY, y);
    }

    /** Eval-mode forward with an activation fused into the bias pass (one pass over y instead of two). */
    void forwardInto(Tensor x, Tensor y, Activation act) {
        Ops.gemm(1.0, x, weightT, 0.0, y);
        Ops.biasActivationInto(y, bias == null ? null : bias.data(), 1, act, y);
    }

    @Override
    void forwardIntoValidated(Tensor x, Tensor y) {
        if (bias == null) Backends.kernels().gemm(1.0, x, weightT, 0.0, y);
        else forwardIntoValidated(x, y, Activation.IDENTITY);
    }

    /**
     * Eval-mode forward with an activation fused into the bias pass (one pass over y instead of two), on shapes
     * {@link Inference} has checked: straight to the kernels.
     */
    void forwardIntoValidated(Tensor x, Tensor y, Activation act) {
        Kernels k = Backends.kernels();
        k.gemm(1.0, x, weightT, 0.0, y);
        k.biasActivation(y, bias == null ? null : bias.data(), 1, act, y);
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(input, "Linear");
        Shapes.checkSame("Linear backward grad_output", new int[] {input.dim(0), out}, g.shape());
        int n = input.dim(0);
        Ops.gemm(1.0, g.t(), input, weight.beginAccumulate() ? 0.0 : 1.0, weight.gradStorage());
        if (bias != null) {
            // bias.grad += column sums of g, as a GEMM with a row of ones (no temporary)
            Tensor ones = workspace(2, g.dtype(), 1, n);
            if (ones.getFlat(0) != 1.0) Ops.fill(ones, 1.0);
            Ops.gemm(1.0, ones, g, bias.beginAccumulate() ? 0.0 : 1.0, biasGradRow);
        }
        Tensor gIn = null;
        if (needsInputGrad()) {
            gIn = workspace(1, g.dtype(), n, in);
            Ops.gemm(1.0, g, weight.data(), 0.0, gIn);
        }
        input = null;
        return gIn;
    }
}
