package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;

/** GELU, tanh approximation (PyTorch's approximate='tanh'). */
public final class GELU extends Module {
    private static final double C = Math.sqrt(2.0 / Math.PI);
    private Tensor input;

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = Ops.unary(UnaryOp.GELU, x);
        if (training) input = x;
        return y;
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(input, "GELU");
        Tensor gIn = Tensor.zeros(Scope.current(), g.dtype(), g.shape());
        long n = g.numel();
        for (long i = 0; i < n; i++) {
            double x = input.getFlat(i);
            double u = C * (x + 0.044715 * x * x * x);
            double t = Math.tanh(u);
            double d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x);
            gIn.setFlat(i, g.getFlat(i) * d);
        }
        input = null;
        return gIn;
    }
}
