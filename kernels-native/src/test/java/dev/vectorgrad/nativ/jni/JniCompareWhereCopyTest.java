package dev.vectorgrad.nativ.jni;

import static dev.vectorgrad.nativ.jni.NativeTestSupport.ORACLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vectorgrad.kernels.CompareOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * compare, where and copy (with dtype casts) run in C++ (over a refusing fallback, so nothing is forwarded)
 * and agree bit for bit with the scalar oracle on tail sizes, including NaN, signed zeros, infinities and
 * values outside the int range (copy to I32 must behave as Java's (int) cast).
 */
class JniCompareWhereCopyTest {
    private static final DType[] ALL = {DType.F32, DType.F64, DType.I32};
    private static final double[] SPECIAL = {Double.NaN, 0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 3e9, -3e9,
        2147483647.5, -2147483648.7, 0.5, -0.5, 1.5, -1.5, 16777217, 1e-45};

    @BeforeEach
    void requireLibrary() {
        NativeTestSupport.assumeNative();
    }

    /** Values on a grid of halves (so compare sees ties) with the special values mixed in. */
    private static Tensor values(SplittableRandom r, DType dt, int n) {
        Tensor t = Tensor.zeros(dt, n);
        for (int i = 0; i < n; i++) {
            double v = r.nextInt(8) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : r.nextInt(-6, 7) * 0.5;
            t.setFlat(i, v);
        }
        return t;
    }

    private static void assertSame(String what, Tensor want, Tensor got) {
        for (long i = 0; i < want.numel(); i++) {
            double w = want.getFlat(i), g = got.getFlat(i);
            assertEquals(Double.doubleToLongBits(w), Double.doubleToLongBits(g), what + " at " + i + ": want " + w + " got " + g);
        }
    }

    @Test
    void compareIntoEveryOutputDtype() {
        JniKernels k = NativeTestSupport.nativeOnly();
        SplittableRandom r = new SplittableRandom(21);
        for (int n : NativeTestSupport.TAILS) {
            for (DType in : new DType[] {DType.F32, DType.F64}) {
                Tensor a = values(r, in, n), b = values(r, in, n);
                for (DType out : ALL) {
                    for (CompareOp op : CompareOp.values()) {
                        Tensor want = Tensor.zeros(out, n), got = Tensor.zeros(out, n);
                        ORACLE.compare(op, a, b, want);
                        k.compare(op, a, b, got);
                        assertSame(op + " " + in + "->" + out + " n=" + n, want, got);
                    }
                }
            }
        }
    }

    @Test
    void whereSelectsLikeTheOracle() {
        JniKernels k = NativeTestSupport.nativeOnly();
        SplittableRandom r = new SplittableRandom(22);
        for (int n : NativeTestSupport.TAILS) {
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                Tensor c = values(r, dt, n), a = values(r, dt, n), b = values(r, dt, n);
                Tensor want = Tensor.zeros(dt, n), got = Tensor.zeros(dt, n);
                ORACLE.where(c, a, b, want);
                k.where(c, a, b, got);
                assertSame("where " + dt + " n=" + n, want, got);
            }
        }
    }

    @Test
    void copyConvertsBetweenEveryDtypePair() {
        JniKernels k = NativeTestSupport.nativeOnly();
        SplittableRandom r = new SplittableRandom(23);
        for (int n : NativeTestSupport.TAILS) {
            for (DType from : ALL) {
                Tensor src = values(r, from, 2 * n).reshape(2, n);
                for (DType to : ALL) {
                    Tensor want = Tensor.zeros(to, 2, n), got = Tensor.zeros(to, 2, n);
                    ORACLE.copy(src, want);
                    k.copy(src, got);
                    assertSame("copy " + from + "->" + to + " n=" + n, want, got);
                }
            }
        }
        // In place (same tensor) is a no-op.
        Tensor x = values(r, DType.F64, 9), before = NativeTestSupport.dup(x);
        k.copy(x, x);
        assertSame("copy in place", before, x);
    }

    @Test
    void wrongShapesAreRejectedBeforeTheNativeCall() {
        JniKernels k = NativeTestSupport.nativeOnly();
        Tensor a = Tensor.zeros(DType.F32, 2, 3), b = Tensor.zeros(DType.F32, 3, 2);
        assertThrows(IllegalArgumentException.class, () -> k.compare(CompareOp.LT, a, a, b));
        assertThrows(IllegalArgumentException.class, () -> k.where(a, a, a, b));
        assertThrows(IllegalArgumentException.class, () -> k.copy(a, Tensor.zeros(DType.F64, 7)));
    }
}
