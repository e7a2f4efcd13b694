package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vectorgrad.autograd.F;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class AutogradModuleTest {
    /** An autograd-defined tanh(linear) layer gives the same output and gradients as Linear + Tanh. */
    @Test
    void matchesTheHandWrittenLayers() {
        Rng rng = new Rng(3);
        Scope p = Scope.shared();
        Linear lin = new Linear(p, 4, 3, rng);
        Sequential ref = new Sequential(lin, new Tanh());
        AutogradModule ag = new AutogradModule((x, ps) -> F.tanh(F.linear(x, ps.get("weight"), ps.get("bias"))))
                .parameter("weight", lin.weight().data().copyTo(p))
                .parameter("bias", lin.bias().data().copyTo(p));
        try (Scope s = Scope.open()) {
            Tensor x = Ops.normal(Tensor.zeros(DType.F32, 5, 4), 0, 1, rng);
            Tensor g = Ops.normal(Tensor.zeros(DType.F32, 5, 3), 0, 1, rng);
            Tensor y1 = ref.forward(x), y2 = ag.forward(x);
            assertArrayEquals(y1.toFloatArray(), y2.toFloatArray(), 1e-6f);
            Tensor gx1 = ref.backward(g), gx2 = ag.backward(g);
            assertArrayEquals(gx1.toFloatArray(), gx2.toFloatArray(), 1e-5f);
            assertArrayEquals(lin.weight().grad().toFloatArray(), ag.namedParameters().get("weight").grad().toFloatArray(), 1e-5f);
            assertArrayEquals(lin.bias().grad().toFloatArray(), ag.namedParameters().get("bias").grad().toFloatArray(), 1e-5f);
            ag.eval();
            assertEquals(y1.getFlat(7), ag.forward(x).getFlat(7), 1e-6);
        }
    }
}
