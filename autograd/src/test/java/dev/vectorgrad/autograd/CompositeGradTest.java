package dev.vectorgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradchecks of whole models' losses with respect to all their parameters (and of the composite ops). */
class CompositeGradTest {
    static Tensor rand(Rng rng, double scale, int... shape) {
        return Tensor.of(OpTable.fill(rng, shape, -scale, scale), shape);
    }

    @Test
    void twoLayerMlpLoss() {
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(1);
            Tensor x = rand(rng, 1, 5, 4);
            Tensor labels = Tensor.ofInts(new int[] {0, 2, 1, 2, 0}, 5);
            var r = GradCheck.check(p -> {
                Var h = F.tanh(F.linear(Var.of(x), p[0], p[1]));
                return F.crossEntropy(F.linear(h, p[2], p[3]), labels, Reduction.MEAN);
            }, rand(rng, 0.5, 6, 4), rand(rng, 0.5, 6), rand(rng, 0.5, 3, 6), rand(rng, 0.5, 3));
            assertEquals(24 + 6 + 18 + 3, r.elementsChecked());
        }
    }

    @Test
    void mlpWithGeluDropoutAndMseWrtInputsToo() {
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(2);
            GradCheck.check(p -> {
                Var h = F.dropout(F.gelu(F.linear(p[0], p[1], p[2])), 0.3, new Rng(7), true);
                return F.mse(F.linear(h, p[3], null), p[4], Reduction.MEAN);
            }, rand(rng, 1, 3, 4), rand(rng, 0.5, 7, 4), rand(rng, 0.5, 7), rand(rng, 0.5, 2, 7), rand(rng, 1, 3, 2));
        }
    }

    @Test
    void smallCnnLoss() {
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(3);
            Tensor x = rand(rng, 1, 2, 1, 6, 6);
            Tensor labels = Tensor.ofInts(new int[] {1, 0}, 2);
            GradCheck.check(p -> {
                Var c1 = F.relu(F.conv2d(Var.of(x), p[0], p[1], Conv2dSpec.of(1, 1)));   // [2,3,6,6]
                Var pooled = F.maxPool2d(c1, Pool2dSpec.of(2, 2));                        // [2,3,3,3]
                Var c2 = F.conv2d(pooled, p[2], null, Conv2dSpec.of(1, 0));               // [2,2,2,2]
                Var avg = F.avgPool2d(c2, Pool2dSpec.of(2, 2));                           // [2,2,1,1]
                Var flat = F.reshape(avg, 2, 2);
                return F.crossEntropy(F.linear(flat, p[3], p[4]), labels, Reduction.SUM);
            }, rand(rng, 0.5, 3, 1, 3, 3), rand(rng, 0.5, 3), rand(rng, 0.5, 2, 3, 2, 2), rand(rng, 0.5, 2, 2), rand(rng, 0.5, 2));
        }
    }

    @Test
    void batchNormTrainingGradcheckAndRunningStats() {
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(4);
            Tensor rm = Tensor.zeros(dev.vectorgrad.tensor.DType.F64, 3), rv = Tensor.zeros(dev.vectorgrad.tensor.DType.F64, 3);
            GradCheck.check(p -> F.batchNorm(p[0], p[1], p[2], null, null, 0.1, 1e-5, true, 1),
                    rand(rng, 1, 4, 3, 2), rand(rng, 1, 3), rand(rng, 1, 3));
            // running statistics: one update from zero/zero with momentum 0.5 gives half the batch mean / unbiased var
            Tensor x = Tensor.of(new double[] {1, 10, 3, 20}, 2, 2); // channel axis 1: channel 0 = {1,3}, channel 1 = {10,20}
            Tensor rm2 = Tensor.zeros(dev.vectorgrad.tensor.DType.F64, 2), rv2 = Tensor.zeros(dev.vectorgrad.tensor.DType.F64, 2);
            Var y = F.batchNorm(Var.of(x), null, null, rm2, rv2, 0.5, 0.0, true, 1);
            assertArrayEquals(new double[] {1.0, 7.5}, rm2.toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {1.0, 25.0}, rv2.toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {-1, -1, 1, 1}, y.data().toDoubleArray(), 1e-12);
            // evaluation mode uses the running statistics (as constants)
            GradCheck.check(p -> F.batchNorm(p[0], p[1], p[2], rm2, rv2, 0.1, 1e-5, false, 1),
                    rand(rng, 1, 4, 2), rand(rng, 1, 2), rand(rng, 1, 2));
            assertEquals(0.0, rm.getDouble(0));
            assertEquals(0.0, rv.getDouble(0));
        }
    }

    @Test
    void compositesOfReductionsAndViews() {
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(5);
            // layer-norm-like: (x - mean) / sqrt(var + eps) over the last axis, with shared subexpressions
            GradCheck.check(p -> {
                Var m = F.mean(p[0], -1, true);
                Var v = F.variance(p[0], -1, true);
                return F.div(F.sub(p[0], m), F.sqrt(F.addScalar(v, 1e-3)));
            }, rand(rng, 1, 3, 7));
            // the same input used twice through views: gradients accumulate from both paths
            GradCheck.check(p -> F.add(F.mul(p[0], F.transpose(p[0], 0, 1)), F.sum(F.expand(F.unsqueeze(p[1], 0), 3, 3), 0, false)),
                    rand(rng, 1, 3, 3), rand(rng, 1, 3));
            // multi-axis reductions
            GradCheck.check(p -> F.mean(F.square(p[0]), new int[] {0, 2}, false), rand(rng, 1, 2, 3, 4));
            GradCheck.check(p -> F.sum(F.logSoftmax(p[0], 0), new int[] {-1, 0}, true), rand(rng, 1, 3, 2));
        }
    }
}
