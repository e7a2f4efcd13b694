package dev.vectorgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.OptimizerSteps;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MemoryTest {
    /** 10,000 forward/backward/update steps of a small MLP, each in its own Scope: off-heap bytes stay flat. */
    @Test
    void trainingStepsKeepLiveBytesFlat() {
        try (Scope model = Scope.open()) {
            Rng rng = new Rng(11);
            Tensor w1 = Ops.normal(Tensor.zeros(model, DType.F32, 16, 8), 0, 0.3, rng);
            Tensor b1 = Tensor.zeros(model, DType.F32, 16);
            Tensor w2 = Ops.normal(Tensor.zeros(model, DType.F32, 3, 16), 0, 0.3, rng);
            Tensor b2 = Tensor.zeros(model, DType.F32, 3);
            Var[] params = {Var.param(w1), Var.param(b1), Var.param(w2), Var.param(b2)};
            Tensor x = Ops.normal(Tensor.zeros(model, DType.F32, 4, 8), 0, 1, rng);
            Tensor labels = Tensor.ofInts(model, new int[] {0, 1, 2, 1}, 4);
            var sgd = new OptimizerSteps.Sgd(0.05, 0, 0, false, 0);
            long after10 = 0;
            double first = 0, last = 0;
            for (int step = 0; step < 10_000; step++) {
                try (Scope s = Scope.open()) {
                    for (Var p : params) p.zeroGrad();
                    Var h = F.relu(F.linear(Var.of(x), params[0], params[1]));
                    Var loss = F.crossEntropy(F.linear(h, params[2], params[3]), labels, Reduction.MEAN);
                    loss.backward();
                    for (Var p : params) Ops.sgdUpdate(p.data(), p.grad(), null, sgd);
                    if (step == 0) first = loss.data().item();
                    last = loss.data().item();
                }
                if (step == 9) after10 = Scope.liveBytes();
            }
            assertEquals(after10, Scope.liveBytes(), "live off-heap bytes grew between step 10 and step 10,000");
            assertTrue(last < first * 0.5, "training did not reduce the loss: " + first + " -> " + last);
        }
    }
}
