package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math that gives the same bits interpreted, under C1 and under C2. {@code lanewise(EXP/LOG/LOG1P/TANH)} do
 * not: C2 calls a vector stub (SVML-like, within 4 ulp) while the interpreter and C1 run {@code Math.*} per lane, so
 * a kernel's first calls (before C2 compiled it) and later calls differed in the last bits, and two training runs
 * with the same seed drifted apart depending on JIT timing. Built only from +, -, *, /, fma, min/max, comparisons
 * and blends, and integer bit operations, which are exact IEEE operations in every tier (Cephes-style polynomials).
 * Special values follow {@code Math.*}: NaN in gives NaN, log(0) = -Inf, log(x < 0) = NaN, log(+Inf) = +Inf,
 * tanh(+-Inf) = +-1, signed zeros kept by tanh and log1p; subnormal inputs and results are handled.
 * Measured accuracy against StrictMath (VMathTest, max ulp): F32 exp 0.99, log 0.73, log1p 1.43, tanh 1.23 (vs the
 * exact value); F64 exp 2, log 1, log1p 1, tanh 2 (vs StrictMath, itself within 1 ulp).
 * <p>
 * <b>Memory in, memory out: no vector crosses a call into or out of this class.</b> Each function reads one vector
 * of the preferred species at byte offset {@code so} of {@code src} and writes its result at {@code do_} of
 * {@code dst} (the same place is fine: every function reads before it writes). A vector passed to or returned from
 * a call that C2 does not inline is boxed on the heap (tens of bytes per vector, ~30x slower), and C2 leaves a call
 * out of line for reasons a kernel cannot control: a call site that was cold when the method compiled (rows shorter
 * than a vector at first: callees over 35 bytecodes are then "too big"), a compilation past its 18,000-node
 * inlining budget (NodeCountInliningCutoff: a dispatcher that inlined one row loop with an exp and then reaches a
 * second), or code already compiled big. With vectors handed over in memory such a call costs a call per vector and
 * allocates nothing; inlined, it costs a store and a load that forward in L1. For the same reason each function is
 * flat (no helper of ours takes or returns a vector; past the budget C2 refuses our methods but still inlines the
 * JDK's own @ForceInline Vector API methods, late), and the composite ones (tanh, log1p) reach exp and log through
 * memory too. A kernel stores its argument (x - max, -|x|, ...) into its output or a scratch vector
 * ({@link #scratch}), calls the function there and loads the result back, or, where that kernel would parse past
 * C2's inlining cutoff with the function inlined, hands whole ranges to a range that is a compilation of its own
 * (see "ranges" below: the late inlining past the cutoff boxed the exp result loaded back in the fused sigmoid
 * kernel at random): exp, sigmoid, tanh, log and log1p in both dtypes, F32 BCE's log1p. Log is too big for one
 * compilation even alone and runs in two halves through memory. Used by: VectorLoops (exp, log,
 * sigmoid, tanh, GELU in both dtypes), softmax, the fused sigmoid and tanh activations, the losses' exp and BCE's
 * log1p. (pow runs Math.pow per element: x^y = exp(y log x) needs extra precision.) DeterminismTest compares
 * -Xint, C2 and tiered runs of each; VMathAllocationTest, ConvTrainingAllocationTest and ShortRowsProfileProbe
 * catch boxing; VMathOutOfLineTest runs the kernels with this class never inlined.
 */
final class VMath {
    private VMath() {}

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so n * LN2_HI is exact for |n| <= 2^9 (Cephes expf).
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: x + ROUND rounds x to an integer in the low bits
    private static final float SQRTHF = 0.707106781186547524f;
    private static final float INF = Float.POSITIVE_INFINITY;

    private static final double LOG2E_D = 1.4426950408889634073599;
    private static final double C1 = 6.93145751953125E-1, C2 = 1.42860682030941723212E-6; // ln 2, exp's split
    private static final double LN2_HI_D = 0.693359375, LN2_LO_D = -2.121944400546905827679e-4; // log's split
    private static final double ROUND_D = 6755399441055744.0; // 1.5 * 2^52
    private static final long ROUND_D_BITS = 0x4338000000000000L;
    private static final double SQRTH = 0.70710678118654752440;
    private static final double INF_D = Double.POSITIVE_INFINITY;

    /**
     * Per-thread scratch of one vector (64-byte aligned, off-heap like the tensors so the loads here see one segment
     * class) for kernels whose VMath results do not go to an output (sums of exp). Fetch it once per kernel call.
     */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Math.max(FS.vectorByteSize(), DS.vectorByteSize()), 64));

    static MemorySegment scratch() {
        return SCRATCH.get();
    }


    // ------------------------------------------------------------------ float

    /**
     * e^x for float lanes, Cephes expf: n = round(x log2 e), r = x - n ln 2 (two-part ln 2), a degree-6 polynomial
     * for e^r on |r| <= ln 2 / 2 (within 2 ulp), then 2^n applied in two exact steps so subnormal results round
     * once. Inputs are clamped to [-104, 89]: below, e^x rounds to 0; above, it overflows to +Inf. NaN stays NaN.
     */
    static void expF(MemorySegment src, long so, MemorySegment dst, long do_) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        FloatVector xc = FloatVector.fromMemorySegment(FS, src, so, NO).max(-104f).min(89f);
        FloatVector t = xc.fma(LOG2E, ROUND);
        FloatVector nf = t.sub(ROUND);
        IntVector n = t.reinterpretAsInts().sub(0x4B400000);
        FloatVector r = nf.lanewise(VectorOperators.FMA, -LN2_HI, xc);
        r = nf.lanewise(VectorOperators.FMA, -LN2_LO, r);
        FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f);
        p = p.lanewise(VectorOperators.FMA, r, 8.3334519073E-3f);
        p = p.lanewise(VectorOperators.FMA, r, 4.1665795894E-2f);
        p = p.lanewise(VectorOperators.FMA, r, 1.6666665459E-1f);
        p = p.lanewise(VectorOperators.FMA, r, 5.0000001201E-1f);
        FloatVector y = p.mul(r).fma(r, r).add(1f);
        // 2^n = 2^n1 * 2^n2 with both halves normal floats (n in [-150, 129]).
        IntVector n1 = n.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = n.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        // NaN: max/min keep it (Java semantics), and so does every step after
        y.mul(s1).mul(s2).intoMemorySegment(dst, do_, NO);
    }

    /**
     * Natural log for float lanes, Cephes logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(1 + f) for f = m - 1
     * (exact) by a degree-8 polynomial, plus e ln 2 in two parts. Subnormal inputs are scaled by 2^23 first. One
     * vector through {@link #logVectorsF}: in one piece this parsed to ~24,000 C2 nodes, past the inlining cutoff
     * (see "ranges"), so it runs in two, {@link #logSplitF} and {@link #logFinishF}, with e and f in memory between.
     */
    static void logF(MemorySegment src, long so, MemorySegment dst, long do_) {
        logVectorsF(src, so, dst, do_, 1);
    }

    /** log's first half for one vector: e (the exponent, as a float) to es at eo, f = m - 1 to fs at fo. */
    private static void logSplitF(MemorySegment src, long so, MemorySegment es, long eo, MemorySegment fs, long fo) {
        src = nat(src); es = nat(es); fs = nat(fs); // see NativeSegments
        FloatVector x = FloatVector.fromMemorySegment(FS, src, so, NO);
        VectorMask<Float> sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        IntVector bits = x.blend(x.mul(8388608f), sub).reinterpretAsInts();
        // The exponent field as a float via the ROUND trick: bits of ROUND + k are 0x4B400000 + k.
        FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).add(0x4B400000).reinterpretAsFloats().sub(ROUND + 126f);
        e = e.blend(e.sub(23f), sub);
        FloatVector m = bits.and(0x007FFFFF).or(0x3F000000).reinterpretAsFloats(); // in [0.5, 1)
        VectorMask<Float> lo = m.compare(VectorOperators.LT, SQRTHF);
        e.blend(e.sub(1f), lo).intoMemorySegment(es, eo, NO);
        m.blend(m.add(m), lo).sub(1f).intoMemorySegment(fs, fo, NO); // exact
    }

    /** log's second half for one vector: log(1 + f) + e ln 2 for f in [sqrt(1/2) - 1, sqrt(2) - 1), then x's special values. */
    private static void logFinishF(MemorySegment src, long so, MemorySegment es, long eo, MemorySegment fs, long fo, MemorySegment dst, long do_) {
        src = nat(src); es = nat(es); fs = nat(fs); dst = nat(dst); // see NativeSegments
        FloatVector e = FloatVector.fromMemorySegment(FS, es, eo, NO), f = FloatVector.fromMemorySegment(FS, fs, fo, NO);
        FloatVector z = f.mul(f);
        FloatVector p = f.fma(7.0376836292E-2f, -1.1514610310E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 1.1676998740E-1f);
        p = p.lanewise(VectorOperators.FMA, f, -1.2420140846E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 1.4249322787E-1f);
        p = p.lanewise(VectorOperators.FMA, f, -1.6668057665E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 2.0000714765E-1f);
        p = p.lanewise(VectorOperators.FMA, f, -2.4999993993E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 3.3333331174E-1f);
        FloatVector y = p.mul(f).mul(z);
        y = e.lanewise(VectorOperators.FMA, LN2_LO, y);
        y = z.lanewise(VectorOperators.FMA, -0.5f, y);
        FloatVector r = e.lanewise(VectorOperators.FMA, LN2_HI, f.add(y));
        FloatVector x = FloatVector.fromMemorySegment(FS, src, so, NO);
        r = r.blend(-INF, x.compare(VectorOperators.EQ, 0f));
        r = r.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
        r.blend(x, x.compare(VectorOperators.LT, INF).not()).intoMemorySegment(dst, do_, NO); // +Inf and NaN give themselves
    }

    /**
     * log(1 + x) for float lanes: u = 1 + x rounded, log(u) (through {@link #logF}) plus the first-order correction
     * (x - (u - 1)) / u for the rounding of u. Where u is 0 or +Inf (x = -1, huge x) the correction is NaN and log(u)
     * alone is right; where u == 1, log1p(x) rounds to x (keeps -0).
     */
    static void log1pF(MemorySegment src, long so, MemorySegment dst, long do_) {
        log1pVectorsF(src, so, dst, do_, 1);
    }

    /**
     * log(1 + x) for x in [0, 1] (NaN passes through), as {@link #log1pF} without its range and special-value
     * handling: u = 1 + x is in [1, 2], so u = m 2^k with k = 0 (u < sqrt 2) or 1 and no exponent extraction; then
     * {@link #logF}'s polynomial (written out again here: a helper taking vectors could be left out of line and box,
     * and going through logF costs F32 BCE twice the time). F32 BCE's log1p(exp(-|x|)).
     */
    static void log1pUnitF(MemorySegment src, long so, MemorySegment dst, long do_) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        FloatVector x = FloatVector.fromMemorySegment(FS, src, so, NO);
        FloatVector u = x.add(1f);
        FloatVector c = x.sub(u.sub(1f)).div(u);
        VectorMask<Float> hi = u.compare(VectorOperators.GE, 1.41421356f);
        FloatVector e = FloatVector.zero(FS).blend(1f, hi);
        FloatVector f = u.blend(u.mul(0.5f), hi).sub(1f); // exact
        FloatVector z = f.mul(f);
        FloatVector p = f.fma(7.0376836292E-2f, -1.1514610310E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 1.1676998740E-1f);
        p = p.lanewise(VectorOperators.FMA, f, -1.2420140846E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 1.4249322787E-1f);
        p = p.lanewise(VectorOperators.FMA, f, -1.6668057665E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 2.0000714765E-1f);
        p = p.lanewise(VectorOperators.FMA, f, -2.4999993993E-1f);
        p = p.lanewise(VectorOperators.FMA, f, 3.3333331174E-1f);
        FloatVector y = p.mul(f).mul(z);
        y = e.lanewise(VectorOperators.FMA, LN2_LO, y);
        y = z.lanewise(VectorOperators.FMA, -0.5f, y);
        e.lanewise(VectorOperators.FMA, LN2_HI, f.add(y)).add(c).intoMemorySegment(dst, do_, NO);
    }

    // ------------------------------------------------------------------ ranges, each a compilation unit

    /*
     * C2 parses at most about 18,000 nodes into one compilation at full strength (NodeCountInliningCutoff, a
     * product constant). Past that point it still inlines the JDK's @ForceInline Vector API methods, but late, after
     * parsing, and a vector made by a late-inlined call can stay boxed: 80 B per vector, seen in about one JVM in
     * three in the fused sigmoid conv kernel (the exp result loaded back after expF, JFR: the box allocated at that
     * load; ConvTrainingAllocationTest, 107,520 B per call). Vector API calls are expensive to parse: expF alone is
     * ~15,200 nodes (LogCompilation: ~600 per op with a scalar operand, ~450 with a vector one), so a loop doing
     * anything besides expF crosses the line somewhere inside its vector code, at a place that moves with the
     * profile. The ranges below keep every compilation under it: the exp over whole vectors, and sigmoid and tanh
     * around it (float and double), each run as a compilation of their own, called through a MethodHandle held in a
     * non-final field.
     * C2 inlines a MethodHandle call only when the handle is a constant, which a non-final field never is, so the
     * call stays a call (a few ns, once per range or chunk of CHUNK vectors) and the unit behind it compiles alone:
     * expVectorsF ~15,500 nodes, sigmoidVectorsF and tanhVectorsF well under (their exp is the call), and the
     * kernels calling them only their own prologue and tail (softmax, GELU, the F64 cross-entropy rows, BCE's
     * exp and log1p passes hand their arguments over in chunks of CHUNK vectors, through {@link #chunkScratch}
     * where the output cannot hold them). Same bits as before: the same operations in the same order, per lane.
     * Which compilations still pass the cutoff, and whether with Vector API code: C2ParseBudgetProbe (test scope).
     */

    /**
     * Vectors per chunk of the composite ranges (sigmoid, tanh, log, log1p) and of the kernels that hand their exp
     * arguments over in chunks: the intermediate values wait in a per-thread scratch this big.
     */
    static final int CHUNK = 64;
    private static final int FB = FS.vectorByteSize();
    private static final int DB = DS.vectorByteSize();
    private static final ThreadLocal<MemorySegment> CHUNK_SCRATCH = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate((long) CHUNK * Math.max(FB, DB), 64));
    /** e and f of the log ranges between their halves: two chunks. */
    private static final ThreadLocal<MemorySegment> LOG_SCRATCH = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(2L * CHUNK * Math.max(FB, DB), 64));
    private static final ThreadLocal<MemorySegment> CALLER_CHUNK = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate((long) CHUNK * Math.max(FB, DB), 64));

    /**
     * Per-thread scratch of CHUNK vectors (either dtype) for kernels that hand a range of exp arguments to
     * {@link #expVectorsF} / {@link #expVectorsD} when the result may not go to their output (in-place ops that
     * still need x, sums). Not the one the sigmoid and tanh ranges use inside, so a kernel may call those while it
     * holds data here. Fetch it once per kernel call.
     */
    static MemorySegment chunkScratch() {
        return CALLER_CHUNK.get();
    }

    // Not final, on purpose (see above): a constant handle would be inlined, and with it the whole unit.
    private static MethodHandle expVectorsUnitF = unit("expVectorsBodyF");
    private static MethodHandle sigmoidVectorsUnitF = unit("sigmoidVectorsBodyF");
    private static MethodHandle tanhVectorsUnitF = unit("tanhVectorsBodyF");
    private static MethodHandle log1pUnitVectorsUnitF = unit("log1pUnitVectorsBodyF");
    private static MethodHandle expVectorsUnitD = unit("expVectorsBodyD");
    private static MethodHandle logVectorsUnitF = unit("logVectorsBodyF");
    private static MethodHandle log1pVectorsUnitF = unit("log1pVectorsBodyF");
    private static MethodHandle log1pVectorsUnitD = unit("log1pVectorsBodyD");
    private static MethodHandle logFinishUnitF = unit("logFinishBodyF");
    private static MethodHandle logVectorsUnitD = unit("logVectorsBodyD");
    private static MethodHandle logFinishUnitD = unit("logFinishBodyD");
    private static MethodHandle sigmoidVectorsUnitD = unit("sigmoidVectorsBodyD");
    private static MethodHandle tanhVectorsUnitD = unit("tanhVectorsBodyD");

    private static MethodHandle unit(String name) {
        try {
            return MethodHandles.lookup().findStatic(VMath.class, name, MethodType.methodType(void.class, MemorySegment.class,
                    long.class, MemorySegment.class, long.class, int.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void call(MethodHandle unit, MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        try {
            unit.invokeExact(src, so, dst, do_, vectors);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** e^x ({@link #expF}) over {@code vectors} whole vectors from src at so to dst at do_ (in place is fine). */
    static void expVectorsF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(expVectorsUnitF, src, so, dst, do_, vectors);
    }

    /**
     * sigmoid over whole vectors, split by sign so exp never overflows (as UnaryOp.SIGMOID): (x >= 0 ? 1 : e) /
     * (1 + e) with e = exp(-|x|). dst may be src.
     */
    static void sigmoidVectorsF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(sigmoidVectorsUnitF, src, so, dst, do_, vectors);
    }

    /**
     * tanh over whole vectors, Cephes tanhf: for |x| < 0.625 an odd polynomial, else 1 - 2 / (e^(2|x|) + 1) (|x|
     * clamped to 10, where tanh rounds to 1); the sign of x is copied on, so -0 and -Inf keep theirs. NaN stays
     * NaN. dst may be src.
     */
    static void tanhVectorsF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(tanhVectorsUnitF, src, so, dst, do_, vectors);
    }

    /** {@link #log1pUnitF} over whole vectors (x in [0, 1]; F32 BCE's log1p(exp(-|x|))). dst may be src. */
    static void log1pUnitVectorsF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(log1pUnitVectorsUnitF, src, so, dst, do_, vectors);
    }

    private static void log1pUnitVectorsBodyF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        for (int v = 0; v < vectors; v++) log1pUnitF(src, so + (long) v * FB, dst, do_ + (long) v * FB);
    }

    private static void expVectorsBodyF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        for (int v = 0; v < vectors; v++) expF(src, so + (long) v * FB, dst, do_ + (long) v * FB);
    }

    private static void sigmoidVectorsBodyF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = CHUNK_SCRATCH.get();
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * FB, dc = do_ + (long) c * FB;
            for (int v = 0; v < n; v++)
                FloatVector.fromMemorySegment(FS, src, sc + (long) v * FB, NO).abs().neg().intoMemorySegment(s, (long) v * FB, NO);
            expVectorsF(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                long at = (long) v * FB;
                FloatVector x = FloatVector.fromMemorySegment(FS, src, sc + at, NO), e = FloatVector.fromMemorySegment(FS, s, at, NO);
                e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f)).intoMemorySegment(dst, dc + at, NO);
            }
        }
    }

    private static void tanhVectorsBodyF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = CHUNK_SCRATCH.get();
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * FB, dc = do_ + (long) c * FB;
            for (int v = 0; v < n; v++)
                FloatVector.fromMemorySegment(FS, src, sc + (long) v * FB, NO).abs().min(10f).mul(2f).intoMemorySegment(s, (long) v * FB, NO);
            expVectorsF(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                long at = (long) v * FB;
                FloatVector x = FloatVector.fromMemorySegment(FS, src, sc + at, NO);
                FloatVector a = x.abs();
                FloatVector z = a.mul(a);
                FloatVector p = z.fma(-5.70498872745E-3f, 2.06390887954E-2f);
                p = p.lanewise(VectorOperators.FMA, z, -5.37397155531E-2f);
                p = p.lanewise(VectorOperators.FMA, z, 1.33314422036E-1f);
                p = p.lanewise(VectorOperators.FMA, z, -3.33332819422E-1f);
                FloatVector small = p.mul(z).fma(a, a);
                FloatVector big = FloatVector.fromMemorySegment(FS, s, at, NO).add(1f);
                big = FloatVector.broadcast(FS, 1f).sub(FloatVector.broadcast(FS, 2f).div(big));
                FloatVector r = big.blend(small, a.compare(VectorOperators.LT, 0.625f));
                r.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats().intoMemorySegment(dst, dc + at, NO);
            }
        }
    }

    /** e^x ({@link #expD}) over {@code vectors} whole vectors, as {@link #expVectorsF}. */
    static void expVectorsD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(expVectorsUnitD, src, so, dst, do_, vectors);
    }

    /** sigmoid for double lanes over whole vectors: 1 / (1 + e), or e / (1 + e) where x < 0, e = exp(-|x|). dst may be src. */
    static void sigmoidVectorsD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(sigmoidVectorsUnitD, src, so, dst, do_, vectors);
    }

    /**
     * tanh for double lanes over whole vectors, Cephes tanh: for |x| < 0.625 x + x^3 P(x^2) / Q(x^2), else 1 - 2 /
     * (e^(2|x|) + 1) (|x| clamped to 20, where tanh rounds to 1); the sign of x is copied on. NaN stays NaN. dst may
     * be src.
     */
    static void tanhVectorsD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(tanhVectorsUnitD, src, so, dst, do_, vectors);
    }

    private static void expVectorsBodyD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        for (int v = 0; v < vectors; v++) expD(src, so + (long) v * DB, dst, do_ + (long) v * DB);
    }

    private static void sigmoidVectorsBodyD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = CHUNK_SCRATCH.get();
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * DB, dc = do_ + (long) c * DB;
            for (int v = 0; v < n; v++)
                DoubleVector.fromMemorySegment(DS, src, sc + (long) v * DB, NO).abs().neg().intoMemorySegment(s, (long) v * DB, NO);
            expVectorsD(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                long at = (long) v * DB;
                DoubleVector x = DoubleVector.fromMemorySegment(DS, src, sc + at, NO), e = DoubleVector.fromMemorySegment(DS, s, at, NO);
                DoubleVector d = e.add(1.0);
                one.div(d).blend(e.div(d), x.compare(VectorOperators.LT, 0.0)).intoMemorySegment(dst, dc + at, NO);
            }
        }
    }

    private static void tanhVectorsBodyD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = CHUNK_SCRATCH.get();
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * DB, dc = do_ + (long) c * DB;
            for (int v = 0; v < n; v++)
                DoubleVector.fromMemorySegment(DS, src, sc + (long) v * DB, NO).abs().min(20.0).mul(2.0).intoMemorySegment(s, (long) v * DB, NO);
            expVectorsD(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                long at = (long) v * DB;
                DoubleVector x = DoubleVector.fromMemorySegment(DS, src, sc + at, NO);
                DoubleVector a = x.abs();
                DoubleVector e = DoubleVector.fromMemorySegment(DS, s, at, NO);
                DoubleVector big = DoubleVector.broadcast(DS, 1.0).sub(DoubleVector.broadcast(DS, 2.0).div(e.add(1.0)));
                DoubleVector z = a.mul(a);
                DoubleVector p = z.fma(-9.64399179425052238628E-1, -9.92877231001918586564E1);
                p = p.lanewise(VectorOperators.FMA, z, -1.61468768441708447952E3);
                DoubleVector q = z.add(1.12811678491632931402E2);
                q = q.lanewise(VectorOperators.FMA, z, 2.23548839060100448583E3);
                q = q.lanewise(VectorOperators.FMA, z, 4.84406305325125486048E3);
                DoubleVector small = a.mul(z).mul(p.div(q)).add(a);
                DoubleVector r = big.blend(small, a.compare(VectorOperators.LT, 0.625));
                r.reinterpretAsLongs().or(x.reinterpretAsLongs().and(0x8000000000000000L)).reinterpretAsDoubles().intoMemorySegment(dst, dc + at, NO);
            }
        }
    }

    /**
     * Natural log over whole vectors (float / double lanes; see {@link #logF}): per chunk of CHUNK vectors the first
     * half here (e and f into a per-thread scratch), then the second half as a compilation of its own. dst may be src
     * (the second half reads x before it writes).
     */
    static void logVectorsF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(logVectorsUnitF, src, so, dst, do_, vectors);
    }

    static void logVectorsD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(logVectorsUnitD, src, so, dst, do_, vectors);
    }

    private static void logVectorsBodyF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = LOG_SCRATCH.get();
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * FB;
            for (int v = 0; v < n; v++) logSplitF(src, sc + (long) v * FB, s, (long) v * FB, s, (long) (CHUNK + v) * FB);
            call(logFinishUnitF, src, sc, dst, do_ + (long) c * FB, n);
        }
    }

    /** The second halves of a chunk: e and f from LOG_SCRATCH (f CHUNK vectors after e). */
    private static void logFinishBodyF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = LOG_SCRATCH.get();
        for (int v = 0; v < vectors; v++)
            logFinishF(src, so + (long) v * FB, s, (long) v * FB, s, (long) (CHUNK + v) * FB, dst, do_ + (long) v * FB);
    }

    private static void logVectorsBodyD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = LOG_SCRATCH.get();
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * DB;
            for (int v = 0; v < n; v++) logSplitD(src, sc + (long) v * DB, s, (long) v * DB, s, (long) (CHUNK + v) * DB);
            call(logFinishUnitD, src, sc, dst, do_ + (long) c * DB, n);
        }
    }

    private static void logFinishBodyD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = LOG_SCRATCH.get();
        for (int v = 0; v < vectors; v++)
            logFinishD(src, so + (long) v * DB, s, (long) v * DB, s, (long) (CHUNK + v) * DB, dst, do_ + (long) v * DB);
    }

    /**
     * log(1 + x) over whole vectors ({@link #log1pF}): per chunk u = 1 + x into the per-thread scratch, the log range
     * over it, then the correction. dst may be src.
     */
    static void log1pVectorsF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(log1pVectorsUnitF, src, so, dst, do_, vectors);
    }

    static void log1pVectorsD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        call(log1pVectorsUnitD, src, so, dst, do_, vectors);
    }

    private static void log1pVectorsBodyF(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = CHUNK_SCRATCH.get();
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * FB, dc = do_ + (long) c * FB;
            for (int v = 0; v < n; v++) FloatVector.fromMemorySegment(FS, src, sc + (long) v * FB, NO).add(1f).intoMemorySegment(s, (long) v * FB, NO);
            logVectorsF(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                FloatVector x = FloatVector.fromMemorySegment(FS, src, sc + (long) v * FB, NO);
                FloatVector u = x.add(1f), l = FloatVector.fromMemorySegment(FS, s, (long) v * FB, NO);
                FloatVector c1 = x.sub(u.sub(1f)).div(u);
                FloatVector r = l.add(c1).blend(l, c1.compare(VectorOperators.NE, c1));
                r.blend(x, u.compare(VectorOperators.EQ, 1f)).intoMemorySegment(dst, dc + (long) v * FB, NO);
            }
        }
    }

    private static void log1pVectorsBodyD(MemorySegment src, long so, MemorySegment dst, long do_, int vectors) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        MemorySegment s = CHUNK_SCRATCH.get();
        for (int c = 0; c < vectors; c += CHUNK) {
            int n = Math.min(CHUNK, vectors - c);
            long sc = so + (long) c * DB, dc = do_ + (long) c * DB;
            for (int v = 0; v < n; v++) DoubleVector.fromMemorySegment(DS, src, sc + (long) v * DB, NO).add(1.0).intoMemorySegment(s, (long) v * DB, NO);
            logVectorsD(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, src, sc + (long) v * DB, NO);
                DoubleVector u = x.add(1.0), l = DoubleVector.fromMemorySegment(DS, s, (long) v * DB, NO);
                DoubleVector c1 = x.sub(u.sub(1.0)).div(u);
                DoubleVector r = l.add(c1).blend(l, c1.compare(VectorOperators.NE, c1));
                r.blend(x, u.compare(VectorOperators.EQ, 1.0)).intoMemorySegment(dst, dc + (long) v * DB, NO);
            }
        }
    }

    // ------------------------------------------------------------------ double

    /**
     * e^x for double lanes, Cephes exp: n = round(x log2 e), r = x - n ln 2 (two-part ln 2), e^r = 1 + 2 r P(r^2) /
     * (Q(r^2) - r P(r^2)) (a Pade form), then 2^n in two exact steps so subnormal results round once. Inputs are
     * clamped to [-746, 710]: below, e^x rounds to 0; above, it overflows to +Inf. NaN stays NaN.
     */
    static void expD(MemorySegment src, long so, MemorySegment dst, long do_) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        DoubleVector xc = DoubleVector.fromMemorySegment(DS, src, so, NO).max(-746.0).min(710.0);
        DoubleVector nf = xc.fma(LOG2E_D, ROUND_D).sub(ROUND_D);
        DoubleVector r = nf.lanewise(VectorOperators.FMA, -C1, xc);
        r = nf.lanewise(VectorOperators.FMA, -C2, r);
        DoubleVector xx = r.mul(r);
        DoubleVector px = xx.fma(1.26177193074810590878E-4, 3.02994407707441961300E-2);
        px = r.mul(px.lanewise(VectorOperators.FMA, xx, 9.99999999999999999910E-1));
        DoubleVector qx = xx.fma(3.00198505138664455042E-6, 2.52448340349684104192E-3);
        qx = qx.lanewise(VectorOperators.FMA, xx, 2.27265548208155028766E-1);
        qx = qx.lanewise(VectorOperators.FMA, xx, 2.00000000000000000009E0);
        DoubleVector y = px.div(qx.sub(px)).fma(2.0, 1.0);
        // 2^n = 2^n1 * 2^n2, n1 = n / 2 rounded, both normal (|n| <= 1077). Bits of ROUND_D + k are ROUND_D_BITS + k:
        // shifting left by 52 drops the ROUND_D part and leaves k (the biased exponent) in the exponent field.
        DoubleVector n1 = nf.fma(0.5, ROUND_D).sub(ROUND_D);
        DoubleVector s1 = n1.add(ROUND_D + 1023).reinterpretAsLongs().lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector s2 = nf.sub(n1).add(ROUND_D + 1023).reinterpretAsLongs().lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        y.mul(s1).mul(s2).intoMemorySegment(dst, do_, NO);
    }

    /**
     * Natural log for double lanes, Cephes log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(1 + f) = f - f^2/2 +
     * f^3 P(f) / Q(f) for f = m - 1 (exact), plus e ln 2 in two parts. Subnormal inputs are scaled by 2^54 first. In
     * two halves through memory, as {@link #logF} (in one piece ~26,000 C2 nodes).
     */
    static void logD(MemorySegment src, long so, MemorySegment dst, long do_) {
        logVectorsD(src, so, dst, do_, 1);
    }

    /** {@link #logSplitF} for double lanes. */
    private static void logSplitD(MemorySegment src, long so, MemorySegment es, long eo, MemorySegment fs, long fo) {
        src = nat(src); es = nat(es); fs = nat(fs); // see NativeSegments
        DoubleVector x = DoubleVector.fromMemorySegment(DS, src, so, NO);
        VectorMask<Double> sub = x.compare(VectorOperators.LT, Double.MIN_NORMAL);
        LongVector bits = x.blend(x.mul(0x1p54), sub).reinterpretAsLongs();
        DoubleVector e = bits.lanewise(VectorOperators.LSHR, 52).add(ROUND_D_BITS).reinterpretAsDoubles().sub(ROUND_D + 1022);
        e = e.blend(e.sub(54.0), sub);
        DoubleVector m = bits.and(0x000FFFFFFFFFFFFFL).or(0x3FE0000000000000L).reinterpretAsDoubles(); // [0.5, 1)
        VectorMask<Double> lo = m.compare(VectorOperators.LT, SQRTH);
        e.blend(e.sub(1.0), lo).intoMemorySegment(es, eo, NO);
        m.blend(m.add(m), lo).sub(1.0).intoMemorySegment(fs, fo, NO); // exact
    }

    /** {@link #logFinishF} for double lanes. */
    private static void logFinishD(MemorySegment src, long so, MemorySegment es, long eo, MemorySegment fs, long fo, MemorySegment dst, long do_) {
        src = nat(src); es = nat(es); fs = nat(fs); dst = nat(dst); // see NativeSegments
        DoubleVector e = DoubleVector.fromMemorySegment(DS, es, eo, NO), f = DoubleVector.fromMemorySegment(DS, fs, fo, NO);
        DoubleVector z = f.mul(f);
        DoubleVector p = f.fma(1.01875663804580931796E-4, 4.97494994976747001425E-1);
        p = p.lanewise(VectorOperators.FMA, f, 4.70579119878881725854E0);
        p = p.lanewise(VectorOperators.FMA, f, 1.44989225341610930846E1);
        p = p.lanewise(VectorOperators.FMA, f, 1.79368678507819816313E1);
        p = p.lanewise(VectorOperators.FMA, f, 7.70838733755885391666E0);
        DoubleVector q = f.add(1.12873587189167450590E1);
        q = q.lanewise(VectorOperators.FMA, f, 4.52279145837532221105E1);
        q = q.lanewise(VectorOperators.FMA, f, 8.29875266912776603211E1);
        q = q.lanewise(VectorOperators.FMA, f, 7.11544750618563894466E1);
        q = q.lanewise(VectorOperators.FMA, f, 2.31251620126765340583E1);
        DoubleVector y = f.mul(z.mul(p).div(q));
        y = e.lanewise(VectorOperators.FMA, LN2_LO_D, y);
        y = z.lanewise(VectorOperators.FMA, -0.5, y);
        DoubleVector r = e.lanewise(VectorOperators.FMA, LN2_HI_D, f.add(y));
        DoubleVector x = DoubleVector.fromMemorySegment(DS, src, so, NO);
        r = r.blend(-INF_D, x.compare(VectorOperators.EQ, 0.0));
        r = r.blend(Double.NaN, x.compare(VectorOperators.LT, 0.0));
        r.blend(x, x.compare(VectorOperators.LT, INF_D).not()).intoMemorySegment(dst, do_, NO);
    }

    /** log(1 + x) for double lanes, as {@link #log1pF}. */
    static void log1pD(MemorySegment src, long so, MemorySegment dst, long do_) {
        log1pVectorsD(src, so, dst, do_, 1);
    }
}
