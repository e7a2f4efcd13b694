package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vector conv2d forward / backward-data / backward-weight against the scalar oracle over random geometry. */
class ConvPropertyTest {

    /** One random case: geometry drawn from the seed; checks all three passes for one dtype. */
    private static void checkCase(int n, int c, int k, long seed, DType dt) {
        Random r = new Random(seed);
        int kh = 1 + r.nextInt(3), kw = 1 + r.nextInt(3);
        Conv2dSpec sp = new Conv2dSpec(1 + r.nextInt(2), 1 + r.nextInt(2), r.nextInt(3), r.nextInt(3), 1 + r.nextInt(2), 1 + r.nextInt(2));
        int h = Math.max(1 + r.nextInt(8), sp.dilationH() * (kh - 1) + 1);
        int w = Math.max(1 + r.nextInt(8), sp.dilationW() * (kw - 1) + 1);
        boolean transposedX = r.nextInt(4) == 0, withBias = r.nextBoolean();
        int oh = sp.outH(h, kh), ow = sp.outW(w, kw);
        String ctx = "N=" + n + " C=" + c + " K=" + k + " H=" + h + " W=" + w + " kernel " + kh + "x" + kw + " " + sp + " " + dt
                + (transposedX ? " transposed x" : "");
        try (Scope s = Scope.open()) {
            Tensor x = transposedX ? randomTransposed(s, dt, r, n, c, h, w) : random(s, dt, r, n, c, h, w);
            Tensor wt = random(s, dt, r, k, c, kh, kw);
            Tensor b = withBias ? random(s, dt, r, k) : null;
            Tensor exp = zeros(s, dt, n, k, oh, ow), act = zeros(s, dt, n, k, oh, ow);
            SCALAR.conv2d(x, wt, b, sp, exp);
            VECTOR.conv2d(x, wt, b, sp, act);
            assertClose("conv2d " + ctx, exp, act, tol(dt));

            Tensor g = random(s, dt, r, n, k, oh, ow);
            Tensor gi0 = zeros(s, dt, n, c, h, w); // gi1 starts as garbage that must be overwritten, strided when x is
            Tensor gi1 = transposedX ? randomTransposed(s, dt, r, n, c, h, w) : random(s, dt, r, n, c, h, w);
            SCALAR.conv2dBackwardData(g, wt, sp, gi0);
            VECTOR.conv2dBackwardData(g, wt, sp, gi1);
            assertClose("conv2d backward-data " + ctx, gi0, gi1, tol(dt));

            Tensor gw0 = zeros(s, dt, k, c, kh, kw), gw1 = random(s, dt, r, k, c, kh, kw);
            Tensor gb0 = withBias ? zeros(s, dt, k) : null, gb1 = withBias ? random(s, dt, r, k) : null;
            SCALAR.conv2dBackwardWeight(x, g, sp, gw0, gb0);
            VECTOR.conv2dBackwardWeight(x, g, sp, gw1, gb1);
            // Weight gradients sum over N*OH*OW products: scale the tolerance by that count for F32.
            double tw = tol(dt) * (dt == DType.F32 ? Math.max(1, Math.sqrt(n * oh * ow)) : 1);
            assertClose("conv2d backward-weight " + ctx, gw0, gw1, tw);
            if (withBias) assertClose("conv2d backward-bias " + ctx, gb0, gb1, tw);
        }
    }

    @Test
    void matchesScalarF32() {
        qt().withExamples(60).forAll(integers().between(1, 3), integers().between(1, 9), integers().between(1, 9), integers().all())
                .checkAssert((n, c, k, seed) -> checkCase(n, c, k, seed, DType.F32));
    }

    @Test
    void matchesScalarF32ThroughKernelsGemm() {
        int saved = VectorConv.directMaxR, savedW = VectorConv.weightDirectMaxR;
        VectorConv.directMaxR = 0; // every F32 case through im2col + k.gemm instead of the built-in kernels
        VectorConv.weightDirectMaxR = 0;
        try {
            qt().withExamples(25).forAll(integers().between(1, 3), integers().between(1, 6), integers().between(1, 6), integers().all())
                    .checkAssert((n, c, k, seed) -> checkCase(n, c, k, seed, DType.F32));
        } finally {
            VectorConv.directMaxR = saved;
            VectorConv.weightDirectMaxR = savedW;
        }
    }

