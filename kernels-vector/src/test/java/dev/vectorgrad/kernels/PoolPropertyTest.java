package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vector max/avg pooling forward and backward against the scalar oracle; ties resolved to the first maximum. */
class PoolPropertyTest {

    private static void checkCase(int n, int c, long seed, DType dt) {
        Random r = new Random(seed);
        int kh = 1 + r.nextInt(3), kw = 1 + r.nextInt(3);
        Pool2dSpec sp = new Pool2dSpec(kh, kw, 1 + r.nextInt(3), 1 + r.nextInt(3), r.nextInt(kh / 2 + 1), r.nextInt(kw / 2 + 1));
        int h = kh + r.nextInt(7), w = kw + r.nextInt(7);
        int oh = sp.outH(h), ow = sp.outW(w);
        boolean ties = r.nextBoolean();
        String ctx = "N=" + n + " C=" + c + " H=" + h + " W=" + w + " " + sp + " " + dt + (ties ? " ties" : "");
        try (Scope s = Scope.open()) {
            Tensor x = r.nextInt(4) == 0 ? randomTransposed(s, dt, r, n, c, h, w) : random(s, dt, r, n, c, h, w);
            if (ties) for (long i = 0; i < x.numel(); i++) x.setFlat(i, r.nextInt(3)); // many equal values per window
            Tensor o0 = zeros(s, dt, n, c, oh, ow), o1 = zeros(s, dt, n, c, oh, ow);
            Tensor a0 = zeros(s, DType.I32, n, c, oh, ow), a1 = zeros(s, DType.I32, n, c, oh, ow);
            SCALAR.maxPool2d(x, sp, o0, a0);
            VECTOR.maxPool2d(x, sp, o1, a1);
            assertClose("max_pool2d " + ctx, o0, o1, 0);
            assertArrayEquals(a0.toIntArray(), a1.toIntArray(), "max_pool2d argmax " + ctx);

            Tensor g = random(s, dt, r, n, c, oh, ow);
            Tensor gi0 = zeros(s, dt, n, c, h, w), gi1 = random(s, dt, r, n, c, h, w);
            SCALAR.maxPool2dBackward(g, a0, sp, gi0);
            VECTOR.maxPool2dBackward(g, a1, sp, gi1);
            assertClose("max_pool2d backward " + ctx, gi0, gi1, tol(dt));

            SCALAR.avgPool2d(x, sp, o0);
            VECTOR.avgPool2d(x, sp, o1);
            assertClose("avg_pool2d " + ctx, o0, o1, tol(dt));
            SCALAR.avgPool2dBackward(g, sp, gi0);
            VECTOR.avgPool2dBackward(g, sp, gi1);
            assertClose("avg_pool2d backward " + ctx, gi0, gi1, tol(dt));
        }
    }

    @Test
    void matchesScalarF32() {
        qt().withExamples(80).forAll(integers().between(1, 3), integers().between(1, 4), integers().all())
                .checkAssert((n, c, seed) -> checkCase(n, c, seed, DType.F32));
    }

    /**
     * Average pooling with windows of one vector and wider (row sums in vector lanes) and global average pooling
     * (the window is the whole plane: one contiguous run), padded and strided, F32 against the oracle.
     */
    @Test
    void wideAndGlobalAvgPoolMatchScalar() {
        Random r = new Random(13);
        int[][] cases = { // n, c, h, w, kh, kw, sh, sw, ph, pw
            {2, 3, 7, 7, 7, 7, 1, 1, 0, 0}, {1, 2, 13, 13, 13, 13, 1, 1, 0, 0}, {2, 2, 6, 29, 6, 29, 1, 1, 0, 0},
            {1, 3, 12, 31, 3, 9, 2, 3, 1, 4}, {2, 1, 9, 40, 4, 17, 3, 5, 2, 8}, {1, 2, 5, 8, 5, 8, 2, 2, 2, 3}};
        for (int[] g : cases)
            for (boolean transposedX : new boolean[] {false, true}) {
                Pool2dSpec sp = new Pool2dSpec(g[4], g[5], g[6], g[7], g[8], g[9]);
                int n = g[0], c = g[1], h = g[2], w = g[3], oh = sp.outH(h), ow = sp.outW(w);
                String ctx = "N=" + n + " C=" + c + " H=" + h + " W=" + w + " " + sp + (transposedX ? " transposed x" : "");
                try (Scope s = Scope.open()) {
                    Tensor x = transposedX ? randomTransposed(s, DType.F32, r, n, c, h, w) : random(s, DType.F32, r, n, c, h, w);
                    Tensor o0 = zeros(s, DType.F32, n, c, oh, ow), o1 = random(s, DType.F32, r, n, c, oh, ow);
                    SCALAR.avgPool2d(x, sp, o0);
                    VECTOR.avgPool2d(x, sp, o1);
                    assertClose("avg_pool2d " + ctx, o0, o1, 1e-5);
                    Tensor go = random(s, DType.F32, r, n, c, oh, ow);
                    Tensor gi0 = zeros(s, DType.F32, n, c, h, w), gi1 = random(s, DType.F32, r, n, c, h, w);
                    SCALAR.avgPool2dBackward(go, sp, gi0);
                    VECTOR.avgPool2dBackward(go, sp, gi1);
                    assertClose("avg_pool2d backward " + ctx, gi0, gi1, 1e-5);
                }
            }
    }

    @Test
    void matchesScalarF64() {
        qt().withExamples(40).forAll(integers().between(1, 3), integers().between(1, 4), integers().all())
                .checkAssert((n, c, seed) -> checkCase(n, c, seed, DType.F64));
    }

