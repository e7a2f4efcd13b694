package dev.vectorgrad.nativ.openblas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;
import dev.vectorgrad.kernels.ScalarKernels;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * conv2d forward and both backward passes through im2col/col2im + OpenBLAS GEMM against the scalar oracle on
 * random geometries (strides, padding, dilation, 1x1 pointwise, bias or none, F32 and F64), and the Java-side guards of the OpenBLAS
 * entry points: a wrong shape or a closed tensor gives an exception before the downcall and the JVM lives on.
 */
class OpenBlasConvAndSafetyTest {
    private static final OpenBlasProvider PROVIDER = new OpenBlasProvider();
    private static final ScalarKernels ORACLE = new ScalarKernels();

    /** Fails on every forwarded op except the bias add, which conv2d delegates on purpose. */
    private static final Kernels REFUSE_BUT_BIAS = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
            new Class<?>[] {Kernels.class}, (p, m, args) -> {
                if (m.getName().equals("name")) return "refuse";
                if (m.getName().equals("biasActivation")) {
                    try {
                        return m.invoke(ORACLE, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }
                throw new AssertionError("openblas declined " + m.getName());
            });

    @BeforeAll
    static void available() {
        KernelsProvider.Availability a = PROVIDER.availability();
        assumeTrue(a.available(), a.reason());
    }

    private static OpenBlasKernels openblasOnly() {
        return new OpenBlasKernels(OpenBlas.handles(), REFUSE_BUT_BIAS, true, true);
    }

    private static Tensor random(SplittableRandom r, DType dt, int... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, r.nextDouble(-1, 1));
        return t;
    }

    @Test
    void conv2dAgreesWithOracleOnRandomGeometries() {
        OpenBlasKernels k = openblasOnly();
        qt().withExamples(60).withFixedSeed(17)
                .forAll(integers().between(0, 14), integers().between(1, 6), integers().between(1, 13), integers().between(0, 63))
                .checkAssert((nc, kOut, hw, bits) -> {
                    int n = 1 + nc % 3, c = 1 + nc / 3;
                    int kh = 1 + (bits & 3) % 3, kw = 1 + ((bits >> 2) & 3) % 3, stride = 1 + ((bits >> 4) & 1);
                    int pad = (bits >> 5) & 1, dil = 1 + ((bits >> 3) & 1);
                    boolean pointwise = (bits & 7) == 0;
                    if (pointwise) { kh = 1; kw = 1; stride = 1; pad = 0; dil = 1; }
                    Conv2dSpec sp = new Conv2dSpec(stride, stride, pad, pad, dil, dil);
                    int h = hw, w = hw + (bits % 4);
                    int oh = sp.outH(h, kh), ow = sp.outW(w, kw);
                    if (oh <= 0 || ow <= 0) return;
                    for (DType dt : new DType[] {DType.F32, DType.F64}) {
                        try (Scope s = Scope.open()) {
                            SplittableRandom r = new SplittableRandom(bits * 131L + n * 17 + c * 5 + kOut + hw * 1001L);
                            Tensor x = random(r, dt, n, c, h, w), wt = random(r, dt, kOut, c, kh, kw);
                            Tensor bias = (bits & 1) == 0 ? random(r, dt, kOut) : null;
                            Tensor want = Tensor.zeros(dt, n, kOut, oh, ow), got = Tensor.zeros(dt, n, kOut, oh, ow);
                            got.setFlat(0, Double.NaN); // output is overwritten, not accumulated
                            ORACLE.conv2d(x, wt, bias, sp, want);
                            k.conv2d(x, wt, bias, sp, got);
                            // |x|,|w|,|b| <= 1: each output is a dot product of length c*kh*kw plus the bias.
                            int len = c * kh * kw;
                            double u = dt == DType.F32 ? 0x1p-24 : 0x1p-53, tol = 2 * (len + 4) * u * (len + 1);
                            String geom = dt + " x[" + n + "," + c + "," + h + "," + w + "] w[" + kOut + "," + c + "," + kh + "," + kw + "] " + sp;
                            within("conv2d " + geom, want, got, tol);
                            // Backward data: each input gradient sums at most kOut*kh*kw products of values in [-1, 1].
                            Tensor gradOut = random(r, dt, n, kOut, oh, ow);
                            Tensor wantIn = Tensor.zeros(dt, n, c, h, w), gotIn = Tensor.zeros(dt, n, c, h, w);
                            gotIn.setFlat(0, Double.NaN);
                            ORACLE.conv2dBackwardData(gradOut, wt, sp, wantIn);
                            k.conv2dBackwardData(gradOut, wt, sp, gotIn);
                            int lenD = kOut * kh * kw;
                            within("conv2dBackwardData " + geom, wantIn, gotIn, 2 * (lenD + 4) * u * (lenD + 1));
                            // Backward weight and bias: sums over n*oh*ow products.
                            Tensor wantW = Tensor.zeros(dt, kOut, c, kh, kw), gotW = Tensor.zeros(dt, kOut, c, kh, kw);
                            Tensor wantB = bias == null ? null : Tensor.zeros(dt, kOut), gotB = bias == null ? null : Tensor.zeros(dt, kOut);
                            gotW.setFlat(0, Double.NaN);
                            ORACLE.conv2dBackwardWeight(x, gradOut, sp, wantW, wantB);
                            k.conv2dBackwardWeight(x, gradOut, sp, gotW, gotB);
                            int lenW = n * oh * ow;
                            double tolW = 2 * (lenW + 4) * u * (lenW + 1);
                            within("conv2dBackwardWeight " + geom, wantW, gotW, tolW);
                            if (bias != null) within("conv2dBackwardWeight bias " + geom, wantB, gotB, tolW);
                        }
                    }
                });
    }

