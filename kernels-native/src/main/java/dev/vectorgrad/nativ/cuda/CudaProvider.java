package dev.vectorgrad.nativ.cuda;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;

/**
 * CUDA through FFM: libcudart/libcublas found at runtime (see {@link CudaRuntime}); available only with a
 * device. Probing never throws; the reason says what is missing (library, driver, device).
 */
public final class CudaProvider implements KernelsProvider {
    @Override
    public String name() { return "cuda"; }

    @Override
    public Availability availability() {
        try {
            return Cuda.isAvailable() ? Availability.yes(Cuda.reason()) : Availability.no(Cuda.reason());
        } catch (Throwable t) {
            return Availability.no("CUDA probe failed: " + t);
        }
    }

    @Override
    public Kernels create(Kernels fallback) { return new CudaKernels(fallback); }

    @Override
    public String ops() { return "gemm (cuBLAS, staged from host); device-resident API: DeviceTensor, Cuda.gemm"; }
}
