package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.ConvTestSupport.SCALAR;
import static dev.vectorgrad.kernels.ConvTestSupport.VECTOR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fused conv + bias + ReLU + 2x2 max pool against the unfused layers: vector backend bits, scalar oracle within rounding. */
class ConvPoolF32Test {
    /** Unfused: conv2d, ReLU, max pool 2x2 stride 2 with kernels k. */
    private static Tensor unfused(Kernels k, Scope s, Tensor x, Tensor w, Tensor b, Conv2dSpec spec) {
        int n = x.dim(0), oh = spec.outH(x.dim(2), w.dim(2)), ow = spec.outW(x.dim(3), w.dim(3));
        Tensor conv = Tensor.zeros(s, DType.F32, n, w.dim(0), oh, ow);
        k.conv2d(x, w, b, spec, conv);
        k.biasActivation(conv, null, 1, Activation.RELU, conv);
        Tensor out = Tensor.zeros(s, DType.F32, n, w.dim(0), oh / 2, ow / 2);
        k.maxPool2d(conv, Pool2dSpec.of(2, 2), out, null);
        return out;
    }

    private static Tensor fused(Scope s, Tensor x, Tensor w, Tensor b, Conv2dSpec spec, int kSplit) {
        ConvPoolF32 f = new ConvPoolF32(w, b, spec, x.shape());
        Tensor out = Tensor.zeros(s, DType.F32, f.outputShape());
        f.prepare(x);
        for (int n = 0; n < x.dim(0); n++) {
            // two channel ranges, as two threads would run them
            f.run(out, n, 0, kSplit);
            f.run(out, n, kSplit, w.dim(0));
        }
        return out;
    }

