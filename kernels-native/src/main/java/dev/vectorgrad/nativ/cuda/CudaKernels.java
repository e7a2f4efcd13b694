package dev.vectorgrad.nativ.cuda;

import dev.vectorgrad.kernels.ForwardingKernels;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;

/**
 * The {@link Kernels} contract on host tensors with GEMM done by cuBLAS: operands are staged to the device,
 * multiplied and copied back (worth it only for large products; device-resident work goes through
 * {@link Cuda} and {@link DeviceTensor}). Everything else, and non-contiguous or I32 operands, forwards.
 */
final class CudaKernels extends ForwardingKernels {
    CudaKernels(Kernels next) {
        this(next, true);
    }

    /** requireRuntime false: for the tests of the Java-side guards on a machine without CUDA. */
    CudaKernels(Kernels next, boolean requireRuntime) {
        super(next);
        if (requireRuntime) CudaRuntime.get(); // throws with the reason when unavailable
    }

    @Override
    public String name() { return "cuda"; }

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        a.checkAlive();
        b.checkAlive();
        c.checkAlive();
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || a.dim(1) != b.dim(0) || c.dim(0) != a.dim(0) || c.dim(1) != b.dim(1)) {
            throw new IllegalArgumentException("gemm: " + Shapes.str(a.shape()) + " @ " + Shapes.str(b.shape()) + " does not fit output " + Shapes.str(c.shape()));
        }
        boolean ok = (a.dtype() == DType.F32 || a.dtype() == DType.F64) && a.dtype() == b.dtype() && a.dtype() == c.dtype()
                && a.isContiguous() && b.isContiguous() && c.isContiguous();
        if (!ok) {
            next.gemm(alpha, a, b, beta, c);
            return;
        }
        try (DeviceTensor da = DeviceTensor.of(a); DeviceTensor db = DeviceTensor.of(b);
             DeviceTensor dc = beta == 0 ? DeviceTensor.alloc(c.dtype(), c.shape()) : DeviceTensor.of(c)) {
            if (beta == 0) {
                Cuda.gemm(alpha, da, db, 0, dc);
            } else {
                Cuda.gemm(alpha, da, db, beta, dc);
            }
            dc.copyTo(c);
        }
    }
}
