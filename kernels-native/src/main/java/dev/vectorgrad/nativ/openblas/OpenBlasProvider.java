package dev.vectorgrad.nativ.openblas;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;

/**
 * OpenBLAS (org.bytedeco:openblas, the native library inside the jar): GEMM through FFM downcalls on the
 * tensors' addresses; every other op, and GEMM views OpenBLAS cannot describe, go to the fallback.
 */
public final class OpenBlasProvider implements KernelsProvider {
    @Override
    public String name() { return "openblas"; }

    @Override
    public Availability availability() {
        try {
            OpenBlas.Handles h = OpenBlas.handles();
            if (h == null) return Availability.no(OpenBlas.failure());
            return Availability.yes(h.config().isEmpty() ? "OpenBLAS via FFM" : h.config());
        } catch (Throwable t) {
            return Availability.no("OpenBLAS probe failed: " + t);
        }
    }

    @Override
    public Kernels create(Kernels fallback) {
        OpenBlas.Handles h = OpenBlas.handles();
        if (h == null) throw new IllegalStateException("openblas backend unavailable: " + OpenBlas.failure());
        return new OpenBlasKernels(h, fallback);
    }

    @Override
    public String ops() { return "gemm"; }
}
