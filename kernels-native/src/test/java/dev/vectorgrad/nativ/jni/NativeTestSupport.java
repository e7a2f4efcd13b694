package dev.vectorgrad.nativ.jni;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.ScalarKernels;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;

/** Shared helpers of the native backend tests. */
final class NativeTestSupport {
    static final int[] TAILS = {1, 2, 3, 7, 13, 17, 31, 63, 127, 207, 1000, 4099};
    static final ScalarKernels ORACLE = new ScalarKernels();

    private NativeTestSupport() {}

    static void assumeNative() {
        Assumptions.assumeTrue(NativeLib.available(), () -> "native backend unavailable: " + NativeLib.reason());
    }

    /**
     * Kernels that fail on every call: the native backend is built over it in the tests so a case that the C++
     * code silently declined (forwarded) fails instead of passing through the Java fallback.
     */
    static Kernels refusing() {
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class}, (p, m, a) -> {
            if (m.getName().equals("name")) return "refusing";
            throw new AssertionError("native backend forwarded " + m.getName() + " to its fallback");
        });
    }

    static JniKernels nativeOnly() {
        return new JniKernels(refusing());
    }

    static Tensor random(SplittableRandom r, DType dt, double lo, double hi, int... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        long n = t.numel();
        for (long i = 0; i < n; i++) t.setFlat(i, lo + (hi - lo) * r.nextDouble());
        return t;
    }

    /** A new contiguous tensor with t's dtype, shape and values. */
    static Tensor dup(Tensor t) {
        Tensor c = Tensor.zeros(t.dtype(), t.shape());
        for (long i = 0; i < t.numel(); i++) c.setFlat(i, t.getFlat(i));
        return c;
    }

    /** Unit roundoff of the dtype: 2^-24 for F32, 2^-53 for F64. */
    static double u(DType dt) {
        return dt == DType.F32 ? 0x1p-24 : 0x1p-53;
    }

    /** |got - want| <= atol + rtol * |want| elementwise; NaN must match NaN, infinities must match. */
    static void assertClose(String what, Tensor want, Tensor got, double atol, double rtol) {
        if (want.numel() != got.numel()) fail(what + ": sizes differ " + want.numel() + " vs " + got.numel());
        for (long i = 0; i < want.numel(); i++) {
            double w = want.getFlat(i), g = got.getFlat(i);
            if (Double.isNaN(w) || Double.isNaN(g)) {
                if (Double.isNaN(w) != Double.isNaN(g)) fail(what + ": at " + i + " want " + w + " got " + g);
                continue;
            }
            if (Double.isInfinite(w) || Double.isInfinite(g)) {
                if (w != g) fail(what + ": at " + i + " want " + w + " got " + g);
                continue;
            }
            if (Math.abs(w - g) > atol + rtol * Math.abs(w)) {
                fail(what + ": at flat index " + i + " want " + w + " got " + g + " (|diff| " + Math.abs(w - g)
                        + " > " + atol + " + " + rtol + "*|want|)");
            }
        }
    }

    /** Elementwise |got - want| <= bound[i] (a forward error bound computed per element). */
    static void assertWithinBound(String what, Tensor want, Tensor got, Tensor bound) {
        for (long i = 0; i < want.numel(); i++) {
            double w = want.getFlat(i), g = got.getFlat(i), b = bound.getFlat(i);
            if (!(Math.abs(w - g) <= b)) fail(what + ": at flat index " + i + " want " + w + " got " + g + ", error bound " + b);
        }
    }
}
