package dev.vectorgrad.nativ.jni;

import static dev.vectorgrad.nativ.jni.NativeTestSupport.ORACLE;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.TAILS;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.assertClose;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.assertWithinBound;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.dup;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.nativeOnly;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.random;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.u;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vectorgrad.kernels.Activation;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.OptimizerSteps;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The C++ kernels against {@link dev.vectorgrad.kernels.ScalarKernels} on the tail sizes, for every op the
 * native backend implements, F32 and F64. The native backend runs over a fallback that fails, so a case it
 * declined would fail here rather than pass through Java.
 *
 * <p>Tolerances: ops that compute in double and round once (reductions, softmax, losses, optimizers, pooling)
 * must agree to a few units of the output dtype's roundoff u. Elementwise ops computed in float by libm are
 * allowed 4u relative (libm's float functions are within 1-2 ulp, plus the oracle's own rounding); GELU and
 * TANH also get 4u absolute because 1 + tanh(.) cancels. GEMM and convolution are checked against the
 * classic forward error bound |fl(A B) - A B| <= gamma_k |A| |B| with gamma_k = k u / (1 - k u), computed
 * per element from |A| |B|.
 */
class JniKernelsConformanceTest {
    private final SplittableRandom rnd = new SplittableRandom(42);

    @BeforeEach
    void requireLibrary() {
        NativeTestSupport.assumeNative();
    }

