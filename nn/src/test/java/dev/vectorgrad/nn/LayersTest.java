package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class LayersTest {
    private static Tensor rand(Rng rng, int... shape) {
        return Ops.normal(Tensor.zeros(DType.F32, shape), 0, 1, rng);
    }

    @Test
    void reluThenMaxPoolRunsPooledFirstWithTheSameBits() {
        // Sequential runs ReLU -> MaxPool2d as pool -> ReLU (forward and backward). Against the layers driven one
        // by one in the written order, on two models with the same parameters: the same logits, input gradient
        // and parameter gradients, bit for bit. Half of each image is zero, so whole windows tie at the conv bias
        // (positive for some channels: ties among positive maxima; negative for others: no gradient).
        for (long seed = 1; seed <= 3; seed++) {
            Scope p = Scope.shared();
            Sequential a = new Sequential(new Conv2d(p, 2, 6, 3, new Rng(seed)), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(p, 6 * 4 * 4, 5, new Rng(seed + 10)));
            Sequential b = new Sequential(new Conv2d(p, 2, 6, 3, new Rng(seed)), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(p, 6 * 4 * 4, 5, new Rng(seed + 10)));
            Rng rng = new Rng(seed + 20);
            Tensor x = rand(rng, 3, 2, 10, 10);
            for (int i = 0; i < x.numel(); i++) if ((i / 10) % 10 < 5) x.setFlat(i, 0.0);
            Tensor g = rand(rng, 3, 5);
            a.zeroGrad();
            b.zeroGrad();
            float[] ya = a.forward(x).toFloatArray();
            float[] gxa = a.backward(g).toFloatArray();
            Tensor cur = x;
            for (Module m : b.layers()) cur = m.forward(cur);
            float[] yb = cur.toFloatArray();
            Tensor gb = g;
            for (int i = b.size() - 1; i >= 0; i--) gb = b.get(i).backward(gb);
            assertArrayEquals(yb, ya, "logits, seed " + seed);
            assertArrayEquals(gb.toFloatArray(), gxa, "input gradient, seed " + seed);
            var pa = a.parameters();
            var pb = b.parameters();
            for (int i = 0; i < pa.size(); i++) assertArrayEquals(pb.get(i).grad().toFloatArray(), pa.get(i).grad().toFloatArray(), "parameter " + i + ", seed " + seed);
        }
    }

    @Test
    void namesFollowTheModuleTree() {
        Rng rng = new Rng(1);
        Scope p = Scope.shared();
        Sequential m = new Sequential(new Conv2d(p, 1, 2, 3, rng), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(p, 2 * 3 * 3, 4, rng), new Sequential(new Linear(p, 4, 2, rng), BatchNorm.batchNorm1d(p, 2)));
        assertEquals(List.of("0.weight", "0.bias", "4.weight", "4.bias", "5.0.weight", "5.0.bias", "5.1.weight", "5.1.bias"),
                List.copyOf(m.namedParameters().keySet()));
        assertTrue(m.stateDict().containsKey("5.1.running_mean"));
        assertEquals(2 * 9 + 2 + 18 * 4 + 4 + 8 + 2 + 2 + 2, m.parameterCount());
        try (Scope s = Scope.open()) {
            Tensor y = m.forward(rand(rng, 5, 1, 8, 8));
            assertArrayEquals(new int[] {5, 2}, y.shape());
        }
        m.eval();
        assertTrue(!((Module) m.get(5)).isTraining());
    }

    @Test
    void badInputNamesTheShapes() {
        Linear lin = new Linear(Scope.shared(), 3, 2, new Rng(1));
        try (Scope s = Scope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> lin.forward(Tensor.zeros(DType.F32, 4, 5)));
            assertTrue(e.getMessage().contains("[4, 5]") || e.getMessage().contains("4, 5"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> BatchNorm.batchNorm2d(Scope.shared(), 3).forward(Tensor.zeros(DType.F32, 2, 4, 2, 2)));
            assertThrows(IllegalStateException.class, () -> new ReLU().backward(Tensor.zeros(DType.F32, 2)));
        }
    }

    /** Checks backward against central differences of L = sum(forward(x) * r) for the input and every parameter. */
    private static void gradCheck(Module m, Supplier<Tensor> input, double tol) {
        Rng rng = new Rng(99);
        try (Scope s = Scope.open()) {
            Tensor x = input.get();
            m.train();
            m.zeroGrad();
            Tensor y = m.forward(x);
            Tensor r = rand(rng, y.shape());
            Tensor gx = m.backward(r);
            List<Tensor> targets = new java.util.ArrayList<>();
            List<Tensor> grads = new java.util.ArrayList<>();
            targets.add(x);
            grads.add(gx);
            for (Parameter p : m.parameters()) { targets.add(p.data()); grads.add(p.grad()); }
            double eps = 1e-2;
            for (int t = 0; t < targets.size(); t++) {
                Tensor v = targets.get(t);
                long n = v.numel();
                for (long i = 0; i < n; i += Math.max(1, n / 7)) {
                    double orig = v.getFlat(i);
                    v.setFlat(i, orig + eps);
                    double lp = dot(m.forward(x), r);
                    v.setFlat(i, orig - eps);
                    double lm = dot(m.forward(x), r);
                    v.setFlat(i, orig);
                    double num = (lp - lm) / (2 * eps);
                    double an = grads.get(t).getFlat(i);
                    assertEquals(num, an, tol * Math.max(1, Math.abs(num)), m.getClass().getSimpleName() + " tensor " + t + " element " + i);
                }
            }
        }
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (long i = 0; i < a.numel(); i++) s += a.getFlat(i) * b.getFlat(i);
        return s;
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Rng rng = new Rng(7);
        Scope p = Scope.shared();
        gradCheck(new Linear(p, 5, 3, rng), () -> rand(rng, 4, 5), 2e-2);
        gradCheck(new Conv2d(p, 2, 3, 3, Conv2dSpec.of(1, 1), true, rng), () -> rand(rng, 2, 2, 5, 5), 2e-2);
        gradCheck(new Sequential(new Tanh(), new Sigmoid()), () -> rand(rng, 3, 4), 2e-2);
        gradCheck(new GELU(), () -> rand(rng, 3, 4), 2e-2);
        gradCheck(new Softmax(), () -> rand(rng, 3, 5), 2e-2);
        gradCheck(new LogSoftmax(), () -> rand(rng, 3, 5), 2e-2);
        gradCheck(new AvgPool2d(2), () -> rand(rng, 2, 2, 4, 4), 2e-2);
        gradCheck(BatchNorm.batchNorm1d(p, 3), () -> rand(rng, 6, 3), 3e-2);
        gradCheck(BatchNorm.batchNorm2d(p, 2), () -> rand(rng, 3, 2, 3, 3), 3e-2);
        // Max pooling and ReLU: inputs kept away from ties and zero so the derivative exists.
        gradCheck(new Sequential(new MaxPool2d(2), new Flatten(), new ReLU()), () -> {
            Tensor x = Tensor.zeros(DType.F32, 1, 2, 4, 4);
            for (int i = 0; i < 32; i++) x.setFlat(i, (i * 7 % 32) * 0.25 - 4.1);
            return x;
        }, 2e-2);
    }

    @Test
    void dropoutScalesKeptAndIsIdentityInEval() {
        Dropout d = new Dropout(0.5, new Rng(3));
        try (Scope s = Scope.open()) {
            Tensor x = Ops.fill(Tensor.zeros(DType.F32, 1000), 1.0);
            Tensor y = d.forward(x);
            int zeros = 0;
            for (int i = 0; i < 1000; i++) {
                double v = y.getFlat(i);
                assertTrue(v == 0 || v == 2, "value " + v);
                if (v == 0) zeros++;
            }
            assertTrue(zeros > 400 && zeros < 600, "zeros " + zeros);
            Tensor g = d.backward(Ops.fill(Tensor.zeros(DType.F32, 1000), 1.0));
            for (int i = 0; i < 1000; i++) assertEquals(y.getFlat(i), g.getFlat(i));
            d.eval();
            assertTrue(d.forward(x) == x);
        }
    }

    @Test
    void batchNormEvalUsesRunningStatistics() {
        BatchNorm bn = BatchNorm.batchNorm1d(Scope.shared(), 1);
        try (Scope s = Scope.open()) {
            bn.forward(Tensor.of(new float[] {1, 3}, 2, 1));
            assertEquals(0.2, bn.runningMean().getFlat(0), 1e-6); // 0.9 * 0 + 0.1 * 2
            assertEquals(0.9 + 0.1 * 2.0, bn.runningVar().getFlat(0), 1e-6); // unbiased variance 2
            bn.eval();
            Tensor y = bn.forward(Tensor.of(new float[] {0.2f}, 1, 1));
            assertEquals(0.0, y.getFlat(0), 1e-6);
        }
    }

    @Test
    void sameSeedSameParametersBitForBit() {
        Tensor a = new Linear(Scope.shared(), 7, 5, new Rng(11)).weight().data();
        Tensor b = new Linear(Scope.shared(), 7, 5, new Rng(11)).weight().data();
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        Tensor c = Init.xavierUniform(Tensor.zeros(Scope.shared(), DType.F32, 50, 40), 1.0, new Rng(5));
        double bound = Math.sqrt(6.0 / 90);
        for (float v : c.toFloatArray()) assertTrue(Math.abs(v) <= bound);
        Tensor h = Init.heNormal(Tensor.zeros(Scope.shared(), DType.F32, 200, 100), new Rng(5));
        double sq = 0;
        for (float v : h.toFloatArray()) sq += v * v;
        assertEquals(2.0 / 100, sq / 20000, 0.002);
    }
}