    @Test
    void matchesScalarF64() {
        qt().withExamples(30).forAll(integers().between(1, 3), integers().between(1, 5), integers().between(1, 6), integers().all())
                .checkAssert((n, c, k, seed) -> checkCase(n, c, k, seed, DType.F64));
    }

    @Test
    void mnistShapeMatchesScalarAndDoesNotAllocateInSteadyState() {
        try (Scope s = Scope.open()) {
            Random r = new Random(4);
            DType dt = DType.F32;
            Tensor x = random(s, dt, r, 4, 1, 28, 28), w = random(s, dt, r, 32, 1, 3, 3), b = random(s, dt, r, 32);
            Tensor exp = zeros(s, dt, 4, 32, 26, 26), act = zeros(s, dt, 4, 32, 26, 26);
            SCALAR.conv2d(x, w, b, Conv2dSpec.DEFAULT, exp);
            VECTOR.conv2d(x, w, b, Conv2dSpec.DEFAULT, act);
            assertClose("mnist conv2d", exp, act, 1e-5);
            Tensor gw = zeros(s, dt, 32, 1, 3, 3), gb = zeros(s, dt, 32), gi = zeros(s, dt, 4, 1, 28, 28);
            VECTOR.conv2dBackwardWeight(x, act, Conv2dSpec.DEFAULT, gw, gb);
            VECTOR.conv2dBackwardData(act, w, Conv2dSpec.DEFAULT, gi);
            // One kernel thread for the count: the scratch is per thread, made on a thread's first call, and with two
            // a worker that found the warm-up's work already taken (a loaded machine) made its own during the counted
            // calls (64094 -> 64095 tensors, a failure seen once). The two-thread steady state is
            // ConvTrainingAllocationTest's (warm rounds first, all threads' bytes).
            int saved = Parallel.threads();
            Parallel.setThreads(1);
            try {
                VECTOR.conv2d(x, w, b, Conv2dSpec.DEFAULT, act);
                VECTOR.conv2dBackwardWeight(x, act, Conv2dSpec.DEFAULT, gw, gb);
                VECTOR.conv2dBackwardData(act, w, Conv2dSpec.DEFAULT, gi);
                long before = Scope.allocationCount();
                for (int i = 0; i < 3; i++) {
                    VECTOR.conv2d(x, w, b, Conv2dSpec.DEFAULT, act);
                    VECTOR.conv2dBackwardWeight(x, act, Conv2dSpec.DEFAULT, gw, gb);
                    VECTOR.conv2dBackwardData(act, w, Conv2dSpec.DEFAULT, gi);
                }
                assertEquals(before, Scope.allocationCount(), "steady-state conv calls must not allocate tensors");
            } finally {
                Parallel.setThreads(saved);
            }
        }
    }

