package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;

/** The losses, fused and numerically stable; each returns the loss and writes d loss / d prediction into grad (if not null). */
public final class Losses {
    private Losses() {}

    /** A loss of a prediction against a target; grad (may be null) receives d loss / d pred. */
    @FunctionalInterface
    public interface Loss {
        double compute(Tensor pred, Tensor target, Tensor grad);
    }

    public static Loss mse() { return (p, t, g) -> Ops.mse(p, t, Reduction.MEAN, g); }

    /** Softmax cross-entropy of logits [n, c] against I32 class labels [n]. */
    public static Loss crossEntropy() { return (p, t, g) -> Ops.softmaxCrossEntropy(p, t, Reduction.MEAN, g); }

    /** Softmax cross-entropy of logits [n, c] against probabilities / one-hot rows [n, c]. */
    public static Loss crossEntropyProbs() { return (p, t, g) -> Ops.softmaxCrossEntropyProbs(p, t, Reduction.MEAN, g); }

    /** Binary cross-entropy on logits (stable; applies the sigmoid itself). */
    public static Loss bceWithLogits() { return (p, t, g) -> Ops.bceWithLogits(p, t, Reduction.MEAN, g); }

    /** Binary cross-entropy on probabilities (the output of a Sigmoid layer); log clamped at -100 like PyTorch. */
    public static Loss bce() {
        return (p, t, g) -> {
            Shapes.checkSame("binary_cross_entropy target", p.shape(), t.shape());
            long n = p.numel();
            if (n == 0) throw new IllegalArgumentException("binary_cross_entropy of an empty prediction " + Shapes.str(p.shape()));
            double sum = 0;
            for (long i = 0; i < n; i++) {
                double x = p.getFlat(i), y = t.getFlat(i);
                if (!(x >= 0 && x <= 1)) throw new IllegalArgumentException("binary_cross_entropy needs probabilities in [0, 1], got " + x);
                sum -= y * Math.max(Math.log(x), -100) + (1 - y) * Math.max(Math.log1p(-x), -100);
                if (g != null) g.setFlat(i, (x - y) / Math.max(x * (1 - x), 1e-12) / n);
            }
            return sum / n;
        };
    }
}
