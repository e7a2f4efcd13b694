package dev.vectorgrad.nn;

import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;

/** [n, d1, d2, ...] -> [n, d1*d2*...]. */
public final class Flatten extends Module {
    private int[] inShape;

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 1) throw new IllegalArgumentException("Flatten needs a batch dimension, got shape " + Shapes.str(x.shape()));
        if (training) inShape = x.shape();
        return x.reshape(x.dim(0), -1);
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(inShape, "Flatten");
        return g.reshape(inShape);
    }
}
