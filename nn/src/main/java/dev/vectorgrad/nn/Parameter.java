package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.tensor.Tensor;

/** A trainable tensor and its gradient (same shape, dtype and scope). Backward passes accumulate into grad. */
public final class Parameter {
    private final Tensor data;
    private final Tensor grad;

    public Parameter(Tensor data) {
        this.data = data;
        this.grad = Tensor.zeros(data.scope(), data.dtype(), data.shape());
    }

    public Tensor data() { return data; }

    public Tensor grad() { return grad; }

    public void zeroGrad() { Ops.fill(grad, 0.0); }

    @Override
    public String toString() { return "Parameter" + java.util.Arrays.toString(data.shape()); }
}