    /**
     * "Same"-size stride-1 layers (3x3 pad 1 as the mid layer, 3x3 dilation 2 pad 2, 5x3 pad 2/1, 1x1) take the
     * bulk-copy im2col; with C*9 > 64 backward-weight runs the batched GEMM. Widths leave vector tails.
     */
    @Test
    void samePaddingLayersMatchScalar() {
        Conv2dSpec[] specs = {Conv2dSpec.of(1, 1), new Conv2dSpec(1, 1, 2, 2, 2, 2), new Conv2dSpec(1, 1, 2, 1, 1, 1), Conv2dSpec.of(1, 0)};
        int[][] kernels = {{3, 3}, {3, 3}, {5, 3}, {1, 1}};
        Random r = new Random(11);
        for (int t = 0; t < specs.length; t++)
            for (int[] g : new int[][] {{2, 9, 6, 7, 11}, {3, 3, 5, 1, 17}}) {
                Conv2dSpec sp = specs[t];
                int n = g[0], c = g[1], k = g[2], h = g[3], w = g[4], kh = kernels[t][0], kw = kernels[t][1];
                int oh = sp.outH(h, kh), ow = sp.outW(w, kw);
                String ctx = "N=" + n + " C=" + c + " K=" + k + " H=" + h + " W=" + w + " kernel " + kh + "x" + kw + " " + sp;
                try (Scope s = Scope.open()) {
                    DType dt = DType.F32;
                    Tensor x = random(s, dt, r, n, c, h, w), wt = random(s, dt, r, k, c, kh, kw), b = random(s, dt, r, k);
                    Tensor exp = zeros(s, dt, n, k, oh, ow), act = random(s, dt, r, n, k, oh, ow);
                    SCALAR.conv2d(x, wt, b, sp, exp);
                    VECTOR.conv2d(x, wt, b, sp, act);
                    assertClose("conv2d " + ctx, exp, act, tol(dt));
                    Tensor go = random(s, dt, r, n, k, oh, ow);
                    Tensor gi0 = zeros(s, dt, n, c, h, w), gi1 = random(s, dt, r, n, c, h, w);
                    SCALAR.conv2dBackwardData(go, wt, sp, gi0);
                    VECTOR.conv2dBackwardData(go, wt, sp, gi1);
                    assertClose("conv2d backward-data " + ctx, gi0, gi1, tol(dt));
                    Tensor gw0 = zeros(s, dt, k, c, kh, kw), gw1 = random(s, dt, r, k, c, kh, kw), gb0 = zeros(s, dt, k), gb1 = random(s, dt, r, k);
                    SCALAR.conv2dBackwardWeight(x, go, sp, gw0, gb0);
                    VECTOR.conv2dBackwardWeight(x, go, sp, gw1, gb1);
                    double tw = tol(dt) * Math.sqrt(n * oh * ow);
                    assertClose("conv2d backward-weight " + ctx, gw0, gw1, tw);
                    assertClose("conv2d backward-bias " + ctx, gb0, gb1, tw);
                }
            }
    }

    /**
     * The stride-1 row kernel of backward-weight (no im2col) needs output rows of at least one vector, which the
     * random geometry above rarely draws: widths 8..29 here (rows with and without a partial last vector), odd
     * channel counts (the last channel pair is one channel twice), tap counts 1, 6, 8, 9, 18 (4-tap blocks,
     * leftovers, the bias on a dummy tap), padding, dilation, transposed x; checked against the oracle with the
     * row kernel on and off (then the dot path runs).
     */
    @Test
    void strideOneWeightRowsMatchScalar() {
        int[][] cases = { // n, c, k, h, w, kh, kw, padH, padW, dilH, dilW
            {3, 1, 5, 28, 28, 3, 3, 0, 0, 1, 1}, {2, 1, 4, 10, 8, 1, 1, 0, 0, 1, 1}, {2, 2, 3, 9, 13, 2, 2, 1, 0, 1, 1},
            {1, 1, 7, 12, 17, 2, 3, 1, 1, 2, 1}, {2, 2, 2, 11, 11, 3, 3, 1, 1, 1, 2}, {1, 3, 6, 7, 23, 1, 3, 0, 2, 1, 3},
            {2, 1, 2, 364, 364, 3, 3, 1, 1, 1, 1}}; // > 2^18 padded elements: the padded copy runs on the workers
        Random r = new Random(23);
        boolean saved = VectorConv.weightRows;
        try {
            for (int[] g : cases)
                for (boolean rows : new boolean[] {true, false})
                    for (boolean transposedX : new boolean[] {false, true}) {
                        VectorConv.weightRows = rows;
                        Conv2dSpec sp = new Conv2dSpec(1, 1, g[7], g[8], g[9], g[10]);
                        int n = g[0], c = g[1], k = g[2], h = g[3], w = g[4], kh = g[5], kw = g[6];
                        int oh = sp.outH(h, kh), ow = sp.outW(w, kw);
                        String ctx = "N=" + n + " C=" + c + " K=" + k + " H=" + h + " W=" + w + " kernel " + kh + "x" + kw + " " + sp
                                + " rows=" + rows + (transposedX ? " transposed x" : "");
                        try (Scope s = Scope.open()) {
                            DType dt = DType.F32;
                            Tensor x = transposedX ? randomTransposed(s, dt, r, n, c, h, w) : random(s, dt, r, n, c, h, w);
                            Tensor go = random(s, dt, r, n, k, oh, ow);
                            boolean bias = k % 2 == 0;
                            Tensor gw0 = zeros(s, dt, k, c, kh, kw), gw1 = random(s, dt, r, k, c, kh, kw);
                            Tensor gb0 = bias ? zeros(s, dt, k) : null, gb1 = bias ? random(s, dt, r, k) : null;
                            SCALAR.conv2dBackwardWeight(x, go, sp, gw0, gb0);
                            VECTOR.conv2dBackwardWeight(x, go, sp, gw1, gb1);
                            double tw = tol(dt) * Math.sqrt(n * oh * ow);
                            assertClose("conv2d backward-weight " + ctx, gw0, gw1, tw);
                            if (bias) assertClose("conv2d backward-bias " + ctx, gb0, gb1, tw);
                            // A NaN in x: the row kernel would multiply it by a masked-off zero, so it hands over to
                            // the dot path; weights whose taps never see it stay finite as in the oracle.
                            x.setFlat(x.numel() / 2, Float.NaN);
                            SCALAR.conv2dBackwardWeight(x, go, sp, gw0, gb0);
                            VECTOR.conv2dBackwardWeight(x, go, sp, gw1, gb1);
                            assertClose("conv2d backward-weight, NaN in x, " + ctx, gw0, gw1, tw);
                        }
                    }
        } finally {
            VectorConv.weightRows = saved;
        }
    }

