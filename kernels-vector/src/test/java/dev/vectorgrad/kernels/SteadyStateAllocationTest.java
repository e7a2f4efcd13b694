package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Once compiled, the vector kernels allocate nothing per call: a vector that C2 fails to keep in registers is
 * boxed on the heap (tens of bytes per 8 elements), which this test sees through the thread's allocation counter.
 */
class SteadyStateAllocationTest {
    static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void elementwiseReductionAndSoftmaxAllocateNothingOnceWarm() {
        Kernels k = new VectorKernels();
        try (Scope s = Scope.open()) {
            int n = 1000; // leaves a tail for 4, 8 and 16 lanes
            Tensor a = Tensor.zeros(s, DType.F32, 4, n), b = Tensor.zeros(s, DType.F32, 4, n), out = Tensor.zeros(s, DType.F32, 4, n);
            Tensor row = Tensor.zeros(s, DType.F32, 1, n).expand(4, n), red = Tensor.zeros(s, DType.F32, 4, 1);
            Tensor d = Tensor.zeros(s, DType.F64, 4, n), dOut = Tensor.zeros(s, DType.F64, 4, n);
            Runnable calls = () -> {
                k.binary(BinaryOp.ADD, a, b, out);
                k.binary(BinaryOp.MUL, a, row, out);
                k.binaryScalar(BinaryOp.MUL, a, 2, out);
                k.unary(UnaryOp.EXP, a, out);
                k.unary(UnaryOp.GELU, d, dOut);
                k.compare(CompareOp.LT, a, b, out);
                k.reduce(ReduceOp.SUM, a, 1, red);
                k.reduceAll(ReduceOp.MAX, a);
                k.reduceAll(ReduceOp.ARGMAX, d);
                k.softmax(a, 1, out);
                k.copy(a, d);
                k.fill(out, 1);
            };
            double perCall = Double.MAX_VALUE;
            // C2 may take a while on a loaded machine: warm up in rounds until a round is allocation-free.
            for (int round = 0; round < 40 && perCall >= 1; round++) {
                long before = THREADS.getCurrentThreadAllocatedBytes();
                int calls1 = 2000;
                for (int i = 0; i < calls1; i++) calls.run();
                perCall = (THREADS.getCurrentThreadAllocatedBytes() - before) / (double) calls1;
            }
            assertTrue(perCall < 1, "kernels still allocate " + perCall + " bytes per round of calls after warm-up");
        }
    }
}
