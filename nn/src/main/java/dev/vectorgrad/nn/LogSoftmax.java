package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.Tensor;

/** Log-softmax along an axis (default last). */
public final class LogSoftmax extends Module {
    private final int axis;
    private Tensor output;

    public LogSoftmax() { this(-1); }

    public LogSoftmax(int axis) { this.axis = axis; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = Ops.logSoftmax(x, axis);
        if (training) output = y;
        return y;
    }

    /** dx = g - exp(y) * sum(g). */
    @Override
    public Tensor backward(Tensor g) {
        checkCached(output, "LogSoftmax");
        Tensor s = Ops.reduce(ReduceOp.SUM, g, axis, true);
        Tensor gIn = Ops.sub(g, Ops.mul(Ops.unary(UnaryOp.EXP, output), s));
        output = null;
        return gIn;
    }
}
