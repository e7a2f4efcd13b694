package dev.vectorgrad.autograd;

/**
 * Disables graph recording on the calling thread until closed: {@code try (var g = NoGrad.enter()) { ... }}.
 * Ops run inside return constants (no node, no saved tensors). Nests.
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private boolean closed;

    private NoGrad() {}

    public static NoGrad enter() {
        DEPTH.get()[0]++;
        return new NoGrad();
    }

    /** True when ops record the graph on this thread (no open NoGrad). */
    public static boolean isGradEnabled() { return DEPTH.get()[0] == 0; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        DEPTH.get()[0]--;
    }
}
