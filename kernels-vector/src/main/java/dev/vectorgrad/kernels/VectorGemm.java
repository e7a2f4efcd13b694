package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;

/**
 * Vector API GEMM (issue 3): dispatches by dtype to {@link GemmF32} / {@link GemmF64} (packing, register-tiled
 * microkernel, cache blocking, a direct path for small sizes, panels split across {@link Parallel} workers);
 * F32 matrix-vector shapes (m == 1 or n == 1) go to {@link GemvF32} first, which reads them without packing.
 * Arguments were validated by {@link Ops#gemm}.
 */
final class VectorGemm {
    private VectorGemm() {}

    static void gemm(VectorKernels k, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        if (c.dtype() == DType.F32 && a.dtype() == DType.F32 && b.dtype() == DType.F32) {
            if (!GemvF32.tryGemv(alpha, a, b, beta, c)) GemmF32.gemm(alpha, a, b, beta, c);
        } else if (c.dtype() == DType.F64 && a.dtype() == DType.F64 && b.dtype() == DType.F64) {
            GemmF64.gemm(alpha, a, b, beta, c);
        } else {
            k.scalarGemm(alpha, a, b, beta, c);
        }
    }
}
