package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** NaN and infinities behave as IEEE 754 says, on every Java backend and both dtypes (rows long enough for vector bodies). */
class IeeeTest {
    static List<Object[]> backends() {
        return List.of(new Object[] {new ScalarKernels(), DType.F32}, new Object[] {new ScalarKernels(), DType.F64},
                new Object[] {new VectorKernels(), DType.F32}, new Object[] {new VectorKernels(), DType.F64});
    }

    static Tensor row(DType dt, double... v) {
        Tensor t = Tensor.zeros(Scope.global(), dt, v.length);
        for (int i = 0; i < v.length; i++) t.setFlat(i, v[i]);
        return t;
    }

    static double[] padded(double special, int at) {
        double[] v = new double[19];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.25 - 2;
        v[at] = special;
        return v;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxOfRowWithPlusInfinityIsNaN(Kernels k, DType dt) {
        // max = +inf, and inf - inf is NaN: the whole row is NaN (PyTorch agrees).
        Tensor x = row(dt, padded(Double.POSITIVE_INFINITY, 5));
        Tensor out = Tensor.empty(x);
        k.softmax(x, 0, out);
        for (double v : out.toDoubleArray()) assertTrue(Double.isNaN(v), Arrays.toString(out.toDoubleArray()));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxWithMinusInfinityGivesZeroThere(Kernels k, DType dt) {
        Tensor x = row(dt, padded(Double.NEGATIVE_INFINITY, 11));
        Tensor out = Tensor.empty(x);
        k.softmax(x, 0, out);
        double[] y = out.toDoubleArray();
        assertEquals(0.0, y[11]);
        assertEquals(1.0, Arrays.stream(y).sum(), dt == DType.F32 ? 1e-5 : 1e-12);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void logSoftmaxOfLargeValuesStaysFinite(Kernels k, DType dt) {
        Tensor x = row(dt, 1, 2, 3000);
        Tensor out = Tensor.empty(x);
        k.logSoftmax(x, 0, out);
        double[] y = out.toDoubleArray();
        assertEquals(-2999, y[0], 1e-9);
        assertEquals(-2998, y[1], 1e-9);
        assertEquals(0, y[2], 1e-9);
        // and in a row long enough for the vector body
        double[] v = padded(3000, 17);
        Tensor x2 = row(dt, v);
        Tensor out2 = Tensor.empty(x2);
        k.logSoftmax(x2, 0, out2);
        for (double e : out2.toDoubleArray()) assertTrue(Double.isFinite(e), Arrays.toString(out2.toDoubleArray()));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void nanPropagates(Kernels k, DType dt) {
        Tensor x = row(dt, padded(Double.NaN, 9));
        Tensor out = Tensor.empty(x);
        for (UnaryOp op : UnaryOp.values()) {
            k.unary(op, x, out);
            assertTrue(Double.isNaN(out.getFlat(9)), op + " lost a NaN");
        }
        for (BinaryOp op : BinaryOp.values()) {
            k.binary(op, x, row(dt, padded(1.5, 0)), out);
            assertTrue(Double.isNaN(out.getFlat(9)), op + " lost a NaN");
        }
        assertTrue(Double.isNaN(k.reduceAll(ReduceOp.SUM, x)));
        assertTrue(Double.isNaN(k.reduceAll(ReduceOp.MAX, x)));
        assertTrue(Double.isNaN(k.reduceAll(ReduceOp.MIN, x)));
        assertEquals(9, k.reduceAll(ReduceOp.ARGMAX, x), "NaN counts as the maximum");
        k.compare(CompareOp.NE, x, x, out);
        assertEquals(1, out.getFlat(9), "NaN != NaN");
        assertEquals(0, out.getFlat(8));
        k.compare(CompareOp.EQ, x, x, out);
        assertEquals(0, out.getFlat(9), "NaN == NaN is false");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void reluKeepsSignOfZeroOutAndMaxPrefersPositiveZero(Kernels k, DType dt) {
        Tensor x = row(dt, padded(-0.0, 3));
        Tensor out = Tensor.empty(x);
        k.unary(UnaryOp.RELU, x, out);
        assertEquals(0.0, out.getFlat(3)); // +0.0 exactly (assertEquals on doubles distinguishes -0.0)
        k.binary(BinaryOp.MAX, x, row(dt, padded(0.0, 3)), out);
        assertEquals(0.0, out.getFlat(3));
    }
}
