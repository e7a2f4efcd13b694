package dev.vectorgrad.nativ.openblas;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;

/**
 * OpenBLAS (org.bytedeco:openblas, the native library inside the jar): GEMM and conv2d forward and backward (im2col/col2im + GEMM)
 * through FFM downcalls on the tensors' addresses; every other op, and views OpenBLAS cannot describe, go to
 * the fallback. Thread count: see {@link OpenBlasKernels}.
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
        // Routed for one op only (-Dvectorgrad.gemm=openblas or -Dvectorgrad.conv=openblas without
        // -Dvectorgrad.backend=openblas): only that op goes to OpenBLAS. Otherwise (the backend by name, from the
        // property or from code) both GEMM and conv2d forward do.
        String backend = prop("vectorgrad.backend"), gemm = prop("vectorgrad.gemm"), conv = prop("vectorgrad.conv");
        boolean routedOnly = !"openblas".equals(backend) && ("openblas".equals(gemm) || "openblas".equals(conv));
        boolean gemmOn = !routedOnly || "openblas".equals(gemm), convOn = !routedOnly || "openblas".equals(conv);
        return new OpenBlasKernels(h, fallback, gemmOn, convOn);
    }

    private static String prop(String name) {
        String v = System.getProperty(name, System.getenv(name.toUpperCase(java.util.Locale.ROOT).replace('.', '_')));
        return v == null ? null : v.trim().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String ops() { return "gemm, conv2d forward and backward (im2col/col2im + gemm)"; }
}
