package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.tensor.Tensor;

/** Inverted dropout: in training, zeroes each element with probability p and scales the rest by 1/(1-p). */
public final class Dropout extends Module {
    private final double p;
    private final Rng rng;
    private Tensor mask;

    public Dropout(double p, Rng rng) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!training || p == 0) return x;
        Tensor m = workspace(0, x.dtype(), x.shape());
        double keep = 1.0 / (1.0 - p);
        long n = m.numel();
        for (long i = 0; i < n; i++) m.setFlat(i, rng.nextDouble() >= p ? keep : 0.0);
        mask = m;
        return Ops.binaryInto(BinaryOp.MUL, x, m, workspace(1, x.dtype(), x.shape()));
    }

    @Override
    public Tensor backward(Tensor g) {
        if (p == 0) return g;
        checkCached(mask, "Dropout");
        Tensor gIn = Ops.binaryInto(BinaryOp.MUL, g, mask, workspace(2, g.dtype(), g.shape()));
        mask = null;
        return gIn;
    }
}
