package dev.vectorgrad.nativ.jni;

import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.KernelsProvider;

/** C++ kernels through JNI ({@link JniKernels}); unavailable, with the reason, when the library is missing. */
public final class JniKernelsProvider implements KernelsProvider {
    @Override
    public String name() { return "native"; }

    @Override
    public Availability availability() {
        try {
            return NativeLib.available() ? Availability.yes(NativeLib.reason()) : Availability.no(NativeLib.reason());
        } catch (Throwable t) {
            return Availability.no("native library probe failed: " + t);
        }
    }

    @Override
    public Kernels create(Kernels fallback) { return new JniKernels(fallback); }

    @Override
    public String ops() {
        return "unary, binary, binaryScalar, fill, reduce, reduceAll, softmax, logSoftmax, gemm, conv2d (+backward), "
                + "max/avg pool (+backward), biasActivation, activationBackward, 4 losses, 4 optimizers (F32/F64 contiguous; the rest forwards)";
    }
}