    private static void within(String what, Tensor want, Tensor got, double tol) {
        for (long i = 0; i < want.numel(); i++) {
            if (!(Math.abs(want.getFlat(i) - got.getFlat(i)) <= tol)) {
                fail(what + " at " + i + ": want " + want.getFlat(i) + " got " + got.getFlat(i) + " tol " + tol);
            }
        }
    }

    @Test
    void nonContiguousConvOperandsAreForwarded() {
        Tensor x = Tensor.zeros(DType.F32, 1, 2, 5, 5), w = Tensor.zeros(DType.F32, 3, 2, 3, 3);
        Tensor xt = x.permute(0, 1, 3, 2);
        assertThrows(AssertionError.class, () -> openblasOnly().conv2d(xt, w, null, Conv2dSpec.of(1, 0), Tensor.zeros(DType.F32, 1, 3, 3, 3)));
        Tensor out = Tensor.zeros(DType.F32, 1, 3, 3, 3);
        new OpenBlasKernels(OpenBlas.handles(), ORACLE, true, true).conv2d(xt, w, null, Conv2dSpec.of(1, 0), out);
    }

    @Test
    void wrongShapesAreRejectedBeforeTheDowncall() {
        OpenBlasKernels k = openblasOnly();
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor a = Tensor.zeros(dt, 2, 3), b = Tensor.zeros(dt, 4, 5), c = Tensor.zeros(dt, 2, 5);
            var e = assertThrows(IllegalArgumentException.class, () -> k.gemm(1, a, b, 0, c));
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.gemm(1, a, Tensor.zeros(dt, 3, 5), 0, Tensor.zeros(dt, 3, 5)));
            assertThrows(IllegalArgumentException.class, () -> k.gemm(1, Tensor.zeros(dt, 2, 3, 1), b, 0, c));
            Tensor x = Tensor.zeros(dt, 1, 2, 5, 5), w = Tensor.zeros(dt, 3, 2, 3, 3);
            var ce = assertThrows(IllegalArgumentException.class, () -> k.conv2d(x, Tensor.zeros(dt, 3, 4, 3, 3), null, Conv2dSpec.of(1, 0),
                    Tensor.zeros(dt, 1, 3, 3, 3)));
            assertTrue(ce.getMessage().contains("[1, 2, 5, 5]"), ce.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.conv2d(x, w, null, Conv2dSpec.of(1, 0), Tensor.zeros(dt, 1, 3, 4, 4)));
            assertThrows(IllegalArgumentException.class, () -> k.conv2d(x, w, Tensor.zeros(dt, 4), Conv2dSpec.of(1, 0), Tensor.zeros(dt, 1, 3, 3, 3)));
            assertThrows(IllegalArgumentException.class, () -> k.conv2d(x, Tensor.zeros(dt, 3, 2, 7, 7), null, Conv2dSpec.of(1, 0),
                    Tensor.zeros(dt, 1, 3, 1, 1)));
            Tensor gradOut = Tensor.zeros(dt, 1, 3, 3, 3);
            assertThrows(IllegalArgumentException.class, () -> k.conv2dBackwardData(Tensor.zeros(dt, 1, 3, 4, 4), w, Conv2dSpec.of(1, 0), x));
            assertThrows(IllegalArgumentException.class, () -> k.conv2dBackwardData(gradOut, w, Conv2dSpec.of(1, 0), Tensor.zeros(dt, 1, 3, 5, 5)));
            assertThrows(IllegalArgumentException.class, () -> k.conv2dBackwardWeight(x, gradOut, Conv2dSpec.of(1, 0), Tensor.zeros(dt, 3, 2, 2, 2), null));
            assertThrows(IllegalArgumentException.class, () -> k.conv2dBackwardWeight(x, gradOut, Conv2dSpec.of(1, 0), w, Tensor.zeros(dt, 2)));
            assertThrows(IllegalArgumentException.class, () -> k.conv2dBackwardWeight(x, Tensor.zeros(dt, 2, 3, 3, 3), Conv2dSpec.of(1, 0), w, null));
        }
        stillWorks(k);
    }

    @Test
    void closedTensorsAreRejectedBeforeTheDowncall() {
        OpenBlasKernels k = openblasOnly();
        Tensor a, b, c, x, w, out;
        try (Scope s = Scope.open()) {
            a = Tensor.zeros(DType.F32, 2, 3);
            b = Tensor.zeros(DType.F32, 3, 4);
            c = Tensor.zeros(DType.F32, 2, 4);
            x = Tensor.zeros(DType.F32, 1, 2, 5, 5);
            w = Tensor.zeros(DType.F32, 3, 2, 3, 3);
            out = Tensor.zeros(DType.F32, 1, 3, 3, 3);
        }
        for (var call : new org.junit.jupiter.api.function.Executable[] {() -> k.gemm(1, a, b, 0, c),
            () -> k.conv2d(x, w, null, Conv2dSpec.of(1, 0), out), () -> k.conv2dBackwardData(out, w, Conv2dSpec.of(1, 0), x),
            () -> k.conv2dBackwardWeight(x, out, Conv2dSpec.of(1, 0), w, null)}) {
            var e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        stillWorks(k);
    }

    @Test
    void threadCountFollowsThePropertyElseOurPool() {
        String saved = System.getProperty("vectorgrad.openblas.threads");
        try {
            System.clearProperty("vectorgrad.openblas.threads");
            assertEquals(dev.vectorgrad.kernels.Parallel.threads(), OpenBlasKernels.threads());
            System.setProperty("vectorgrad.openblas.threads", "1");
            assertEquals(1, OpenBlasKernels.threads());
            stillWorks(openblasOnly());
        } finally {
            if (saved == null) System.clearProperty("vectorgrad.openblas.threads");
            else System.setProperty("vectorgrad.openblas.threads", saved);
        }
    }

    @Test
    void routingOneOpSendsOnlyThatOpToOpenBlas() {
        String[] keys = {"vectorgrad.backend", "vectorgrad.gemm", "vectorgrad.conv"};
        String[] saved = new String[keys.length];
        for (int i = 0; i < keys.length; i++) saved[i] = System.getProperty(keys[i]);
        try {
            for (String key : keys) System.clearProperty(key);
            System.setProperty("vectorgrad.conv", "openblas");
            Kernels convOnly = PROVIDER.create(REFUSE_BUT_BIAS);
            Tensor x = Tensor.zeros(DType.F32, 1, 1, 3, 3), w = Tensor.zeros(DType.F32, 1, 1, 2, 2), out = Tensor.zeros(DType.F32, 1, 1, 2, 2);
            convOnly.conv2d(x, w, null, Conv2dSpec.of(1, 0), out); // runs on OpenBLAS
            assertThrows(AssertionError.class, () -> stillWorks(convOnly)); // gemm forwarded
            System.clearProperty("vectorgrad.conv");
            System.setProperty("vectorgrad.gemm", "openblas");
            Kernels gemmOnly = PROVIDER.create(REFUSE_BUT_BIAS);
            stillWorks(gemmOnly);
            assertThrows(AssertionError.class, () -> gemmOnly.conv2d(x, w, null, Conv2dSpec.of(1, 0), out));
            System.setProperty("vectorgrad.backend", "openblas");
            Kernels both = PROVIDER.create(REFUSE_BUT_BIAS);
            stillWorks(both);
            both.conv2d(x, w, null, Conv2dSpec.of(1, 0), out);
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (saved[i] == null) System.clearProperty(keys[i]);
                else System.setProperty(keys[i], saved[i]);
            }
        }
    }

    /** A right call after the refused ones still gives the right answer (the JVM and the library are fine). */
    private static void stillWorks(Kernels k) {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), b = Tensor.of(new float[] {5, 6, 7, 8}, 2, 2), c = Tensor.zeros(DType.F32, 2, 2);
        k.gemm(1, a, b, 0, c);
        assertEquals(19.0, c.getFlat(0));
        assertEquals(50.0, c.getFlat(3));
    }
}
