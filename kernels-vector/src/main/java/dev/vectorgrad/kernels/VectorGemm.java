package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;

/** Vector API GEMM (issue 3). Until it is written, the scalar oracle runs. */
final class VectorGemm {
    private VectorGemm() {}

    static void gemm(VectorKernels k, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        k.scalarGemm(alpha, a, b, beta, c);
    }
}
