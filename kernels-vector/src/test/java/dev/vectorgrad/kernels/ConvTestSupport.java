package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;

/** Shared helpers for the conv/pool/loss/optimizer tests: random tensors and tolerance checks against the oracle. */
final class ConvTestSupport {
    private ConvTestSupport() {}

    static final ScalarKernels SCALAR = new ScalarKernels();
    static final VectorKernels VECTOR = new VectorKernels();

    static Tensor random(Scope s, DType dt, Random r, int... shape) {
        Tensor t = Tensor.zeros(s, dt, shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, r.nextDouble() * 2 - 1);
        return t;
    }

    /** A random tensor of the given shape whose last two axes are stored transposed (non-contiguous view). */
    static Tensor randomTransposed(Scope s, DType dt, Random r, int... shape) {
        int[] st = shape.clone();
        int a = st.length - 1, b = st.length - 2;
        int tmp = st[a]; st[a] = st[b]; st[b] = tmp;
        return random(s, dt, r, st).transpose(a, b);
    }

    static Tensor zeros(Scope s, DType dt, int... shape) {
        return Tensor.zeros(s, dt, shape);
    }

    static double tol(DType dt) {
        return dt == DType.F32 ? 2e-4 : 1e-10;
    }

    /** |actual - expected| <= tol * (1 + |expected|) element-wise, with the failing index in the message. */
    static void assertClose(String what, Tensor expected, Tensor actual, double tol) {
        if (!Arrays.equals(expected.shape(), actual.shape())) fail(what + ": shape " + Arrays.toString(actual.shape()) + " != " + Arrays.toString(expected.shape()));
        for (long i = 0; i < expected.numel(); i++) {
            double e = expected.getFlat(i), a = actual.getFlat(i);
            if (Double.isNaN(e) && Double.isNaN(a)) continue;
            if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) {
                fail(what + ": element " + i + " of " + Arrays.toString(expected.shape()) + " expected " + e + " got " + a);
            }
        }
    }

    static void assertClose(String what, double expected, double actual, double tol) {
        if (!(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)))) fail(what + ": expected " + expected + " got " + actual);
    }
}
