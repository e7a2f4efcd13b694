package dev.vectorgrad.nativ.openblas;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;

/** OpenBLAS (org.bytedeco:openblas). */
public final class OpenBlasProvider implements KernelsProvider {
    @Override
    public String name() { return "openblas"; }

    @Override
    public Availability availability() { return Availability.no("not built yet"); }

    @Override
    public Kernels create(Kernels fallback) { throw new IllegalStateException("openblas backend unavailable"); }
}
