package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.tensor.Tensor;

/**
 * A trainable tensor and its gradient (same shape, dtype and scope). Backward passes accumulate into grad.
 *
 * <p>{@link #zeroGrad} is lazy: it only marks the gradient as zero. The first layer to add to it may then
 * overwrite it instead ({@link #beginAccumulate} returns true: a GEMM with beta 0 rather than a fill and a
 * GEMM with beta 1); anyone else reading {@link #grad} first gets real zeros.
 */
public final class Parameter {
    private final Tensor data;
    private final Tensor grad;
    private boolean zeroPending;

    public Parameter(Tensor data) {
        this.data = data;
        this.grad = Tensor.zeros(data.scope(), data.dtype(), data.shape());
    }

    public Tensor data() { return data; }

    /** The gradient, zero-filled first if a {@link #zeroGrad} is pending. */
    public Tensor grad() {
        if (zeroPending) {
            Ops.fill(grad, 0.0);
            zeroPending = false;
        }
        return grad;
    }

    public void zeroGrad() { zeroPending = true; }

    /**
     * For a layer about to add its gradient contribution: true when the gradient is logically zero, in which
     * case the caller must overwrite all of {@link #gradStorage} (e.g. GEMM with beta 0); false when it must add.
     */
    boolean beginAccumulate() {
        boolean z = zeroPending;
        zeroPending = false;
        return z;
    }

    /** The gradient tensor without materialising a pending zero; only after {@link #beginAccumulate}. */
    Tensor gradStorage() { return grad; }

    @Override
    public String toString() { return "Parameter" + java.util.Arrays.toString(data.shape()); }
}
