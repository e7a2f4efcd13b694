package dev.vectorgrad.nativ.jni;

import static dev.vectorgrad.nativ.jni.NativeTestSupport.ORACLE;
import static dev.vectorgrad.nativ.jni.NativeTestSupport.u;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Random shapes and layouts through the native GEMM and elementwise ops, compared with the scalar oracle. */
class JniKernelsPropertyTest {
    @BeforeEach
    void requireLibrary() {
        NativeTestSupport.assumeNative();
    }

    @Test
    void gemmAgreesWithOracleOnRandomShapesAndTranspositions() {
        JniKernels k = NativeTestSupport.nativeOnly();
        qt().withExamples(60).withFixedSeed(7)
                .forAll(integers().between(1, 70), integers().between(1, 70), integers().between(1, 300), integers().between(0, 3))
                .checkAssert((m, n, kk, flags) -> {
                    boolean ta = (flags & 1) != 0, tb = (flags & 2) != 0;
                    for (DType dt : new DType[] {DType.F32, DType.F64}) {
                        SplittableRandom r = new SplittableRandom(m * 1_000_003L + n * 1009L + kk);
                        Tensor a = ta ? NativeTestSupport.random(r, dt, -1, 1, kk, m).t() : NativeTestSupport.random(r, dt, -1, 1, m, kk);
                        Tensor b = tb ? NativeTestSupport.random(r, dt, -1, 1, n, kk).t() : NativeTestSupport.random(r, dt, -1, 1, kk, n);
                        Tensor want = Tensor.zeros(dt, m, n), got = Tensor.zeros(dt, m, n);
                        ORACLE.gemm(1, a, b, 0, want);
                        k.gemm(1, a, b, 0, got);
                        // |A|,|B| <= 1: |AB|_ij <= k, so each side errs by at most gamma_(k+4) k.
                        double tol = 2 * (kk + 4) * u(dt) * kk;
                        NativeTestSupport.assertClose("gemm " + dt + " " + m + "x" + kk + "x" + n + " ta=" + ta + " tb=" + tb, want, got, tol, 0);
                    }
                });
    }

    @Test
    void binaryAgreesWithOracleOnRandomShapes() {
        JniKernels k = NativeTestSupport.nativeOnly();
        qt().withExamples(80).withFixedSeed(11)
                .forAll(integers().between(1, 9), integers().between(1, 40), integers().between(1, 70), integers().between(0, BinaryOp.values().length - 1))
                .checkAssert((d0, d1, d2, opi) -> {
                    BinaryOp op = BinaryOp.values()[opi];
                    SplittableRandom r = new SplittableRandom(d0 * 7919L + d1 * 31L + d2);
                    Tensor a = NativeTestSupport.random(r, DType.F32, 0.1, 3, d0, d1, d2);
                    Tensor b = NativeTestSupport.random(r, DType.F32, -2, 2, d0, d1, d2);
                    Tensor want = Tensor.zeros(DType.F32, d0, d1, d2), got = Tensor.zeros(DType.F32, d0, d1, d2);
                    ORACLE.binary(op, a, b, want);
                    k.binary(op, a, b, got);
                    NativeTestSupport.assertClose(op + " " + d0 + "x" + d1 + "x" + d2, want, got, 0, 2 * u(DType.F32));
                });
    }
}
