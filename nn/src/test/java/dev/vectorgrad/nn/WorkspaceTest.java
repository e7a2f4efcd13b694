package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.nn.examples.Examples;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Training-mode layers write into reused workspaces: no tensor allocation per step, and correct results when the batch size changes. */
class WorkspaceTest {
    private static Tensor images(Rng rng, int n) {
        return Ops.uniform(Tensor.zeros(Scope.shared(), DType.F32, n, 1, 28, 28), 0, 1, rng);
    }

    private static Tensor labels(Rng rng, int n) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) l[i] = rng.nextInt(10);
        return Tensor.ofInts(Scope.shared(), l, n);
    }

    @Test
    void steadyTrainingStepAllocatesNoTensor() {
        Rng rng = new Rng(5);
        Sequential model = Examples.mnistModel(Scope.shared(), rng);
        Trainer tr = new Trainer(model, Losses.crossEntropy(), Optimizer.adam(model.parameters(), 1e-3), Trainer.Task.MULTICLASS);
        Tensor x = images(rng, 3), y = labels(rng, 3);
        tr.step(x, y);
        long before = Scope.allocationCount();
        double first = tr.step(x, y), last = first;
        for (int i = 0; i < 20; i++) last = tr.step(x, y);
        assertEquals(before, Scope.allocationCount(), "tensor allocations in steady training steps");
        assertTrue(last < first, "the loss of one repeated batch falls: " + first + " -> " + last);
    }

    @Test
    void trainingForwardMatchesEvalForwardAcrossBatchSizes() {
        Rng rng = new Rng(6);
        Sequential model = Examples.mnistModel(Scope.shared(), rng);
        for (int n : new int[] {4, 3, 4, 1}) {
            Tensor x = images(rng, n);
            try (Scope s = Scope.open()) {
                model.eval();
                float[] want = model.forward(x).toFloatArray();
                model.train();
                Tensor y = model.forward(x);
                assertArrayEquals(new int[] {n, 10}, y.shape());
                // Same kernels on the same inputs; not asserted bit for bit because some kernels' lane reductions
                // differ between interpreted and compiled code (see nn/README).
                assertClose(want, y.toFloatArray(), "batch " + n);
                // backward into the workspaces of the new size
                Tensor g = Ops.uniform(Tensor.zeros(s, DType.F32, n, 10), -1, 1, rng);
                Tensor gx = model.backward(g);
                assertArrayEquals(x.shape(), gx.shape());
                model.zeroGrad();
            }
        }
    }

    @Test
    void trainerSkipsTheInputGradient() {
        Rng rng = new Rng(7);
        Sequential model = Examples.mnistModel(Scope.shared(), rng);
        new Trainer(model, Losses.crossEntropy(), Optimizer.adam(model.parameters(), 1e-3), Trainer.Task.MULTICLASS);
        model.train();
        try (Scope s = Scope.open()) {
            model.forward(images(rng, 2));
            assertEquals(null, model.backward(Tensor.zeros(s, DType.F32, 2, 10)));
        }
    }

    @Test
    void lazyZeroGradAccumulatesAndReadsAsZero() {
        Rng rng = new Rng(8);
        Sequential model = Examples.mnistModel(Scope.shared(), rng);
        model.train();
        Tensor x = images(rng, 2);
        Tensor g = Ops.uniform(Tensor.zeros(Scope.shared(), DType.F32, 2, 10), -1, 1, rng);
        Runnable pass = () -> {
            try (Scope s = Scope.open()) {
                model.forward(x);
                model.backward(g);
            }
        };
        model.zeroGrad();
        pass.run();
        java.util.List<float[]> once = new java.util.ArrayList<>();
        for (Parameter p : model.parameters()) once.add(p.grad().toFloatArray());
        pass.run();
        int i = 0;
        for (Parameter p : model.parameters()) {
            float[] one = once.get(i++), two = p.grad().toFloatArray();
            for (int j = 0; j < one.length; j++) assertEquals(2f * one[j], two[j], 1e-5f * (1 + Math.abs(one[j])), p + " element " + j);
        }
        model.zeroGrad();
        for (Parameter p : model.parameters()) for (float v : p.grad().toFloatArray()) assertEquals(0f, v);
        model.zeroGrad();
        pass.run();
        i = 0;
        for (Parameter p : model.parameters()) assertClose(once.get(i++), p.grad().toFloatArray(), p.toString());
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int j = 0; j < want.length; j++) assertEquals(want[j], got[j], 1e-6f * (1 + Math.abs(want[j])), what + " element " + j);
    }
}
