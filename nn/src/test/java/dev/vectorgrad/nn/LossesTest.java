package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.nn.data.DataLoader;
import dev.vectorgrad.nn.data.Dataset;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class LossesTest {
    @Test
    void bceOnProbabilitiesAgreesWithBceOnLogits() {
        Rng rng = new Rng(4);
        try (Scope s = Scope.open()) {
            Tensor logits = Ops.normal(Tensor.zeros(DType.F64, 6, 1), 0, 2, rng);
            Tensor t = Tensor.of(new double[] {0, 1, 1, 0, 1, 0}, 6, 1);
            Tensor probs = Ops.unary(UnaryOp.SIGMOID, logits);
            Tensor gl = Tensor.zeros(DType.F64, 6, 1), gp = Tensor.zeros(DType.F64, 6, 1);
            double a = Losses.bceWithLogits().compute(logits, t, gl);
            double b = Losses.bce().compute(probs, t, gp);
            assertEquals(a, b, 1e-9);
            // chain rule through the sigmoid: dL/dlogit = dL/dp * p (1 - p)
            for (int i = 0; i < 6; i++) {
                double p = probs.getFlat(i);
                assertEquals(gl.getFlat(i), gp.getFlat(i) * p * (1 - p), 1e-9);
            }
        }
    }

    @Test
    void crossEntropyWithOneHotEqualsIntegerLabels() {
        try (Scope s = Scope.open()) {
            Tensor logits = Tensor.of(new float[] {1, 2, 3, -1, 0, 4}, 2, 3);
            Tensor labels = Tensor.ofInts(new int[] {2, 0}, 2);
            Tensor onehot = Tensor.of(new float[] {0, 0, 1, 1, 0, 0}, 2, 3);
            double a = Losses.crossEntropy().compute(logits, labels, null);
            double b = Losses.crossEntropyProbs().compute(logits, onehot, null);
            assertEquals(a, b, 1e-6);
            double row0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
            double row1 = Math.log(Math.exp(-1) + Math.exp(0) + Math.exp(4)) + 1;
            assertEquals((row0 + row1) / 2, a, 1e-5);
        }
    }

    /** Two accumulated half batches give the same SGD step as one full batch (mean losses). */
    @Test
    void gradientAccumulationEqualsTheLargerBatch() {
        float[] x = new float[16], y = new float[8];
        Rng rng = new Rng(6);
        for (int i = 0; i < 16; i++) x[i] = (float) rng.nextGaussian();
        for (int i = 0; i < 8; i++) y[i] = (float) rng.nextGaussian();
        Dataset ds = Dataset.regression(x, new int[] {2}, y, 1);
        float[][] w = new float[2][];
        for (int run = 0; run < 2; run++) {
            Linear lin = new Linear(Scope.shared(), 2, 1, new Rng(1));
            Trainer tr = new Trainer(lin, Losses.mse(), Optimizer.sgd(lin.parameters(), 0.1), Trainer.Task.REGRESSION).accumulate(run == 0 ? 1 : 2);
            try (DataLoader dl = new DataLoader(ds, run == 0 ? 8 : 4, false, null)) {
                tr.fit(dl, null, 3);
            }
            w[run] = lin.weight().data().toFloatArray();
        }
        assertArrayEquals(w[0], w[1], 1e-6f);
    }
}
