package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Which layouts the vector paths take (and which go to the scalar spec): the conformance table cannot tell a
 * fast path from a silent fallback, this test can.
 */
class VectorDispatchTest {
    @Test
    void vectorPathsTakeTheLayoutsTheyClaim() {
        try (Scope s = Scope.open()) {
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                Tensor a = Tensor.zeros(s, dt, 5, 37), b = Tensor.zeros(s, dt, 5, 37), out = Tensor.zeros(s, dt, 5, 37);
                Tensor row = Tensor.zeros(s, dt, 1, 37).expand(5, 37), col = Tensor.zeros(s, dt, 5, 1).expand(5, 37);
                Tensor scalar = Tensor.zeros(s, dt, 1, 1).expand(5, 37);
                Tensor transposed = Tensor.zeros(s, dt, 37, 5).t();
                assertTrue(VectorElementwise.unary(UnaryOp.TANH, a, out));
                assertTrue(VectorElementwise.binary(BinaryOp.ADD, a, b, out));
                assertTrue(VectorElementwise.binary(BinaryOp.SUB, a, row, out), "row broadcast");
                assertTrue(VectorElementwise.binary(BinaryOp.DIV, col, a, out), "column broadcast on the left");
                assertTrue(VectorElementwise.binary(BinaryOp.POW, a, scalar, out), "scalar broadcast");
                assertTrue(VectorElementwise.binaryScalar(BinaryOp.MAX, a, 0.5, out));
                assertTrue(VectorElementwise.compare(CompareOp.GE, a, b, out));
                assertTrue(VectorElementwise.where(a, a, b, out));
                assertTrue(VectorElementwise.fill(out, 3));
                assertTrue(VectorElementwise.copy(a, Tensor.zeros(s, dt == DType.F32 ? DType.F64 : DType.F32, 5, 37)), "cast");
                assertTrue(VectorElementwise.reduce(ReduceOp.VARIANCE, a, 1, Tensor.zeros(s, dt, 5, 1)), "last axis");
                assertTrue(VectorElementwise.reduce(ReduceOp.MEAN, a, 0, Tensor.zeros(s, dt, 1, 37)), "outer axis");
                assertTrue(VectorElementwise.reduceAllSupported(a));
                assertTrue(VectorElementwise.softmax(a, 1, out, true));
                // declined: the scalar spec runs these
                assertFalse(VectorElementwise.unary(UnaryOp.TANH, transposed, out));
                assertFalse(VectorElementwise.binary(BinaryOp.ADD, transposed, b, out));
                assertFalse(VectorElementwise.softmax(a, 0, out, false));
                assertFalse(VectorElementwise.reduce(ReduceOp.ARGMAX, a, 0, Tensor.zeros(s, DType.I32, 1, 37)));
                assertFalse(VectorElementwise.reduceAllSupported(transposed));
            }
        }
    }
}
