package dev.vectorgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GradCheckTest {
    /** A detached factor is invisible to backward but not to finite differences: gradcheck must catch it. */
    @Test
    void detectsAWrongGradientAndNamesTheWorstElement() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
            var e = assertThrows(AssertionError.class, () -> GradCheck.check(p -> F.mul(p[0], p[0].detach()), x));
            String m = e.getMessage();
            // d(x*x)/dx = 2x numerically, x analytically: worst at the largest element, index 5 = [1, 2]
            assertTrue(m.contains("input element 5 [1, 2]"), m);
            assertTrue(m.contains("of shape [2, 3]"), m);
            assertTrue(m.contains("analytical 6.0"), m);
            assertTrue(m.contains("numerical 12.0") || m.contains("numerical 11.99999") || m.contains("numerical 12.00000"), m);
        }
    }

    @Test
    void countsEveryJacobianElementAndLeavesInputsUnchanged() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.of(new double[] {1, 2, 3}, 3), b = Tensor.of(new double[] {4, 5}, 2, 1);
            var r = GradCheck.check(p -> F.mul(p[0], p[1]), a, b); // output [2, 3]: 6 x (3 + 2) elements
            assertEquals(30, r.elementsChecked());
            assertTrue(r.excess() <= 0);
            assertEquals(2.0, a.getDouble(1));
        }
    }

    @Test
    void rejectsIntegerInputs() {
        try (Scope s = Scope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(p -> p[0], Tensor.ofInts(new int[] {1}, 1)));
            assertTrue(e.getMessage().contains("I32"), e.getMessage());
        }
    }
}
