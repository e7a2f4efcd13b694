package dev.vectorgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GraphBehaviourTest {
    @Test
    void deepChainDoesNotOverflowTheStack() {
        try (Scope s = Scope.open()) {
            Var x = Var.param(Tensor.of(new double[] {1.0}, 1));
            Var y = x;
            int depth = 100_000;
            for (int i = 0; i < depth; i++) y = F.addScalar(y, 1e-3);
            F.sum(y).backward();
            assertArrayEquals(new double[] {1.0}, x.grad().toDoubleArray());
            assertEquals(1.0 + depth * 1e-3, y.data().getDouble(0), 1e-9);
        }
    }

    @Test
    void diamondGraphAddsBothPaths() {
        try (Scope s = Scope.open()) {
            Var x = Var.param(Tensor.of(new double[] {3.0}, 1));
            Var a = F.mulScalar(x, 2);
            Var y = F.sum(F.mul(a, a)); // 4 x^2 -> 8 x
            y.backward();
            assertEquals(24.0, x.grad().getDouble(0), 1e-12);
        }
    }

    @Test
    void retainGraphAllowsASecondBackwardAndGradsAccumulate() {
        try (Scope s = Scope.open()) {
            Var x = Var.param(Tensor.of(new double[] {2.0, -1.0}, 2));
            Var y = F.sum(F.square(x));
            y.backward(true);
            y.backward(true);
            assertArrayEquals(new double[] {8.0, -4.0}, x.grad().toDoubleArray(), 1e-12);
            y.backward();
            assertArrayEquals(new double[] {12.0, -6.0}, x.grad().toDoubleArray(), 1e-12);
            assertThrows(IllegalStateException.class, y::backward);
        }
    }

    @Test
    void noGradRecordsNothingAndDetachCutsTheGraph() {
        try (Scope s = Scope.open()) {
            Var x = Var.param(Tensor.of(new double[] {2.0}, 1));
            try (var g = NoGrad.enter()) {
                Var y = F.exp(x);
                assertFalse(y.requiresGrad());
                assertEquals(0, y.inputCount());
                assertThrows(IllegalStateException.class, () -> F.sum(y).backward());
            }
            assertTrue(NoGrad.isGradEnabled());
            Var z = F.mul(x, F.exp(x).detach()); // d/dx = e^x (detached factor treated as constant)
            F.sum(z).backward();
            assertEquals(Math.exp(2.0), x.grad().getDouble(0), 1e-12);
            assertSame(x.data(), x.detach().data());
        }
    }

    @Test
    void upstreamGradientAndConstantsAndErrors() {
        try (Scope s = Scope.open()) {
            Var x = Var.param(Tensor.of(new double[] {1, 2, 3}, 3));
            Var c = Var.of(Tensor.of(new double[] {2, 2, 2}, 3));
            Var y = F.mul(x, c);
            var e = assertThrows(IllegalArgumentException.class, y::backward);
            assertTrue(e.getMessage().contains("[3]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.of(new double[] {1, 1}, 2)));
            y.backward(Tensor.of(new double[] {1, 10, 100}, 3));
            assertArrayEquals(new double[] {2, 20, 200}, x.grad().toDoubleArray());
            assertNull(c.grad());
            var bad = assertThrows(IllegalArgumentException.class, () -> F.add(x, Var.of(Tensor.of(new double[] {1, 2}, 2))));
            assertTrue(bad.getMessage().contains("[3]") && bad.getMessage().contains("[2]"), bad.getMessage());
            var lin = assertThrows(IllegalArgumentException.class,
                    () -> F.linear(Var.of(Tensor.zeros(DType.F64, 2, 5)), Var.of(Tensor.zeros(DType.F64, 3, 4)), null));
            assertTrue(lin.getMessage().contains("[2, 5]") || lin.getMessage().contains("[2,5]"), lin.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Var.param(Tensor.ofInts(new int[] {1}, 1)));
        }
    }

    @Test
    void leafGradientLivesInTheLeafScopeAndIntermediatesInTheStepScope() {
        try (Scope model = Scope.open()) {
            Var w = Var.param(Tensor.of(model, new double[] {0.5, -0.5}, 2));
            for (int step = 0; step < 3; step++) {
                try (Scope stepScope = Scope.open()) {
                    Var loss = F.sum(F.square(w));
                    loss.backward();
                    assertSame(model, w.grad().scope());
                    assertSame(stepScope, loss.data().scope());
                }
            }
            assertArrayEquals(new double[] {3.0, -3.0}, w.grad().toDoubleArray(), 1e-12);
            w.zeroGrad();
            assertArrayEquals(new double[] {0.0, 0.0}, w.grad().toDoubleArray());
        }
    }

    @Test
    void float32GraphsWork() {
        try (Scope s = Scope.open()) {
            Var w = Var.param(Tensor.of(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, 2, 3));
            Var x = Var.of(Tensor.of(new float[] {1, 2, 3}, 1, 3));
            Var loss = F.crossEntropy(F.linear(x, w, null), Tensor.ofInts(new int[] {1}, 1), Reduction.MEAN);
            loss.backward();
            assertEquals(DType.F32, w.grad().dtype());
            // d/dw[j] = (p_j - y_j) x ; logits 1.4, 3.2
            double p1 = 1 / (1 + Math.exp(1.4 - 3.2));
            assertEquals((1 - p1) * 3, w.grad().getDouble(0, 2), 1e-5);
            assertEquals((p1 - 1) * 3, w.grad().getDouble(1, 2), 1e-5);
        }
    }

    @Test
    void opWithoutRuleFailsNamingIt() {
        try (Scope s = Scope.open()) {
            Var x = Var.param(Tensor.of(new double[] {1}, 1));
            Var y = Var.node("no_such_op", Tensor.of(new double[] {1}, 1), null, x);
            var e = assertThrows(UnsupportedOperationException.class, y::backward);
            assertTrue(e.getMessage().contains("no_such_op"), e.getMessage());
        }
    }

    @Test
    void maxSplitsTheGradientBetweenTiesAndConcatSkipsConstants() {
        try (Scope s = Scope.open()) {
            Var x = Var.param(Tensor.of(new double[] {1, 3, 3, 2}, 2, 2));
            F.sum(F.max(x, 1, false)).backward(); // rows {1,3} and {3,2}
            assertArrayEquals(new double[] {0, 1, 1, 0}, x.grad().toDoubleArray());
            Var y = Var.param(Tensor.of(new double[] {5, 5}, 2));
            F.max(y).backward();
            assertArrayEquals(new double[] {0.5, 0.5}, y.grad().toDoubleArray());
            Var a = Var.param(Tensor.of(new double[] {1, 2}, 2));
            Var c = Var.of(Tensor.of(new double[] {3}, 1));
            F.sum(F.square(F.concat(0, c, a))).backward();
            assertArrayEquals(new double[] {2, 4}, a.grad().toDoubleArray());
            assertNull(c.grad());
        }
    }
}
