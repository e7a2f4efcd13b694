package dev.vectorgrad.nativ;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.ScalarKernels;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cross-backend consistency: random shapes (and transposed / broadcast layouts) of gemm, binary ops, sum,
 * softmax and the three conv2d passes through every backend that is
 * available here (vector, native, openblas, cuda where a GPU is), compared with the scalar oracle under
 * forward error bounds. Backends are taken as {@link Backends#get} gives them (with their fallback), so
 * whatever a backend runs itself and whatever it forwards are both covered.
 */
class CrossBackendPropertyTest {
    private static final ScalarKernels ORACLE = new ScalarKernels();
    private static final List<Kernels> BACKENDS = new ArrayList<>();

    @BeforeAll
    static void backends() {
        for (Backends.Status s : Backends.statuses()) {
            if (s.available() && !s.name().equals("scalar")) BACKENDS.add(Backends.get(s.name()));
        }
        System.out.println("cross-backend property over " + BACKENDS.stream().map(Kernels::name).toList());
        assertTrue(BACKENDS.stream().anyMatch(k -> k.name().equals("openblas") || k.name().equals("native") || k.name().equals("vector")),
                "no backend besides scalar is available");
    }

    private static double u(DType dt) {
        return dt == DType.F32 ? 0x1p-24 : 0x1p-53;
    }

    private static Tensor random(SplittableRandom r, DType dt, int... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, r.nextDouble(-1, 1));
        return t;
    }

    private static void within(String what, Tensor want, Tensor got, double tol) {
        for (long i = 0; i < want.numel(); i++) {
            if (!(Math.abs(want.getFlat(i) - got.getFlat(i)) <= tol)) {
                fail(what + " at flat " + i + ": want " + want.getFlat(i) + " got " + got.getFlat(i) + " (tol " + tol + ")");
            }
        }
    }

    @Test
    void gemmOnRandomShapesAndTranspositions() {
        qt().withExamples(40).withFixedSeed(101)
                .forAll(integers().between(1, 80), integers().between(1, 80), integers().between(1, 200), integers().between(0, 7))
                .checkAssert((m, n, k, flags) -> {
                    DType dt = (flags & 4) == 0 ? DType.F32 : DType.F64;
                    boolean ta = (flags & 1) != 0, tb = (flags & 2) != 0;
                    try (Scope s = Scope.open()) {
                        SplittableRandom r = new SplittableRandom(m * 7919L + n * 31L + k + flags * 1_000_003L);
                        Tensor a = ta ? random(r, dt, k, m).t() : random(r, dt, m, k);
                        Tensor b = tb ? random(r, dt, n, k).t() : random(r, dt, k, n);
                        Tensor c0 = random(r, dt, m, n), want = Tensor.zeros(dt, m, n);
                        ORACLE.copy(c0, want);
                        ORACLE.gemm(0.5, a, b, 2, want);
                        double tol = 2 * (k + 6) * u(dt) * (k + 2);
                        for (Kernels kb : BACKENDS) {
                            Tensor got = Tensor.zeros(dt, m, n);
                            ORACLE.copy(c0, got);
                            kb.gemm(0.5, a, b, 2, got);
                            within(kb.name() + " gemm " + dt + " " + m + "x" + k + "x" + n + " ta=" + ta + " tb=" + tb, want, got, tol);
                        }
                    }
                });
    }

    @Test
    void elementwiseAndReductionsOnRandomShapes() {
        qt().withExamples(30).withFixedSeed(102)
                .forAll(integers().between(1, 7), integers().between(1, 33), integers().between(1, 70), integers().between(0, 15))
                .checkAssert((d0, d1, d2, flags) -> {
                    DType dt = (flags & 1) == 0 ? DType.F32 : DType.F64;
                    BinaryOp op = new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.MAX}[(flags >> 1) & 3];
                    boolean broadcast = (flags & 8) != 0;
                    int axis = (d0 + d1 + d2) % 3;
                    try (Scope s = Scope.open()) {
                        SplittableRandom r = new SplittableRandom(d0 * 104729L + d1 * 131L + d2 + flags * 7L);
                        Tensor a = random(r, dt, d0, d1, d2);
                        Tensor b = broadcast ? random(r, dt, 1, d1, 1).expand(d0, d1, d2) : random(r, dt, d0, d1, d2);
                        Tensor want = Tensor.zeros(dt, d0, d1, d2);
                        ORACLE.binary(op, a, b, want);
                        int[] rs = {d0, d1, d2};
                        rs[axis] = 1;
                        Tensor wantSum = Tensor.zeros(dt, rs), wantSoft = Tensor.zeros(dt, d0, d1, d2);
                        ORACLE.reduce(ReduceOp.SUM, a, axis, wantSum);
                        ORACLE.softmax(a, axis, wantSoft);
                        double wantAll = ORACLE.reduceAll(ReduceOp.SUM, a);
                        int len = new int[] {d0, d1, d2}[axis];
                        for (Kernels kb : BACKENDS) {
                            String tag = kb.name() + " " + dt + " [" + d0 + "," + d1 + "," + d2 + "]";
                            Tensor got = Tensor.zeros(dt, d0, d1, d2);
                            kb.binary(op, a, b, got);
                            within(tag + " " + op + (broadcast ? " broadcast" : ""), want, got, 0); // one rounding, exact in every backend
                            Tensor sum = Tensor.zeros(dt, rs);
                            kb.reduce(ReduceOp.SUM, a, axis, sum);
                            within(tag + " sum axis " + axis, wantSum, sum, 2 * (len + 2) * u(dt) * len);
                            Tensor soft = Tensor.zeros(dt, d0, d1, d2);
                            kb.softmax(a, axis, soft);
                            within(tag + " softmax axis " + axis, wantSoft, soft, 64 * (len + 8) * u(dt));
                            double all = kb.reduceAll(ReduceOp.SUM, a);
                            long nAll = a.numel();
                            if (!(Math.abs(all - wantAll) <= 2 * (nAll + 2) * u(dt) * nAll)) fail(tag + " reduceAll sum " + all + " vs " + wantAll);
                        }
                    }
                });
    }

    @Test
    void conv2dOnRandomGeometries() {
        qt().withExamples(20).withFixedSeed(103)
                .forAll(integers().between(0, 11), integers().between(1, 6), integers().between(3, 12), integers().between(0, 63))
                .checkAssert((nc, kOut, hw, bits) -> {
                    int n = 1 + nc % 2, c = 1 + nc / 2, kh = 1 + (bits & 3) % 3, kw = 1 + ((bits >> 2) & 3) % 3;
                    Conv2dSpec sp = new Conv2dSpec(1 + ((bits >> 4) & 1), 1, (bits >> 5) & 1, (bits >> 5) & 1, 1, 1 + ((bits >> 3) & 1));
                    int oh = sp.outH(hw, kh), ow = sp.outW(hw + 1, kw);
                    if (oh <= 0 || ow <= 0) return;
                    DType dt = (bits & 1) == 0 ? DType.F32 : DType.F64;
                    try (Scope s = Scope.open()) {
                        SplittableRandom r = new SplittableRandom(bits * 977L + nc * 13L + kOut * 3L + hw);
                        Tensor x = random(r, dt, n, c, hw, hw + 1), w = random(r, dt, kOut, c, kh, kw), bias = random(r, dt, kOut);
                        Tensor want = Tensor.zeros(dt, n, kOut, oh, ow), gradOut = random(r, dt, n, kOut, oh, ow);
                        Tensor wantIn = Tensor.zeros(dt, n, c, hw, hw + 1), wantW = Tensor.zeros(dt, kOut, c, kh, kw), wantB = Tensor.zeros(dt, kOut);
                        ORACLE.conv2d(x, w, bias, sp, want);
                        ORACLE.conv2dBackwardData(gradOut, w, sp, wantIn);
                        ORACLE.conv2dBackwardWeight(x, gradOut, sp, wantW, wantB);
                        // Forward sums c*kh*kw products (+ bias), backward data at most kOut*kh*kw, backward weight n*oh*ow.
                        int len = c * kh * kw, lenD = kOut * kh * kw, lenW = n * oh * ow;
                        for (Kernels kb : BACKENDS) {
                            String geom = kb.name() + " " + dt + " x[" + n + "," + c + "," + hw + "," + (hw + 1) + "] w[" + kOut + "," + c + "," + kh
                                    + "," + kw + "] " + sp;
                            Tensor got = Tensor.zeros(dt, n, kOut, oh, ow);
                            kb.conv2d(x, w, bias, sp, got);
                            within("conv2d " + geom, want, got, 2 * (len + 4) * u(dt) * (len + 1));
                            Tensor gotIn = Tensor.zeros(dt, n, c, hw, hw + 1), gotW = Tensor.zeros(dt, kOut, c, kh, kw), gotB = Tensor.zeros(dt, kOut);
                            kb.conv2dBackwardData(gradOut, w, sp, gotIn);
                            within("conv2dBackwardData " + geom, wantIn, gotIn, 2 * (lenD + 4) * u(dt) * (lenD + 1));
                            kb.conv2dBackwardWeight(x, gradOut, sp, gotW, gotB);
                            within("conv2dBackwardWeight " + geom, wantW, gotW, 2 * (lenW + 4) * u(dt) * (lenW + 1));
                            within("conv2dBackwardWeight bias " + geom, wantB, gotB, 2 * (lenW + 4) * u(dt) * (lenW + 1));
                        }
                    }
                });
    }
}
