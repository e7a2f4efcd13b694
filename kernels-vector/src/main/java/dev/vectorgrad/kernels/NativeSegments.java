package dev.vectorgrad.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Makes a segment's class known to C2 where a kernel uses it. The JDK's segment-access methods (under every
 * FloatVector.fromMemorySegment, intoMemorySegment, getAtIndex) dispatch on the segment's class by type profiles that
 * every caller in the JVM shares. Once other code in the JVM has run them on heap segments (MemorySegment.ofArray),
 * those profiles name two classes and C2 compiles each of our loads and stores with checks for both: measured, 64^3
 * GEMM 4.6-7.0 us instead of 2.8, the MNIST conv layer's three passes 180-186 us instead of 109 (bench/README
 * "Session 19"). Cast to the native class, a segment's calls bind directly and those profiles no longer matter.
 * Every tensor's storage and every kernel scratch is native (Scope and the scratch allocate from arenas). A kernel
 * method casts the segments it reads or writes itself; one that only hands them on through VMath's MethodHandle
 * boundary does not (the known class does not cross it: the range body casts again).
 */
final class NativeSegments {
    private NativeSegments() {}

    /** The class of native segments. */
    static final Class<? extends MemorySegment> NATIVE = Arena.global().allocate(1).getClass();

    /**
     * s, its class made known to C2; a segment of another class (none reaches the kernels) passes unchanged, on a
     * branch C2 compiles out while it is never taken.
     */
    static MemorySegment nat(MemorySegment s) {
        return NATIVE.isInstance(s) ? NATIVE.cast(s) : s;
    }
}