    private static double[] domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RECIPROCAL -> new double[] {0.05, 4};
            case EXP -> new double[] {-20, 20};
            default -> new double[] {-6, 6};
        };
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void unaryMatchesOracle(DType dt) {
        var k = nativeOnly();
        for (UnaryOp op : UnaryOp.values()) {
            double[] d = domain(op);
            for (int n : TAILS) {
                Tensor x = random(rnd, dt, d[0], d[1], n);
                Tensor want = Tensor.zeros(dt, n), got = Tensor.zeros(dt, n);
                ORACLE.unary(op, x, want);
                k.unary(op, x, got);
                double atol = (op == UnaryOp.GELU || op == UnaryOp.TANH) ? 4 * u(dt) : 0;
                assertClose(op + " " + dt + " n=" + n, want, got, atol, 4 * u(dt));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void unaryInPlaceAndSpecialValues(DType dt) {
        var k = nativeOnly();
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1e-30, -1e-30, 50, -50, 800, -800};
        for (UnaryOp op : UnaryOp.values()) {
            Tensor x = Tensor.zeros(dt, specials.length);
            for (int i = 0; i < specials.length; i++) x.setFlat(i, specials[i]);
            Tensor want = Tensor.zeros(dt, specials.length);
            ORACLE.unary(op, x, want);
            k.unary(op, x, x); // in place: out is the input
            assertClose(op + " " + dt + " specials", want, x, 4 * u(dt), 4 * u(dt));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void binaryAndScalarMatchOracle(DType dt) {
        var k = nativeOnly();
        for (BinaryOp op : BinaryOp.values()) {
            for (int n : TAILS) {
                Tensor a = op == BinaryOp.POW ? random(rnd, dt, 0.1, 3, n) : random(rnd, dt, -3, 3, n);
                Tensor b = op == BinaryOp.POW ? random(rnd, dt, -2, 2, n) : random(rnd, dt, 0.5, 3, n);
                if (n > 3) a.setFlat(n / 2, Double.NaN); // NaN propagates through every op
                Tensor want = Tensor.zeros(dt, n), got = Tensor.zeros(dt, n);
                ORACLE.binary(op, a, b, want);
                k.binary(op, a, b, got);
                assertClose(op + " " + dt + " n=" + n, want, got, 0, 2 * u(dt));
                double s = op == BinaryOp.POW ? 1.7 : -0.75;
                ORACLE.binaryScalar(op, a, s, want);
                k.binaryScalar(op, a, s, got);
                assertClose(op + " scalar " + dt + " n=" + n, want, got, 0, 2 * u(dt));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void fillWritesEveryElement(DType dt) {
        var k = nativeOnly();
        for (int n : TAILS) {
            Tensor t = random(rnd, dt, -1, 1, n);
            k.fill(t, 2.5);
            for (long i = 0; i < n; i++) assertEquals(2.5, t.getFlat(i), dt + " n=" + n + " i=" + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void reductionsMatchOracle(DType dt) {
        var k = nativeOnly();
        for (ReduceOp op : ReduceOp.values()) {
            for (int n : TAILS) {
                Tensor x = random(rnd, dt, -2, 3, n);
                // Sums accumulate in double in both, in different orders: each is within gamma_n sum|x| of the
                // exact sum (|x| <= 3), so they differ by at most 2 gamma_n 3n; then one rounding to the dtype.
                double sumBound = 2 * n * 0x1p-53 * 3.0 * n * 1.01;
                double want = ORACLE.reduceAll(op, x), got = k.reduceAll(op, x);
                assertEquals(want, got, sumBound + 1e-15 * Math.abs(want), op + " all " + dt + " n=" + n);
                // Along the last axis of [3, n] and the first axis of [n, 3] (inner stride 3).
                for (int[] shape : new int[][] {{3, n}, {n, 3}}) {
                    Tensor m = random(rnd, dt, -2, 3, shape);
                    for (int axis = 0; axis < 2; axis++) {
                        int[] os = shape.clone();
                        os[axis] = 1;
                        DType odt = op == ReduceOp.ARGMAX ? DType.I32 : dt;
                        Tensor w = Tensor.zeros(odt, os), g = Tensor.zeros(odt, os);
                        ORACLE.reduce(op, m, axis, w);
                        k.reduce(op, m, axis, g);
                        assertClose(op + " axis " + axis + " " + dt + " " + shape[0] + "x" + shape[1], w, g, sumBound, 2 * u(dt));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void softmaxAndLogSoftmaxMatchOracle(DType dt) {
        var k = nativeOnly();
        for (int n : TAILS) {
            for (int[] shape : new int[][] {{2, n}, {n, 3}}) {
                Tensor x = random(rnd, dt, -30, 30, shape);
                for (int axis = 0; axis < 2; axis++) {
                    Tensor w = Tensor.zeros(dt, shape), g = Tensor.zeros(dt, shape);
                    ORACLE.softmax(x, axis, w);
                    k.softmax(x, axis, g);
                    assertClose("softmax " + dt + " axis " + axis + " n=" + n, w, g, 0, 4 * u(dt));
                    ORACLE.logSoftmax(x, axis, w);
                    k.logSoftmax(x, axis, g);
                    assertClose("logSoftmax " + dt + " axis " + axis + " n=" + n, w, g, 4 * u(dt), 4 * u(dt));
                }
            }
        }
    }

    private static Tensor abs(Tensor t) {
        Tensor a = Tensor.zeros(t.dtype() == DType.F32 ? DType.F64 : t.dtype(), t.shape());
        for (long i = 0; i < t.numel(); i++) a.setFlat(i, Math.abs(t.getFlat(i)));
        return a;
    }

    /**
     * 2 gamma_(k+4) (|alpha| |A| |B| + |beta| |C|) per element: both the native result and the oracle's are
     * within gamma_(k+4) of the exact value (k products and sums, alpha, beta, the final add and rounding).
     */
    private static Tensor gemmBound(DType dt, double alpha, Tensor a, Tensor b, double beta, Tensor c0, int k) {
        double uu = u(dt), gamma = 2 * (k + 4) * uu / (1 - (k + 4) * uu);
        Tensor bound = Tensor.zeros(DType.F64, c0.shape());
        ORACLE.gemm(Math.abs(alpha), abs(a), abs(b), 0, bound);
        Tensor c = abs(c0);
        for (long i = 0; i < bound.numel(); i++) {
            double exact = bound.getFlat(i) + Math.abs(beta) * c.getFlat(i);
            bound.setFlat(i, gamma * exact + Double.MIN_NORMAL);
        }
        return bound;
    }

    private void checkGemm(DType dt, int m, int n, int kk, boolean ta, boolean tb, double alpha, double beta) {
        Tensor a = ta ? random(rnd, dt, -1, 1, kk, m).t() : random(rnd, dt, -1, 1, m, kk);
        Tensor b = tb ? random(rnd, dt, -1, 1, n, kk).t() : random(rnd, dt, -1, 1, kk, n);
        Tensor c0 = random(rnd, dt, -1, 1, m, n);
        Tensor want = dup(c0), got = dup(c0);
        ORACLE.gemm(alpha, a, b, beta, want);
        nativeOnly().gemm(alpha, a, b, beta, got);
        assertWithinBound("gemm " + dt + " " + m + "x" + kk + " @ " + kk + "x" + n + " ta=" + ta + " tb=" + tb + " beta=" + beta,
                want, got, gemmBound(dt, alpha, a, b, beta, c0, kk));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void gemmMatchesOracleOnTails(DType dt) {
        for (int s : TAILS) {
            checkGemm(dt, s, 7, 13, false, false, 1, 0);
            checkGemm(dt, 13, s, 7, false, true, 0.5, 1);
            checkGemm(dt, 7, 13, s, true, false, -1.25, 0.5);
        }
        checkGemm(dt, 127, 207, 63, true, true, 1, 0);
        checkGemm(dt, 300, 257, 520, false, false, 1, 0); // several MC/KC blocks and a parallel split
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void gemmBetaZeroIgnoresNaNAndSlicedRowsWork(DType dt) {
        Tensor big = random(rnd, dt, -1, 1, 20, 30);
        Tensor a = big.slice(0, 2, 19).slice(1, 3, 14); // 17x11 with row stride 30
        Tensor b = random(rnd, dt, -1, 1, 11, 9);
        Tensor c = Tensor.zeros(dt, 17, 9);
        new ScalarFill().nan(c);
        Tensor want = Tensor.zeros(dt, 17, 9);
        ORACLE.gemm(1, a, b, 0, want);
        nativeOnly().gemm(1, a, b, 0, c);
        assertWithinBound("gemm sliced " + dt, want, c, gemmBound(dt, 1, a, b, 0, Tensor.zeros(dt, 17, 9), 11));
    }

    private static final class ScalarFill {
        void nan(Tensor t) { ORACLE.fill(t, Double.NaN); }
    }

    private Tensor convBound(DType dt, Tensor x, Tensor w, Tensor bias, Conv2dSpec sp, int[] outShape) {
        int kk = w.dim(1) * w.dim(2) * w.dim(3) + 1;
        double uu = u(dt), gamma = 2 * (kk + 4) * uu / (1 - (kk + 4) * uu);
        Tensor bound = Tensor.zeros(DType.F64, outShape);
        ORACLE.conv2d(abs(x), abs(w), bias == null ? null : abs(bias), sp, bound);
        for (long i = 0; i < bound.numel(); i++) bound.setFlat(i, gamma * bound.getFlat(i) + Double.MIN_NORMAL);
        return bound;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void conv2dForwardAndBackwardMatchOracle(DType dt) {
        var k = nativeOnly();
        Conv2dSpec[] specs = {Conv2dSpec.of(1, 0), Conv2dSpec.of(2, 1), new Conv2dSpec(1, 2, 2, 1, 2, 1)};
        int[][] inputs = {{1, 1, 5, 7}, {2, 3, 13, 17}, {3, 2, 31, 7}};
        for (int[] xs : inputs) {
            for (Conv2dSpec sp : specs) {
                int K = 4, KH = 3, KW = 2;
                int OH = sp.outH(xs[2], KH), OW = sp.outW(xs[3], KW);
                if (OH <= 0 || OW <= 0) continue;
                String what = dt + " x" + java.util.Arrays.toString(xs) + " " + sp;
                Tensor x = random(rnd, dt, -1, 1, xs);
                Tensor w = random(rnd, dt, -1, 1, K, xs[1], KH, KW);
                Tensor bias = random(rnd, dt, -1, 1, K);
                int[] os = {xs[0], K, OH, OW};
                Tensor want = Tensor.zeros(dt, os), got = Tensor.zeros(dt, os);
                ORACLE.conv2d(x, w, bias, sp, want);
                k.conv2d(x, w, bias, sp, got);
                assertWithinBound("conv2d " + what, want, got, convBound(dt, x, w, bias, sp, os));

                Tensor gradOut = random(rnd, dt, -1, 1, os);
                Tensor gi = Tensor.zeros(dt, xs), gin = random(rnd, dt, -1, 1, xs); // gradIn is overwritten
                ORACLE.conv2dBackwardData(gradOut, w, sp, gi);
                k.conv2dBackwardData(gradOut, w, sp, gin);
                double tolD = 8 * (K * KH * KW) * u(dt);
                assertClose("conv2dBackwardData " + what, gi, gin, tolD, tolD);

                Tensor gw = Tensor.zeros(dt, K, xs[1], KH, KW), gwn = random(rnd, dt, -1, 1, K, xs[1], KH, KW);
                Tensor gb = Tensor.zeros(dt, K), gbn = random(rnd, dt, -1, 1, K);
                ORACLE.conv2dBackwardWeight(x, gradOut, sp, gw, gb);
                k.conv2dBackwardWeight(x, gradOut, sp, gwn, gbn);
                double tolW = 4 * (xs[0] * OH * OW) * u(dt);
                assertClose("conv2dBackwardWeight " + what, gw, gwn, tolW, tolW);
                assertClose("conv2d grad bias " + what, gb, gbn, tolW, tolW);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void poolingMatchesOracle(DType dt) {
        var k = nativeOnly();
        Pool2dSpec[] specs = {Pool2dSpec.of(2, 2), new Pool2dSpec(3, 3, 2, 2, 1, 1), new Pool2dSpec(3, 2, 1, 2, 1, 0)};
        for (int hw : new int[] {3, 7, 13, 17}) {
            for (Pool2dSpec sp : specs) {
                int[] xs = {2, 3, hw, hw + 2};
                int OH = sp.outH(xs[2]), OW = sp.outW(xs[3]);
                int[] os = {2, 3, OH, OW};
                String what = dt + " " + hw + " " + sp;
                Tensor x = random(rnd, dt, -1, 1, xs);
                x.setFlat(5, Double.NaN);
                Tensor want = Tensor.zeros(dt, os), got = Tensor.zeros(dt, os);
                Tensor am = Tensor.zeros(DType.I32, os), amn = Tensor.zeros(DType.I32, os);
                ORACLE.maxPool2d(x, sp, want, am);
                k.maxPool2d(x, sp, got, amn);
                assertClose("maxPool2d " + what, want, got, 0, 0);
                assertClose("maxPool2d argmax " + what, am, amn, 0, 0);

                Tensor gradOut = random(rnd, dt, -1, 1, os);
                Tensor gi = Tensor.zeros(dt, xs), gin = random(rnd, dt, -1, 1, xs);
                ORACLE.maxPool2dBackward(gradOut, am, sp, gi);
                k.maxPool2dBackward(gradOut, amn, sp, gin);
                assertClose("maxPool2dBackward " + what, gi, gin, 4 * u(dt), 4 * u(dt));

                ORACLE.avgPool2d(x, sp, want);
                k.avgPool2d(x, sp, got);
                assertClose("avgPool2d " + what, want, got, 2 * u(dt), 2 * u(dt));
                ORACLE.avgPool2dBackward(gradOut, sp, gi);
                k.avgPool2dBackward(gradOut, sp, gin);
                assertClose("avgPool2dBackward " + what, gi, gin, 8 * u(dt), 8 * u(dt));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void biasActivationAndBackwardMatchOracle(DType dt) {
        var k = nativeOnly();
        for (Activation act : Activation.values()) {
            for (int n : TAILS) {
                for (int axis = 0; axis < 3; axis++) {
                    int[] shape = {2, 3, n};
                    Tensor x = random(rnd, dt, -4, 4, shape), bias = random(rnd, dt, -1, 1, shape[axis]);
                    Tensor want = Tensor.zeros(dt, shape), got = Tensor.zeros(dt, shape);
                    ORACLE.biasActivation(x, axis == 1 ? null : bias, axis, act, want);
                    k.biasActivation(x, axis == 1 ? null : bias, axis, act, got);
                    String what = act + " " + dt + " axis " + axis + " n=" + n;
                    assertClose("biasActivation " + what, want, got, 2 * u(dt), 2 * u(dt));
                    Tensor g = random(rnd, dt, -1, 1, shape), gw = Tensor.zeros(dt, shape), gn = Tensor.zeros(dt, shape);
                    ORACLE.activationBackward(act, want, g, gw);
                    k.activationBackward(act, want, g, gn);
                    assertClose("activationBackward " + what, gw, gn, 2 * u(dt), 2 * u(dt));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void lossesMatchOracle(DType dt) {
        var k = nativeOnly();
        for (int n : TAILS) {
            int N = Math.max(1, n / 7), C = Math.min(n, 31);
            Tensor logits = random(rnd, dt, -8, 8, N, C);
            Tensor labels = Tensor.zeros(DType.I32, N);
            for (int i = 0; i < N; i++) labels.setFlat(i, rnd.nextInt(C));
            Tensor probs = random(rnd, dt, 0, 1, N, C);
            for (Reduction r : Reduction.values()) {
                String what = dt + " " + r + " " + N + "x" + C;
                Tensor gw = Tensor.zeros(dt, N, C), gg = Tensor.zeros(dt, N, C);
                double want = ORACLE.softmaxCrossEntropy(logits, labels, r, gw);
                double got = k.softmaxCrossEntropy(logits, labels, r, gg);
                assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)), "softmaxCrossEntropy " + what);
                assertClose("softmaxCrossEntropy grad " + what, gw, gg, 2 * u(dt), 2 * u(dt));
                assertEquals(want, k.softmaxCrossEntropy(logits, labels, r, null), 1e-12 * Math.max(1, Math.abs(want)));

                want = ORACLE.softmaxCrossEntropyProbs(logits, probs, r, gw);
                got = k.softmaxCrossEntropyProbs(logits, probs, r, gg);
                assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)), "softmaxCrossEntropyProbs " + what);
                assertClose("softmaxCrossEntropyProbs grad " + what, gw, gg, 2 * u(dt), 2 * u(dt));

                Tensor x = random(rnd, dt, -10, 10, n), t = random(rnd, dt, 0, 1, n);
                Tensor w1 = Tensor.zeros(dt, n), g1 = Tensor.zeros(dt, n);
                want = ORACLE.bceWithLogits(x, t, r, w1);
                got = k.bceWithLogits(x, t, r, g1);
                assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)), "bceWithLogits " + what);
                assertClose("bceWithLogits grad " + what, w1, g1, 2 * u(dt), 2 * u(dt));

                want = ORACLE.mse(x, t, r, w1);
                got = k.mse(x, t, r, g1);
                assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)), "mse " + what);
                assertClose("mse grad " + what, w1, g1, 2 * u(dt), 2 * u(dt));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void optimizerUpdatesMatchOracle(DType dt) {
        var k = nativeOnly();
        var sgds = new OptimizerSteps.Sgd[] {new OptimizerSteps.Sgd(0.1, 0, 0, false, 0), new OptimizerSteps.Sgd(0.05, 0.9, 0.1, true, 1e-2),
            new OptimizerSteps.Sgd(0.05, 0.9, 0, false, 0)};
        var adams = new OptimizerSteps.Adam[] {new OptimizerSteps.Adam(1e-3, 0.9, 0.999, 1e-8, 0, false, 1),
            new OptimizerSteps.Adam(1e-2, 0.8, 0.99, 1e-6, 0.1, true, 7), new OptimizerSteps.Adam(1e-2, 0.8, 0.99, 1e-6, 0.1, false, 3)};
        var rmss = new OptimizerSteps.RmsProp[] {new OptimizerSteps.RmsProp(1e-2, 0.99, 1e-8, 0, 0), new OptimizerSteps.RmsProp(1e-2, 0.9, 1e-6, 0.9, 0.01)};
        var ads = new OptimizerSteps.Adadelta[] {new OptimizerSteps.Adadelta(1.0, 0.9, 1e-6, 0), new OptimizerSteps.Adadelta(0.5, 0.95, 1e-6, 0.01)};
        double tol = 4 * u(dt);
        for (int n : TAILS) {
            Tensor p = random(rnd, dt, -1, 1, n), g = random(rnd, dt, -1, 1, n);
            Tensor b1 = random(rnd, dt, -1, 1, n), b2 = random(rnd, dt, 0, 1, n);
            for (var s : sgds) {
                Tensor pw = dup(p), pn = dup(p), bw = dup(b1), bn = dup(b1);
                ORACLE.sgdUpdate(pw, g, s.momentum() == 0 ? null : bw, s);
                k.sgdUpdate(pn, g, s.momentum() == 0 ? null : bn, s);
                assertClose("sgd p " + dt + " n=" + n + " " + s, pw, pn, tol, tol);
                assertClose("sgd buf " + dt + " n=" + n + " " + s, bw, bn, tol, tol);
            }
            for (var s : adams) {
                Tensor pw = dup(p), pn = dup(p), mw = dup(b1), mn = dup(b1), vw = dup(b2), vn = dup(b2);
                ORACLE.adamUpdate(pw, g, mw, vw, s);
                k.adamUpdate(pn, g, mn, vn, s);
                assertClose("adam p " + dt + " n=" + n + " " + s, pw, pn, tol, tol);
                assertClose("adam m " + dt + " n=" + n + " " + s, mw, mn, tol, tol);
                assertClose("adam v " + dt + " n=" + n + " " + s, vw, vn, tol, tol);
            }
            for (var s : rmss) {
                Tensor pw = dup(p), pn = dup(p), sw = dup(b2), sn = dup(b2), bw = dup(b1), bn = dup(b1);
                ORACLE.rmsPropUpdate(pw, g, sw, s.momentum() == 0 ? null : bw, s);
                k.rmsPropUpdate(pn, g, sn, s.momentum() == 0 ? null : bn, s);
                assertClose("rmsprop p " + dt + " n=" + n + " " + s, pw, pn, tol, tol);
                assertClose("rmsprop sq " + dt + " n=" + n + " " + s, sw, sn, tol, tol);
                assertClose("rmsprop buf " + dt + " n=" + n + " " + s, bw, bn, tol, tol);
            }
            for (var s : ads) {
                Tensor pw = dup(p), pn = dup(p), sw = dup(b2), sn = dup(b2), aw = dup(b2), an = dup(b2);
                ORACLE.adadeltaUpdate(pw, g, sw, aw, s);
                k.adadeltaUpdate(pn, g, sn, an, s);
                assertClose("adadelta p " + dt + " n=" + n + " " + s, pw, pn, tol, tol);
                assertClose("adadelta sq " + dt + " n=" + n + " " + s, sw, sn, tol, tol);
                assertClose("adadelta acc " + dt + " n=" + n + " " + s, aw, an, tol, tol);
            }
        }
    }
}
