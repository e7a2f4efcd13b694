package dev.vectorgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void mulSumGradientAndAccumulation() {
        try (Scope s = Scope.open()) {
            Var a = Var.param(Tensor.of(new double[] {1, 2, 3}, 3));
            Var b = Var.param(Tensor.of(new double[] {4, 5, 6}, 3));
            F.sum(F.mul(a, b)).backward();
            assertArrayEquals(new double[] {4, 5, 6}, a.grad().toDoubleArray());
            assertArrayEquals(new double[] {1, 2, 3}, b.grad().toDoubleArray());
            F.sum(F.mul(a, b)).backward();
            assertArrayEquals(new double[] {8, 10, 12}, a.grad().toDoubleArray());
            a.zeroGrad();
            assertArrayEquals(new double[] {0, 0, 0}, a.grad().toDoubleArray());
        }
    }

    @Test
    void releasedGraphFailsClearly() {
        try (Scope s = Scope.open()) {
            Var a = Var.param(Tensor.of(new double[] {1, 2}, 2));
            Var y = F.sum(F.exp(a));
            y.backward();
            var e = assertThrows(IllegalStateException.class, y::backward);
            assertEquals(true, e.getMessage().contains("retainGraph"), e.getMessage());
        }
    }

    @Test
    void linearCrossEntropyGradcheck() {
        try (Scope s = Scope.open()) {
            Tensor labels = Tensor.ofInts(new int[] {0, 2}, 2);
            GradCheck.check(v -> F.crossEntropy(F.linear(v[0], v[1], v[2]), labels, Reduction.MEAN),
                    Tensor.of(new double[] {0.1, -0.2, 0.3, 0.5, 0.7, -0.4}, 2, 3),
                    Tensor.of(new double[] {0.2, 0.1, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9}, 3, 3),
                    Tensor.of(new double[] {0.1, 0.2, 0.3}, 3));
        }
    }
}
