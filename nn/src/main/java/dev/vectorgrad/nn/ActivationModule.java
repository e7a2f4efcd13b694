package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Activation;
import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.tensor.Tensor;

/** An elementwise activation whose derivative is expressed through its output (ReLU, Sigmoid, Tanh). */
public abstract class ActivationModule extends Module {
    private final Activation act;
    private Tensor output;

    protected ActivationModule(Activation act) { this.act = act; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = output(0, x.dtype(), x.shape());
        Ops.biasActivationInto(x, null, x.rank() > 1 ? 1 : 0, act, y);
        if (training) output = y;
        return y;
    }

    @Override
    public int[] outputShape(int[] s) { return s.clone(); }

    @Override
    public void forwardInto(Tensor x, Tensor y) {
        Ops.biasActivationInto(x, null, x.rank() > 1 ? 1 : 0, act, y);
    }

    @Override
    void forwardIntoValidated(Tensor x, Tensor y) {
        Backends.kernels().biasActivation(x, null, x.rank() > 1 ? 1 : 0, act, y);
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(output, getClass().getSimpleName());
        Tensor gIn = workspace(1, g.dtype(), g.shape());
        Ops.activationBackwardInto(act, output, g, gIn);
        output = null;
        return gIn;
    }
}