    /**
     * Backward-data on rows wide enough for the vectorised col2im row add (one or more vectors plus a tail, F32
     * and F64), strides 1 and 2 (the strided scatter), padding and dilation, transposed gradIn; through the
     * built-in kernel, through k.gemm + col2im and through the stride-1 forward-convolution form.
     */
    @Test
    void backwardDataWideRowsMatchScalar() {
        int[][] cases = { // n, c, k, h, w, kh, kw, stride, padH, padW, dilH, dilW
            {2, 1, 5, 28, 28, 3, 3, 1, 0, 0, 1, 1}, {1, 3, 4, 9, 29, 3, 3, 1, 1, 1, 1, 1}, {2, 2, 3, 7, 13, 2, 5, 1, 0, 2, 1, 2},
            {1, 2, 6, 6, 21, 3, 3, 2, 1, 1, 1, 1}, {1, 1, 2, 5, 8, 1, 1, 1, 0, 0, 1, 1}, {2, 2, 2, 4, 17, 1, 3, 1, 0, 1, 1, 1}, {1, 3, 2, 6, 11, 3, 3, 1, 3, 1, 1, 1}};
        Random r = new Random(31);
        int saved = VectorConv.directMaxR;
        boolean savedAsConv = VectorConv.dataAsConv;
        int savedMinC = VectorConv.dataAsConvMinC;
        try {
            for (int[] g : cases)
                for (DType dt : new DType[] {DType.F32, DType.F64})
                    for (int directMaxR : new int[] {saved, 0})
                        for (int mode = 0; mode < 4; mode++) {
                            boolean transposed = (mode & 1) != 0, asConv = (mode & 2) != 0;
                            VectorConv.directMaxR = directMaxR;
                            VectorConv.dataAsConv = asConv;
                            VectorConv.dataAsConvMinC = asConv ? 1 : savedMinC;
                            Conv2dSpec sp = new Conv2dSpec(g[7], g[7], g[8], g[9], g[10], g[11]);
                            int n = g[0], c = g[1], k = g[2], h = g[3], w = g[4], kh = g[5], kw = g[6];
                            int oh = sp.outH(h, kh), ow = sp.outW(w, kw);
                            String ctx = "N=" + n + " C=" + c + " K=" + k + " H=" + h + " W=" + w + " kernel " + kh + "x" + kw + " " + sp
                                    + " " + dt + " directMaxR=" + directMaxR + " dataAsConv=" + asConv + (transposed ? " transposed gradIn" : "");
                            try (Scope s = Scope.open()) {
                                Tensor wt = random(s, dt, r, k, c, kh, kw), go = random(s, dt, r, n, k, oh, ow);
                                Tensor gi0 = zeros(s, dt, n, c, h, w);
                                Tensor gi1 = transposed ? randomTransposed(s, dt, r, n, c, h, w) : random(s, dt, r, n, c, h, w);
                                SCALAR.conv2dBackwardData(go, wt, sp, gi0);
                                VECTOR.conv2dBackwardData(go, wt, sp, gi1);
                                assertClose("conv2d backward-data " + ctx, gi0, gi1, tol(dt));
                            }
                        }
        } finally {
            VectorConv.directMaxR = saved;
            VectorConv.dataAsConv = savedAsConv;
            VectorConv.dataAsConvMinC = savedMinC;
        }
    }