    /**
     * The SIMD 2x2 stride-2 max-pool (the CNN layer) against the oracle: widths up to 41 (several vectors plus
     * a tail, odd widths drop the last column), ties, NaNs, and a pool with no argmax.
     */
    @Test
    void maxPool2x2MatchesScalarWithTiesAndNaN() {
        qt().withExamples(60).forAll(integers().between(1, 3), integers().between(2, 41), integers().between(2, 41), integers().all())
                .checkAssert((c, h, w, seed) -> {
                    Random r = new Random(seed);
                    Pool2dSpec sp = Pool2dSpec.of(2, 2);
                    int n = 1 + r.nextInt(2), oh = sp.outH(h), ow = sp.outW(w);
                    int mode = r.nextInt(3); // 0 random, 1 ties, 2 ties and NaNs
                    String ctx = "N=" + n + " C=" + c + " H=" + h + " W=" + w + " mode " + mode;
                    try (Scope s = Scope.open()) {
                        Tensor x = random(s, DType.F32, r, n, c, h, w);
                        if (mode > 0)
                            for (long i = 0; i < x.numel(); i++) x.setFlat(i, mode == 2 && r.nextInt(8) == 0 ? Double.NaN : r.nextInt(3));
                        Tensor o0 = zeros(s, DType.F32, n, c, oh, ow), o1 = zeros(s, DType.F32, n, c, oh, ow), o2 = zeros(s, DType.F32, n, c, oh, ow);
                        Tensor a0 = zeros(s, DType.I32, n, c, oh, ow), a1 = zeros(s, DType.I32, n, c, oh, ow);
                        SCALAR.maxPool2d(x, sp, o0, a0);
                        VECTOR.maxPool2d(x, sp, o1, a1);
                        VECTOR.maxPool2d(x, sp, o2, null);
                        assertClose("max_pool2d 2x2 " + ctx, o0, o1, 0);
                        assertClose("max_pool2d 2x2 without argmax " + ctx, o0, o2, 0);
                        assertArrayEquals(a0.toIntArray(), a1.toIntArray(), "max_pool2d 2x2 argmax " + ctx);
                        Tensor g = random(s, DType.F32, r, n, c, oh, ow);
                        Tensor gi0 = zeros(s, DType.F32, n, c, h, w), gi1 = random(s, DType.F32, r, n, c, h, w);
                        SCALAR.maxPool2dBackward(g, a0, sp, gi0);
                        VECTOR.maxPool2dBackward(g, a1, sp, gi1);
                        assertClose("max_pool2d 2x2 backward " + ctx, gi0, gi1, 0);
                    }
                });
    }

    /**
     * The SIMD 2x2 stride-2 average pool, forward and backward, against the oracle: heights and widths 2..41 (several
     * vectors plus a tail; odd sizes leave a row / column no window covers, which backward must zero), gradIn
     * starting as garbage, and x / gradIn rows padded (row stride W + 3: a view into a wider tensor).
     */
    @Test
    void avgPool2x2MatchesScalar() {
        qt().withExamples(60).forAll(integers().between(1, 3), integers().between(2, 41), integers().between(2, 41), integers().all())
                .checkAssert((c, h, w, seed) -> {
                    Random r = new Random(seed);
                    Pool2dSpec sp = Pool2dSpec.of(2, 2);
                    int n = 1 + r.nextInt(2), oh = sp.outH(h), ow = sp.outW(w);
                    boolean padded = r.nextBoolean();
                    String ctx = "N=" + n + " C=" + c + " H=" + h + " W=" + w + (padded ? " padded rows" : "");
                    try (Scope s = Scope.open()) {
                        Tensor x = padded ? paddedRows(random(s, DType.F32, r, n, c, h, w + 3), w) : random(s, DType.F32, r, n, c, h, w);
                        Tensor o0 = zeros(s, DType.F32, n, c, oh, ow), o1 = random(s, DType.F32, r, n, c, oh, ow);
                        SCALAR.avgPool2d(x, sp, o0);
                        VECTOR.avgPool2d(x, sp, o1);
                        assertClose("avg_pool2d 2x2 " + ctx, o0, o1, 1e-6);
                        Tensor g = random(s, DType.F32, r, n, c, oh, ow);
                        Tensor gi0 = zeros(s, DType.F32, n, c, h, w);
                        Tensor gi1 = padded ? paddedRows(random(s, DType.F32, r, n, c, h, w + 3), w) : random(s, DType.F32, r, n, c, h, w);
                        SCALAR.avgPool2dBackward(g, sp, gi0);
                        VECTOR.avgPool2dBackward(g, sp, gi1);
                        assertClose("avg_pool2d 2x2 backward " + ctx, gi0, gi1, 0);
                    }
                });
    }

    /** The first w columns of t [n, c, h, wide] as a [n, c, h, w] view (rows keep their stride). */
    private static Tensor paddedRows(Tensor t, int w) {
        int[] shape = t.shape().clone();
        shape[3] = w;
        return t.view(shape, new long[] {t.stride(0), t.stride(1), t.stride(2), t.stride(3)}, t.offset());
    }

    @Test
    void nanPropagatesThroughMaxPool() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(s, new float[] {1, Float.NaN, 3, 2}, 1, 1, 2, 2);
            Tensor o0 = zeros(s, DType.F32, 1, 1, 1, 1), o1 = zeros(s, DType.F32, 1, 1, 1, 1);
            Tensor a0 = zeros(s, DType.I32, 1, 1, 1, 1), a1 = zeros(s, DType.I32, 1, 1, 1, 1);
            SCALAR.maxPool2d(x, Pool2dSpec.of(2, 2), o0, a0);
            VECTOR.maxPool2d(x, Pool2dSpec.of(2, 2), o1, a1);
            assertClose("nan max pool", o0, o1, 0);
            assertArrayEquals(new int[] {1}, a1.toIntArray());
        }
    }
}
