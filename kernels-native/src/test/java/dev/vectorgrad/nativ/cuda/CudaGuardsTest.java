package dev.vectorgrad.nativ.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.ScalarKernels;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend's Java-side guards, runnable without a GPU: a wrong shape or a closed tensor is refused
 * before anything touches the CUDA runtime, and the JVM lives on. Where CUDA is unavailable, a well-formed
 * call gets past the guards and stops at the runtime with the unavailability reason, which shows the order.
 */
class CudaGuardsTest {
    private final CudaKernels k = new CudaKernels(new ScalarKernels(), false);

    @Test
    void wrongShapesAreRefusedBeforeTheRuntime() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor a = Tensor.zeros(dt, 2, 3), b = Tensor.zeros(dt, 4, 5), c = Tensor.zeros(dt, 2, 5);
            var e = assertThrows(IllegalArgumentException.class, () -> k.gemm(1, a, b, 0, c));
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.gemm(1, a, Tensor.zeros(dt, 3, 5), 0, Tensor.zeros(dt, 3, 5)));
            assertThrows(IllegalArgumentException.class, () -> k.gemm(1, Tensor.zeros(dt, 2, 3, 1), b, 0, c));
        }
        stillAlive();
    }

    @Test
    void closedTensorsAreRefusedBeforeTheRuntime() {
        Tensor a, b, c;
        try (Scope s = Scope.open()) {
            a = Tensor.zeros(DType.F32, 2, 3);
            b = Tensor.zeros(DType.F32, 3, 4);
            c = Tensor.zeros(DType.F32, 2, 4);
        }
        var e = assertThrows(IllegalStateException.class, () -> k.gemm(1, a, b, 0, c));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        stillAlive();
    }

    @Test
    void aWellFormedCallReachesTheRuntimeOnlyAfterTheGuards() {
        Tensor a = Tensor.zeros(DType.F32, 2, 3), b = Tensor.zeros(DType.F32, 3, 4), c = Tensor.zeros(DType.F32, 2, 4);
        if (Cuda.isAvailable()) {
            k.gemm(1, a, b, 0, c);
            assertEquals(0.0, c.getFlat(0));
        } else {
            var e = assertThrows(IllegalStateException.class, () -> k.gemm(1, a, b, 0, c));
            assertTrue(e.getMessage().contains(Cuda.reason()), e.getMessage());
        }
        // Layouts cuBLAS staging does not take (a transposed view, I32) go to the fallback without the runtime.
        Tensor at = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2).t(), bb = Tensor.of(new double[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Tensor cc = Tensor.zeros(DType.F64, 2, 2);
        k.gemm(1, at, bb, 0, cc);
        assertEquals(1 + 5.0, cc.getDouble(0, 0)); // row 0 of at = {1, 3, 5}; column 0 of bb = {1, 0, 1}
    }

    private static void stillAlive() {
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 2), y = Tensor.of(new float[] {3, 4}, 2, 1), z = Tensor.zeros(DType.F32, 1, 1);
        new ScalarKernels().gemm(1, x, y, 0, z);
        assertEquals(11.0, z.getFlat(0));
    }
}
