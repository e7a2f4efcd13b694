package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Expected values are PyTorch's torch.optim results for p = 1.0 with a constant gradient, worked by hand. */
class OptimizerTest {
    private static double[] run(Function<List<Parameter>, Optimizer> make, double grad, int steps) {
        Parameter p = new Parameter(Ops.fill(Tensor.zeros(Scope.shared(), DType.F64, 1), 1.0));
        Optimizer o = make.apply(List.of(p));
        double[] out = new double[steps];
        for (int s = 0; s < steps; s++) {
            Ops.fill(p.grad(), grad);
            o.step();
            out[s] = p.data().getFlat(0);
        }
        return out;
    }

    @Test
    void sgdWithMomentumAndNesterov() {
        double[] plain = run(ps -> Optimizer.sgd(ps, 0.1), 1.0, 2);
        assertEquals(0.9, plain[0], 1e-12);
        assertEquals(0.8, plain[1], 1e-12);
        // buf1 = 1, p = 0.9; buf2 = 0.9 + 1 = 1.9, p = 0.9 - 0.19 = 0.71
        double[] mom = run(ps -> new Optimizer.Sgd(ps, 0.1, 0.9, false, 0), 1.0, 2);
        assertEquals(0.9, mom[0], 1e-12);
        assertEquals(0.71, mom[1], 1e-12);
        // nesterov: d1 = 1 + 0.9 * 1 = 1.9 -> 0.81; buf2 = 1.9, d2 = 1 + 1.71 = 2.71 -> 0.539
        double[] nes = run(ps -> new Optimizer.Sgd(ps, 0.1, 0.9, true, 0), 1.0, 2);
        assertEquals(0.81, nes[0], 1e-12);
        assertEquals(0.539, nes[1], 1e-12);
    }

    @Test
    void adamAndAdamW() {
        // m_hat = g, v_hat = g^2 at every step for a constant gradient: p -= lr * g / (|g| + eps)
        double[] adam = run(ps -> Optimizer.adam(ps, 0.1), 0.5, 2);
        assertEquals(1 - 0.1 * 0.5 / (0.5 + 1e-8), adam[0], 1e-12);
        assertEquals(adam[0] - 0.1 * 0.5 / (0.5 + 1e-8), adam[1], 1e-12);
        double[] adamw = run(ps -> Optimizer.adamW(ps, 0.1, 0.01), 0.5, 1);
        assertEquals(1 * (1 - 0.1 * 0.01) - 0.1 * 0.5 / (0.5 + 1e-8), adamw[0], 1e-12);
    }

    @Test
    void rmsPropAndAdadelta() {
        // sq = 0.01 * 1 -> p = 1 - 0.01 / (0.1 + 1e-8)
        double[] rms = run(ps -> new Optimizer.RmsProp(ps, 0.01), 1.0, 1);
        assertEquals(1 - 0.01 / (0.1 + 1e-8), rms[0], 1e-12);
        // sq = 0.1; delta = sqrt(0 + 1e-6) / sqrt(0.1 + 1e-6) * 1; p = 1 - delta
        double[] ada = run(ps -> new Optimizer.Adadelta(ps, 1.0), 1.0, 1);
        assertEquals(1 - Math.sqrt(1e-6) / Math.sqrt(0.1 + 1e-6), ada[0], 1e-12);
    }

    @Test
    void clippingAndPenalties() {
        Parameter a = new Parameter(Tensor.zeros(Scope.shared(), DType.F32, 1));
        Parameter b = new Parameter(Tensor.zeros(Scope.shared(), DType.F32, 1));
        a.grad().setFlat(0, 3);
        b.grad().setFlat(0, -4);
        assertEquals(5.0, Optimizer.clipGradNorm(List.of(a, b), 1.0), 1e-9);
        assertEquals(0.6, a.grad().getFlat(0), 1e-5);
        assertEquals(-0.8, b.grad().getFlat(0), 1e-5);
        Optimizer.clipGradValue(List.of(a, b), 0.7);
        assertEquals(-0.7, b.grad().getFlat(0), 1e-6);
        a.data().setFlat(0, 2);
        assertEquals(0.5 * 0.1 * 4, Optimizer.l2Penalty(List.of(a), 0.1), 1e-6);
        assertEquals(0.6 + 0.2, a.grad().getFlat(0), 1e-6);
    }

    @Test
    void schedules() {
        LrSchedule st = LrSchedule.step(2, 0.5);
        assertEquals(1.0, st.factor(1));
        assertEquals(0.5, st.factor(2));
        assertEquals(0.25, st.factor(4));
        assertEquals(0.81, LrSchedule.exponential(0.9).factor(2), 1e-12);
        LrSchedule cos = LrSchedule.cosine(10, 0.0);
        assertEquals(1.0, cos.factor(0), 1e-12);
        assertEquals(0.5, cos.factor(5), 1e-12);
        assertEquals(0.0, cos.factor(10), 1e-12);
        LrSchedule w = LrSchedule.warmup(3, LrSchedule.constant());
        assertEquals(0.25, w.factor(0), 1e-12);
        assertEquals(0.75, w.factor(2), 1e-12);
        assertEquals(1.0, w.factor(3), 1e-12);
    }
}