    private static void check(long seed, int n, int c, int k, int h, int wd, int kh, int kw, int pad, boolean withBias) {
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            Tensor x = ConvTestSupport.random(s, DType.F32, r, n, c, h, wd);
            Tensor w = ConvTestSupport.random(s, DType.F32, r, k, c, kh, kw);
            Tensor b = withBias ? ConvTestSupport.random(s, DType.F32, r, k) : null;
            Conv2dSpec spec = Conv2dSpec.of(1, pad);
            String what = "x " + java.util.Arrays.toString(x.shape()) + " w " + java.util.Arrays.toString(w.shape()) + " pad " + pad + " bias " + withBias;
            Tensor got = fused(s, x, w, b, spec, k / 3);
            assertArrayEquals(unfused(VECTOR, s, x, w, b, spec).toFloatArray(), got.toFloatArray(), "vector bits, " + what);
            ConvTestSupport.assertClose("scalar oracle, " + what, unfused(SCALAR, s, x, w, b, spec), got, 1e-5);
        }
    }

    @Test
    void mnistShape() {
        check(1, 1, 1, 32, 28, 28, 3, 3, 0, true);
        check(2, 3, 1, 32, 28, 28, 3, 3, 0, true);
    }

    @Test
    void everyWidthAroundTheVectorBlocks() {
        // widths below, at and above 2L input columns (the shuffled de-interleave, its overlapping and odd last
        // column) and pooled rows of 1 to 2.5 vectors (masked, paired and single blocks), with odd and even padding
        for (int wd = 1; wd <= 44; wd++) {
            for (int pad = 0; pad <= 1; pad++) {
                if (wd + 2 * pad >= 4) check(100 + wd, 1, 1, 3, 5, wd, 3, 3, pad, true);
                if (wd + 2 * pad >= 3) check(200 + wd, 1, 2, 2, 4, wd, 2, 2, pad, false);
            }
        }
    }

    @Test
    void oddSizesChannelsPaddingAndKernels() {
        // widths below and above one vector of pooled columns (masked and overlapping last blocks), odd conv outputs
        // (the dropped row and column), several input channels up to C*KH*KW = 32, padding 0..2
        qt().withExamples(60).withShrinkCycles(10)
                .forAll(integers().between(1, 4), integers().between(1, 7), integers().between(1, 4), longs().all())
                .checkAssert((c, k, kSize, seed) -> {
                    Random r = new Random(seed);
                    int kh = Math.min(kSize, 32 / c), kw = Math.max(1, Math.min(1 + r.nextInt(4), 32 / (c * kh)));
                    int pad = r.nextInt(3);
                    int h = Math.max(kh + 1 - 2 * pad, 1) + r.nextInt(20), wd = Math.max(kw + 1 - 2 * pad, 1) + r.nextInt(45);
                    check(seed, 1 + r.nextInt(2), c, k, h, wd, kh, kw, pad, r.nextBoolean());
                });
    }

    /** Element by element, the raw bits (NaN payloads and the sign of zero included). */
    private static void assertSameBits(String what, float[] expected, float[] got) {
        assertEquals(expected.length, got.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]), what + ", element " + i + ": " + expected[i] + " vs " + got[i]);
        }
    }

    @Test
    void nanAndNegativeZeroFollowTheUnfusedLayers3x3() {
        // the single-channel 3 x 3 path (weights held in registers across the plane): NaN inputs, -0 bias, zero taps
        try (Scope s = Scope.open()) {
            Random r = new Random(6);
            Tensor x = ConvTestSupport.random(s, DType.F32, r, 1, 1, 12, 40);
            x.setFlat(45, Float.NaN);
            x.setFlat(300, Float.NaN);
            x.setFlat(301, Float.POSITIVE_INFINITY);
            Tensor w = ConvTestSupport.random(s, DType.F32, r, 4, 1, 3, 3);
            for (int t = 0; t < 9; t++) w.setFlat(9 + t, 0.0);
            Tensor b = ConvTestSupport.random(s, DType.F32, r, 4);
            b.setFlat(1, -0.0);
            for (int pad = 0; pad <= 1; pad++) {
                Conv2dSpec spec = Conv2dSpec.of(1, pad);
                float[] got = fused(s, x, w, b, spec, 1).toFloatArray();
                assertSameBits("pad " + pad, unfused(VECTOR, s, x, w, b, spec).toFloatArray(), got);
                int nan = 0;
                for (float v : got) if (Float.isNaN(v)) nan++;
                assertTrue(nan > 0, "a NaN input reaches the output");
            }
        }
    }

    @Test
    void nanAndNegativeZeroFollowTheUnfusedLayers() {
        try (Scope s = Scope.open()) {
            Random r = new Random(5);
            Tensor x = ConvTestSupport.random(s, DType.F32, r, 1, 1, 10, 20);
            x.setFlat(23, Float.NaN);
            Tensor w = ConvTestSupport.random(s, DType.F32, r, 3, 1, 1, 1);
            w.setFlat(2, 0.0);
            Tensor b = Tensor.zeros(s, DType.F32, 3);
            b.setFlat(2, -0.0);
            Conv2dSpec spec = Conv2dSpec.of(1, 0);
            float[] got = fused(s, x, w, b, spec, 1).toFloatArray();
            assertSameBits("1x1 kernel", unfused(VECTOR, s, x, w, b, spec).toFloatArray(), got);
            // input (1, 3) is conv (1, 3) with the 1x1 kernel: pooled (0, 1) of every channel (0 * NaN too)
            for (int ch = 0; ch < 3; ch++) assertTrue(Float.isNaN(got[ch * 50 + 1]), "NaN reaches channel " + ch);
        }
    }

    @Test
    void refusesWhatItCannotComputeWithTheSameBits() {
        try (Scope s = Scope.open()) {
            Tensor w = Tensor.zeros(s, DType.F32, 4, 1, 3, 3);
            int[] in = {1, 1, 12, 12};
            Pool2dSpec p2 = Pool2dSpec.of(2, 2);
            assertNull(ConvPoolF32.unsupported(VECTOR, w, null, Conv2dSpec.DEFAULT, p2, in));
            assertNotNull(ConvPoolF32.unsupported(SCALAR, w, null, Conv2dSpec.DEFAULT, p2, in));
            assertNotNull(ConvPoolF32.unsupported(VECTOR, w, null, Conv2dSpec.of(2, 0), p2, in));
            assertNotNull(ConvPoolF32.unsupported(VECTOR, w, null, Conv2dSpec.DEFAULT, Pool2dSpec.of(3, 2), in));
            assertNotNull(ConvPoolF32.unsupported(VECTOR, w, null, Conv2dSpec.DEFAULT, p2, new int[] {1, 2, 12, 12}));
            assertNotNull(ConvPoolF32.unsupported(VECTOR, Tensor.zeros(s, DType.F32, 4, 4, 3, 3), null, Conv2dSpec.DEFAULT, p2, new int[] {1, 4, 12, 12}));
            assertNotNull(ConvPoolF32.unsupported(VECTOR, Tensor.zeros(s, DType.F64, 4, 1, 3, 3), null, Conv2dSpec.DEFAULT, p2, in));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConvPoolF32(w, null, Conv2dSpec.of(2, 0), in));
            assertTrue(e.getMessage().contains("[1, 1, 12, 12]") && e.getMessage().contains("stride"), e.getMessage());
            ConvPoolF32 f = new ConvPoolF32(w, null, Conv2dSpec.DEFAULT, in);
            e = assertThrows(IllegalArgumentException.class, () -> f.prepare(Tensor.zeros(s, DType.F32, 1, 1, 12, 13)));
            assertTrue(e.getMessage().contains("[1, 1, 12, 13]"), e.getMessage());
            Tensor out = Tensor.zeros(s, DType.F32, f.outputShape());
            assertThrows(IllegalStateException.class, () -> f.run(out, 0, 0, 4));
            f.prepare(Tensor.zeros(s, DType.F32, in));
            e = assertThrows(IllegalArgumentException.class, () -> f.run(Tensor.zeros(s, DType.F32, 1, 4, 5, 6), 0, 0, 4));
            assertTrue(e.getMessage().contains("[1, 4, 5, 6]"), e.getMessage());
        }
    }
}
