package dev.vectorgrad.nativ.jni;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;

/** C++ kernels through JNI. */
public final class JniKernelsProvider implements KernelsProvider {
    @Override
    public String name() { return "native"; }

    @Override
    public Availability availability() { return Availability.no("not built yet"); }

    @Override
    public Kernels create(Kernels fallback) { throw new IllegalStateException("native backend unavailable"); }
}
