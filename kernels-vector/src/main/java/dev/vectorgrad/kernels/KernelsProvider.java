package dev.vectorgrad.kernels;

/**
 * A backend found with {@link java.util.ServiceLoader} (native backends live in kernels-native). Probing must
 * never throw: a missing native library or device is reported through {@link #availability()}.
 */
public interface KernelsProvider {
    /** Name used in configuration: native, openblas, cuda. */
    String name();

    /** Whether this backend can run here, and why not. Called once; must be cheap after the first call. */
    Availability availability();

    /** The backend's kernels; every op it does not implement goes to {@code fallback}. Only when available. */
    Kernels create(Kernels fallback);

    /** Which ops this backend implements itself (for {@code info}), e.g. "gemm, conv2d". */
    default String ops() { return "all"; }

    record Availability(boolean available, String reason) {
        public static Availability yes(String detail) { return new Availability(true, detail); }
        public static Availability no(String reason) { return new Availability(false, reason); }
    }
}
