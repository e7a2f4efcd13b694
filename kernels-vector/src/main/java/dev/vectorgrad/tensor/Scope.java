package dev.vectorgrad.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Owner of off-heap tensor memory. Closing a scope frees every tensor allocated in it; touching such a
 * tensor afterwards throws {@link IllegalStateException} on the Java side, before any kernel or native call.
 *
 * <p>A scope opened with {@link #open()} belongs to the opening thread: tensors of it may only be used from
 * that thread (the library's own worker threads, which run a kernel on behalf of the caller, are allowed).
 * {@link #shared()} scopes can be used from any thread, e.g. for model weights served concurrently.
 * Native backends (JNI, OpenBLAS, CUDA copies) work on raw addresses that the JVM does not guard, so they
 * {@link #acquire(Tensor...) acquire} the scopes of their tensors for the length of the call: closing a shared
 * scope from another thread then waits for those calls to return instead of freeing memory under them (a
 * use-after-free that killed the JVM), and later calls throw.
 * Memory is backed by a shared {@link Arena} so that our kernel workers may touch it; the owner-thread rule
 * is enforced by {@link #checkAccess()}.
 *
 * <p>Ops that produce new tensors allocate them in {@link #current()}: the innermost scope opened with
 * {@link #open()} on this thread, or the global scope (freed by the GC) when none is open.
 */
public final class Scope implements AutoCloseable {
    /** Bytes currently allocated by all scopes that are not closed yet (the global scope included). */
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    private static final AtomicLong TOTAL_ALLOCATIONS = new AtomicLong();
    private static final ThreadLocal<ArrayDeque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);
    private static final Scope GLOBAL = new Scope(Arena.ofAuto(), null, "global", false);

    /** Alignment of every tensor allocation: one cache line, which is also one 512-bit vector. */
    public static final long ALIGNMENT = 64;

    private final Arena arena;
    private final Thread owner;
    private final String name;
    private final boolean onStack;
    private volatile boolean closed;
    private long bytes;
    /** Native calls in flight on this scope's memory; -1 once closed. */
    private final AtomicInteger nativeUsers = new AtomicInteger();

    private Scope(Arena arena, Thread owner, String name, boolean onStack) {
        this.arena = arena;
        this.owner = owner;
        this.name = name;
        this.onStack = onStack;
    }

    /** Opens a scope owned by the calling thread and makes it the current scope until closed. */
    public static Scope open() {
        Scope s = new Scope(Arena.ofShared(), Thread.currentThread(), "scope", true);
        STACK.get().push(s);
        return s;
    }

    /** A scope whose tensors any thread may use. It does not become the current scope. */
    public static Scope shared() {
        return new Scope(Arena.ofShared(), null, "shared scope", false);
    }

    /** The scope that lives as long as the JVM; memory is reclaimed by the GC once unreachable. */
    public static Scope global() { return GLOBAL; }

    /** Innermost open scope of this thread, else {@link #global()}. */
    public static Scope current() {
        Scope s = STACK.get().peek();
        return s == null ? GLOBAL : s;
    }

    /** Bytes held by all live scopes (for memory-leak tests and {@code info}). */
    public static long liveBytes() { return LIVE_BYTES.get(); }

    /** Count of tensor allocations since the JVM started (for zero-allocation tests). */
    public static long allocationCount() { return TOTAL_ALLOCATIONS.get(); }

    /**
     * Zeroed room past the end of every allocation, inside the segment: one 512-bit vector. A kernel that reads or
     * stores the last row of a tensor with a masked vector op finds a whole vector inside the segment, and the JDK takes
     * its plain masked path instead of checking the lanes one by one against the segment's end (which cost ~13 ns of a
     * 73 ns 8^3 GEMM: bench/README.md, session 23). No tensor element lives there; the kernels may read it, and store
     * into it only lanes that are not elements of any tensor.
     */
    public static final long SLACK = 64;

    /**
     * Allocates {@code bytes} of zeroed, 64-byte aligned memory in this scope; the segment is {@link #SLACK} bytes longer
     * (counted in {@link #liveBytes()} and {@link #toString()} as the {@code bytes} asked for).
     */
    public MemorySegment allocate(long bytes) {
        checkAccess();
        MemorySegment seg = arena.allocate(Math.max(bytes, 0) + SLACK, ALIGNMENT);
        synchronized (this) {
            this.bytes += bytes;
        }
        LIVE_BYTES.addAndGet(this == GLOBAL ? 0 : bytes);
        TOTAL_ALLOCATIONS.incrementAndGet();
        return seg;
    }

    public boolean isClosed() { return closed; }

    public boolean isShared() { return owner == null; }

    public Thread owner() { return owner; }

    /**
     * Throws if this scope is closed, or if it belongs to another thread than the caller. Our own kernel
     * worker threads ({@link KernelThread}) pass: they act for a caller that was checked.
     */
    public void checkAccess() {
        if (closed) {
            throw closedError();
        }
        if (owner != null) {
            Thread t = Thread.currentThread();
            if (t != owner && !(t instanceof KernelThread)) {
                throw new IllegalStateException("tensor of a scope owned by thread '" + owner.getName()
                        + "' used from thread '" + t.getName() + "'; use Scope.shared() for tensors shared across threads");
            }
        }
    }

    /**
     * Marks this scope's memory as in use by a native call until {@link #release()}: {@link #close()} waits for
     * it. Throws {@link IllegalStateException} if the scope is closed or the calling thread may not use it
     * ({@link #checkAccess()}), so a native entry point needs no separate liveness check.
     */
    public void acquire() {
        checkAccess();
        for (;;) {
            int u = nativeUsers.get();
            if (u < 0 || closed) throw closedError();
            if (nativeUsers.compareAndSet(u, u + 1)) return;
        }
    }

    /** Ends a native use begun by {@link #acquire()}. */
    public void release() {
        nativeUsers.decrementAndGet();
    }

    /**
     * {@link #acquire()} once on each distinct scope of the non-null tensors; if one is closed, the ones already
     * taken are released and the exception is thrown.
     */
    public static void acquire(Tensor... ts) {
        for (int i = 0; i < ts.length; i++) {
            if (!firstOfItsScope(ts, i)) continue;
            try {
                ts[i].scope().acquire();
            } catch (RuntimeException e) {
                for (int j = 0; j < i; j++) if (firstOfItsScope(ts, j)) ts[j].scope().release();
                throw e;
            }
        }
    }

    /** Releases what {@link #acquire(Tensor...)} took for the same tensors. */
    public static void release(Tensor... ts) {
        for (int i = 0; i < ts.length; i++) if (firstOfItsScope(ts, i)) ts[i].scope().release();
    }

    private static boolean firstOfItsScope(Tensor[] ts, int i) {
        if (ts[i] == null) return false;
        Scope s = ts[i].scope();
        for (int j = 0; j < i; j++) if (ts[j] != null && ts[j].scope() == s) return false;
        return true;
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("tensor used after its " + name + " was closed");
    }

    @Override
    public void close() {
        if (this == GLOBAL) {
            throw new IllegalStateException("the global scope cannot be closed");
        }
        if (closed) {
            return;
        }
        if (owner != null && Thread.currentThread() != owner) {
            throw new IllegalStateException("scope owned by thread '" + owner.getName() + "' closed from thread '"
                    + Thread.currentThread().getName() + "'");
        }
        closed = true;
        // Native calls that acquired this scope before it was marked closed finish before the memory goes.
        for (int spins = 0; !nativeUsers.compareAndSet(0, -1); spins++) {
            if (spins < 100) Thread.onSpinWait();
            else LockSupport.parkNanos(20_000);
        }
        if (onStack) {
            ArrayDeque<Scope> stack = STACK.get();
            stack.remove(this);
        }
        LIVE_BYTES.addAndGet(-bytes);
        arena.close();
    }

    @Override
    public String toString() {
        return name + (closed ? " (closed)" : "") + ", " + bytes + " bytes";
    }

    /** Marker for the library's own worker threads, which may touch a confined scope's tensors for their caller. */
    public static class KernelThread extends Thread {
        public KernelThread(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }
}
