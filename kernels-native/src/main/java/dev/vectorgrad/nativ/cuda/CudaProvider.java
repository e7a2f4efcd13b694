package dev.vectorgrad.nativ.cuda;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;

/** CUDA through FFM. */
public final class CudaProvider implements KernelsProvider {
    @Override
    public String name() { return "cuda"; }

    @Override
    public Availability availability() { return Availability.no("not built yet"); }

    @Override
    public Kernels create(Kernels fallback) { throw new IllegalStateException("cuda backend unavailable"); }
}
