package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vector optimizer updates (parameter and state after several steps) against the scalar oracle on tail sizes. */
class OptimizerPropertyTest {
    private static final int[] SIZES = {1, 7, 13, 17, 31, 127, 1000, 70_001};

    /** Runs `steps` updates on copies with both backends and compares parameter and every state buffer. */
    private static void check(String what, int n, DType dt, Random r, int states, Step step) {
        check(what, n, dt, r, states, step, tol(dt));
    }

    private static void check(String what, int n, DType dt, Random r, int states, Step step, double tol) {
        try (Scope s = Scope.open()) {
            Tensor p0 = random(s, dt, r, n), g = random(s, dt, r, n);
            Tensor p1 = p0.copyTo(s); // a separate copy: each backend updates its own parameter and state
            Tensor[] s0 = new Tensor[states], s1 = new Tensor[states];
            for (int i = 0; i < states; i++) {
                s0[i] = random(s, dt, r, n);
                for (long e = 0; e < n; e++) s0[i].setFlat(e, Math.abs(s0[i].getFlat(e))); // squares are non-negative
                s1[i] = s0[i].copyTo(s);
            }
            assertFalse(p0.sharesStorage(p1), "the two backends must update separate copies");
            for (int t = 1; t <= 3; t++) {
                step.run(SCALAR, p0, g, s0, t);
                step.run(VECTOR, p1, g, s1, t);
            }
            String ctx = what + " n=" + n + " " + dt;
            assertClose(ctx + " param", p0, p1, tol);
            for (int i = 0; i < states; i++) assertClose(ctx + " state " + i, s0[i], s1[i], tol);
        }
    }

    private interface Step {
        void run(Kernels k, Tensor p, Tensor g, Tensor[] st, int t);
    }

    private static void checkAll(int sizeIndex, long seed, DType dt) {
        Random r = new Random(seed);
        int n = SIZES[sizeIndex];
        double wd = r.nextBoolean() ? 0 : 0.01;
        double mom = r.nextBoolean() ? 0 : 0.9;
        boolean nesterov = mom != 0 && r.nextBoolean();
        var sgd = new OptimizerSteps.Sgd(0.1, mom, nesterov ? 0 : 0.1 * r.nextInt(2), nesterov, wd);
        check("sgd " + sgd, n, dt, r, 1, (k, p, g, st, t) -> k.sgdUpdate(p, g, st[0], sgd));
        boolean decoupled = r.nextBoolean();
        check("adam decoupled=" + decoupled, n, dt, r, 2, (k, p, g, st, t) ->
                k.adamUpdate(p, g, st[0], st[1], new OptimizerSteps.Adam(1e-3, 0.9, 0.999, 1e-8, wd, decoupled, t)));
        var rms = new OptimizerSteps.RmsProp(1e-2, 0.99, 1e-8, mom, wd);
        check("rmsprop " + rms, n, dt, r, 2, (k, p, g, st, t) -> k.rmsPropUpdate(p, g, st[0], st[1], rms));
        var ada = new OptimizerSteps.Adadelta(1.0, 0.9, 1e-6, wd);
        check("adadelta " + ada, n, dt, r, 2, (k, p, g, st, t) -> k.adadeltaUpdate(p, g, st[0], st[1], ada));
    }

    @Test
    void matchesScalarF32OnTailSizes() {
        qt().withExamples(30).forAll(integers().between(0, SIZES.length - 1), integers().all())
                .checkAssert((i, seed) -> checkAll(i, seed, DType.F32));
    }

    @Test
    void everyTailSizeF32AndF64() {
        for (int i = 0; i < SIZES.length; i++) {
            checkAll(i, 17 + i, DType.F32);
            if (SIZES[i] < 5000) checkAll(i, 31 + i, DType.F64);
        }
    }

    /**
     * The F64 loops do the oracle's operations in the oracle's order (no FMA contraction in Java), so they must
     * match it exactly: every option combination, every tail size, 70,001 elements split over the threads.
     */
    @Test
    void f64MatchesScalarExactlyForEveryOption() {
        Random r = new Random(41);
        for (int n : SIZES)
            for (int combo = 0; combo < 8; combo++) {
                double wd = (combo & 1) == 0 ? 0 : 0.01, mom = (combo & 2) == 0 ? 0 : 0.9;
                boolean flag = (combo & 4) != 0; // nesterov (with momentum) / decoupled
                var sgd = new OptimizerSteps.Sgd(0.1, mom, mom != 0 && flag ? 0 : 0.1, mom != 0 && flag, wd);
                check("sgd " + sgd, n, DType.F64, r, 1, (k, p, g, st, t) -> k.sgdUpdate(p, g, st[0], sgd), 0);
                check("adam decoupled=" + flag + " wd=" + wd, n, DType.F64, r, 2, (k, p, g, st, t) ->
                        k.adamUpdate(p, g, st[0], st[1], new OptimizerSteps.Adam(1e-3, 0.9, 0.999, 1e-8, wd, flag, t)), 0);
                var rms = new OptimizerSteps.RmsProp(1e-2, 0.99, 1e-8, mom, wd);
                check("rmsprop " + rms, n, DType.F64, r, 2, (k, p, g, st, t) -> k.rmsPropUpdate(p, g, st[0], st[1], rms), 0);
                var ada = new OptimizerSteps.Adadelta(1.0, 0.9, 1e-6, wd);
                check("adadelta " + ada, n, DType.F64, r, 2, (k, p, g, st, t) -> k.adadeltaUpdate(p, g, st[0], st[1], ada), 0);
            }
    }

    @Test
    void nonContiguousParamFallsBack() {
        try (Scope s = Scope.open()) {
            Random r = new Random(9);
            Tensor p0 = randomTransposed(s, DType.F32, r, 5, 7), g = random(s, DType.F32, r, 5, 7);
            Tensor p1 = zeros(s, DType.F32, 7, 5).transpose(0, 1);
            VECTOR.copy(p0, p1);
            Tensor b0 = zeros(s, DType.F32, 5, 7), b1 = zeros(s, DType.F32, 5, 7);
            var sgd = new OptimizerSteps.Sgd(0.1, 0.9, 0, true, 0.01);
            SCALAR.sgdUpdate(p0, g, b0, sgd);
            VECTOR.sgdUpdate(p1, g, b1, sgd);
            assertClose("sgd transposed", p0, p1, 1e-6);
            assertClose("sgd transposed buf", b0, b1, 1e-6);
        }
    }
}