    /**
     * Backward-weight through im2col + GEMM with K >= 8 (gradOut transposed per image in 8 x 8 blocks, F32) and
     * block edges in both K and OH*OW; the row kernels off so every case takes the GEMM form.
     */
    @Test
    void backwardWeightGemmTransposeBlocksMatchScalar() {
        int[][] cases = {{2, 3, 8, 8, 8, 1}, {1, 2, 13, 9, 9, 0}, {2, 1, 17, 10, 7, 1}, {1, 4, 16, 5, 12, 0}}; // n, c, k, h, w, pad
        boolean savedRows = VectorConv.weightRows;
        int savedW = VectorConv.weightDirectMaxR;
        VectorConv.weightRows = false;
        VectorConv.weightDirectMaxR = 0;
        Random r = new Random(57);
        try {
            for (int[] g : cases) {
                Conv2dSpec sp = new Conv2dSpec(1, 1, g[5], g[5], 1, 1);
                int n = g[0], c = g[1], k = g[2], h = g[3], w = g[4], oh = sp.outH(h, 3), ow = sp.outW(w, 3);
                try (Scope s = Scope.open()) {
                    Tensor x = random(s, DType.F32, r, n, c, h, w), go = random(s, DType.F32, r, n, k, oh, ow);
                    Tensor gw0 = zeros(s, DType.F32, k, c, 3, 3), gw1 = random(s, DType.F32, r, k, c, 3, 3);
                    Tensor gb0 = zeros(s, DType.F32, k), gb1 = random(s, DType.F32, r, k);
                    SCALAR.conv2dBackwardWeight(x, go, sp, gw0, gb0);
                    VECTOR.conv2dBackwardWeight(x, go, sp, gw1, gb1);
                    String ctx = "N=" + n + " C=" + c + " K=" + k + " H=" + h + " W=" + w + " pad " + g[5];
                    double tw = tol(DType.F32) * Math.sqrt(n * oh * ow);
                    assertClose("conv2d backward-weight " + ctx, gw0, gw1, tw);
                    assertClose("conv2d backward-bias " + ctx, gb0, gb1, tw);
                }
            }
        } finally {
            VectorConv.weightRows = savedRows;
            VectorConv.weightDirectMaxR = savedW;
        }
    }

    @Test
    void nonViewableOutputFallsBackCorrectly() {
        try (Scope s = Scope.open()) {
            Random r = new Random(7);
            Tensor x = random(s, DType.F32, r, 2, 3, 6, 5), w = random(s, DType.F32, r, 4, 3, 3, 3);
            Tensor exp = zeros(s, DType.F32, 2, 4, 4, 3);
            Tensor act = zeros(s, DType.F32, 2, 4, 3, 4).transpose(2, 3);
            SCALAR.conv2d(x, w, null, Conv2dSpec.DEFAULT, exp);
            VECTOR.conv2d(x, w, null, Conv2dSpec.DEFAULT, act);
            assertClose("conv2d into transposed out", exp, act, 1e-5);
        }
    }

    @Test
    void badInputNamesTheShapes() {
        try (Scope s = Scope.open()) {
            Tensor x = zeros(s, DType.F32, 1, 1, 4, 4);
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> Ops.conv2d(x, zeros(s, DType.F32, 2, 1, 5, 5), null, Conv2dSpec.DEFAULT));
            assertTrue(big.getMessage().contains("[2, 1, 5, 5]") || big.getMessage().contains("5x5"), big.getMessage());
            IllegalArgumentException ch = assertThrows(IllegalArgumentException.class,
                    () -> Ops.conv2d(x, zeros(s, DType.F32, 2, 3, 3, 3), null, Conv2dSpec.DEFAULT));
            assertTrue(ch.getMessage().contains("channel") && ch.getMessage().contains("[1, 1, 4, 4]"), ch.getMessage());
        }
    }
}
