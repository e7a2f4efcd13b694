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

    /**
     * The fused tanh (the Tanh module: no bias; Linear / Conv2d with a tanh: x + bias first) and the unary tanh op
     * are one function: VMath.tanh in the vector body, Math.tanh in the tail. Bit for bit, on dense and conv
     * layouts with tails, including saturated, zero, -0 and NaN inputs.
     */
    @Test
    void fusedTanhIsTheUnaryTanhBitForBit() {
        Random r = new Random(31);
        for (int[] shape : new int[][] {{3, 37}, {2, 3, 5, 7}, {1, 8}, {1, 1}})
            try (Scope s = Scope.open()) {
                Tensor x = random(s, DType.F32, r, shape), bias = random(s, DType.F32, r, shape[1]);
                for (long i = 0; i < x.numel(); i++) {
                    int pick = r.nextInt(12);
                    x.setFlat(i, pick == 0 ? Double.NaN : pick == 1 ? -0.0 : pick == 2 ? 30 * (r.nextBoolean() ? 1 : -1) : x.getFlat(i) * 6);
                }
                Tensor fused = zeros(s, DType.F32, shape), unary = zeros(s, DType.F32, shape), shifted = zeros(s, DType.F32, shape);
                VECTOR.biasActivation(x, null, 1, Activation.TANH, fused);
                VECTOR.unary(UnaryOp.TANH, x, unary);
                assertSameBits("tanh without bias " + java.util.Arrays.toString(shape), unary, fused);
                VECTOR.biasActivation(x, bias, 1, Activation.TANH, fused);
                VECTOR.biasActivation(x, bias, 1, Activation.IDENTITY, shifted);
                VECTOR.unary(UnaryOp.TANH, shifted, unary);
                assertSameBits("tanh with bias " + java.util.Arrays.toString(shape), unary, fused);
            }
    }

    /** Same float bits everywhere (so -0 vs +0 fails), any NaN matching any NaN. */
    private static void assertSameBits(String what, Tensor expected, Tensor actual) {
        for (long i = 0; i < expected.numel(); i++) {
            float e = (float) expected.getFlat(i), a = (float) actual.getFlat(i);
            if (Float.isNaN(e) && Float.isNaN(a)) continue;
            if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(a)) {
                throw new AssertionError(what + ": element " + i + " expected " + e + " got " + a);
            }
        }
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
