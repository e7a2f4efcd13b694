package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.tensor.Tensor;

/** Softmax along an axis (default last). */
public final class Softmax extends Module {
    private final int axis;
    private Tensor output;

    public Softmax() { this(-1); }

    public Softmax(int axis) { this.axis = axis; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = Ops.softmax(x, axis);
        if (training) output = y;
        return y;
    }

    /** dx = y * (g - sum(g * y)). */
    @Override
    public Tensor backward(Tensor g) {
        checkCached(output, "Softmax");
        Tensor dot = Ops.reduce(ReduceOp.SUM, Ops.mul(g, output), axis, true);
        Tensor gIn = Ops.mul(output, Ops.sub(g, dot));
        output = null;
        return gIn;
    }
}
