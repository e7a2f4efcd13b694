package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.ConvTestSupport.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Fused bias + activation forward and backward (dense [n, f] and conv [n, c, h, w] layouts) against the oracle. */
class ActivationPropertyTest {

    private static void checkCase(int a, int b, long seed, DType dt) {
        Random r = new Random(seed);
        boolean conv = r.nextBoolean(), withBias = r.nextInt(4) != 0, transposed = r.nextInt(5) == 0;
        int[] shape = conv ? new int[] {a, b, 1 + r.nextInt(6), 1 + r.nextInt(6)} : new int[] {a, b};
        try (Scope s = Scope.open()) {
            Tensor x = transposed ? randomTransposed(s, dt, r, shape) : random(s, dt, r, shape);
            for (long i = 0; i < x.numel(); i++) {
                int pick = r.nextInt(10);
                if (pick == 0) x.setFlat(i, 0);
                else if (pick == 1) x.setFlat(i, r.nextBoolean() ? 100 : -100); // saturated sigmoid / tanh
                else x.setFlat(i, x.getFlat(i) * 5);
            }
            Tensor bias = withBias ? random(s, dt, r, b) : null;
            for (Activation act : Activation.values()) {
                String ctx = act + " shape " + java.util.Arrays.toString(shape) + " " + dt + (withBias ? " bias" : "") + (transposed ? " transposed" : "");
                Tensor y0 = zeros(s, dt, shape), y1 = random(s, dt, r, shape);
                SCALAR.biasActivation(x, bias, 1, act, y0);
                VECTOR.biasActivation(x, bias, 1, act, y1);
                assertClose("bias_activation " + ctx, y0, y1, tol(dt));
                Tensor g = random(s, dt, r, shape), gi0 = zeros(s, dt, shape), gi1 = random(s, dt, r, shape);
                SCALAR.activationBackward(act, y0, g, gi0);
                VECTOR.activationBackward(act, y0, g, gi1);
                assertClose("activation_backward " + ctx, gi0, gi1, tol(dt));
            }
        }
    }

    @Test
    void matchesScalarF32() {
        qt().withExamples(100).forAll(integers().between(1, 5), integers().between(1, 37), integers().all())
                .checkAssert((a, b, seed) -> checkCase(a, b, seed, DType.F32));
    }

    @Test
    void matchesScalarF64() {
        qt().withExamples(20).forAll(integers().between(1, 4), integers().between(1, 20), integers().all())
                .checkAssert((a, b, seed) -> checkCase(a, b, seed, DType.F64));
    }

    @Test
    void reluKeepsNaNAndMapsNegativeZeroToZero() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(s, new float[] {Float.NaN, -0f, -1f, 2f, 0.5f, -3f, 7f, Float.NEGATIVE_INFINITY, 1f}, 1, 9);
            Tensor y0 = zeros(s, DType.F32, 1, 9), y1 = zeros(s, DType.F32, 1, 9);
            SCALAR.biasActivation(x, null, 1, Activation.RELU, y0);
            VECTOR.biasActivation(x, null, 1, Activation.RELU, y1);
            assertClose("relu specials", y0, y1, 0);
        }
    }
}
