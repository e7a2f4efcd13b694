package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API elementwise, reduction and softmax kernels used by {@link VectorKernels}. Every entry point returns
 * {@code false} when it declines a layout (non-contiguous, exotic strides, I32, more than 2^31 elements); the
 * caller then runs the scalar specification. Loops run to {@code loopBound} and finish with a scalar tail.
 *
 * <p>Parallelism: contiguous work is split with {@link Parallel#forRange} only when each of the 2 parts gets at
 * least {@link #PAR_CHEAP} elements (memory-bound ops: add, copy, compare) or {@link #PAR_HEAVY} (exp, tanh,
 * ..., softmax), i.e. from 2M elements. Measured on this 2-core AVX2 machine while it was shared (load average
 * 10-16), F32, best of 12 rounds, 1 thread vs 2 (Parallel.forRange): add 64k 21 us vs 1.9 ms, 1M 1.5 ms vs
 * 3.2 ms; exp 16k 35 us vs 69 us, 1M 2.0 ms vs 4.3 ms. A parked worker that loses its core waits for a
 * scheduler time slice (~2 ms), so 2 threads only pay off when one thread needs several ms: ~2M elements for
 * add and exp. On an idle machine the break-even is far lower (the hand-off is tens of us); lower these two
 * constants there. Below the thresholds no lambda is created and nothing is allocated.
 */
final class VectorElementwise {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Lanes DL..FL-1 of a float vector: where the second half of an F64 -> F32 conversion lands. */
    private static final VectorMask<Float> UPPER_HALF = FS.indexInRange(0, FS.length() / 2).not();
    static final int FL = FS.length(), DL = DS.length();
    static final ByteOrder BO = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    static final int PAR_CHEAP = 1 << 20;
    static final int PAR_HEAVY = 1 << 20;
    /** Floats summed in float accumulators before the partial sum is added into a double. */
    static final int SUM_BLOCK = 1024;

    private VectorElementwise() {}

    private static boolean heavy(UnaryOp op) {
        return switch (op) {
            case EXP, LOG, SIGMOID, TANH, GELU -> true;
            default -> false;
        };
    }

    private static boolean parallel(long n, int grain) {
        return n >= 2L * grain && Parallel.threads() > 1;
    }

    private static boolean floating(Tensor t) { return t.dtype() != DType.I32; }

    // ================================================================== unary

    static boolean unary(UnaryOp op, Tensor x, Tensor out) {
        long n = out.numel();
        if (!x.isContiguous() || !out.isContiguous() || n > Integer.MAX_VALUE || !floating(x) || x.dtype() != out.dtype()) return false;
        if (n == 0) return true;
        MemorySegment xs = nat(x.segment()), os = nat(out.segment());
        long xo = x.offset(), oo = out.offset();
        boolean f32 = x.dtype() == DType.F32;
        int grain = heavy(op) ? PAR_HEAVY : PAR_CHEAP;
        if (parallel(n, grain)) {
            Parallel.forRange((int) n, grain, (lo, hi) -> unaryRange(op, f32, xs, xo, os, oo, lo, hi));
        } else {
            unaryRange(op, f32, xs, xo, os, oo, 0, (int) n);
        }
        return true;
    }

    static void unaryRange(UnaryOp op, boolean f32, MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        if (f32) VectorLoops.unaryF(op, xs, xo, os, oo, lo, hi);
        else VectorLoops.unaryD(op, xs, xo, os, oo, lo, hi);
    }

    // ================================================================== binary

    private static boolean allStrideZero(Tensor t) {
        for (int i = 0, r = t.rank(); i < r; i++) if (t.dim(i) > 1 && t.stride(i) != 0) return false;
        return true;
    }

    /**
     * out = op(a, b). Handled layouts (out contiguous): a, b contiguous; one operand a broadcast scalar; or rows
     * along the last axis where each operand has last stride 1 or 0 (a row vector or a column broadcast).
     */
    static boolean binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        long n = out.numel();
        if (!out.isContiguous() || n > Integer.MAX_VALUE || !floating(a) || a.dtype() != b.dtype() || a.dtype() != out.dtype()) return false;
        if (n == 0) return true;
        boolean f32 = a.dtype() == DType.F32;
        MemorySegment as = nat(a.segment()), bs = nat(b.segment()), os = nat(out.segment());
        long oo = out.offset();
        if (a.isContiguous() && b.isContiguous()) {
            flatBinary(op, f32, as, a.offset(), 1, 0, bs, b.offset(), 1, 0, os, oo, (int) n);
            return true;
        }
        if (a.isContiguous() && allStrideZero(b)) {
            flatBinary(op, f32, as, a.offset(), 1, 0, bs, b.offset(), 0, b.read(b.offset()), os, oo, (int) n);
            return true;
        }
        if (b.isContiguous() && allStrideZero(a)) {
            flatBinary(op, f32, as, a.offset(), 0, a.read(a.offset()), bs, b.offset(), 1, 0, os, oo, (int) n);
            return true;
        }
        int last = out.rank() - 1;
        if (last < 0) return false;
        int len = out.dim(last);
        long sa = a.stride(last), sb = b.stride(last);
        if (len < 2 || sa < 0 || sa > 1 || sb < 0 || sb > 1 || (sa == 0 && sb == 0)) return false;
        int rows = (int) (n / len);
        int isa = (int) sa, isb = (int) sb;
        if (parallel(n, PAR_CHEAP)) {
            Parallel.forRange(rows, Math.max(1, PAR_CHEAP / len), (lo, hi) -> binaryRows(op, f32, a, b, isa, isb, os, oo, len, lo, hi));
        } else {
            binaryRows(op, f32, a, b, isa, isb, os, oo, len, 0, rows);
        }
        return true;
    }

    private static void binaryRows(BinaryOp op, boolean f32, Tensor a, Tensor b, int sa, int sb, MemorySegment os, long oo,
                                   int len, int r0, int r1) {
        os = nat(os); // see NativeSegments
        int last = a.rank() - 1;
        MemorySegment as = nat(a.segment()), bs = nat(b.segment());
        for (int r = r0; r < r1; r++) {
            long ab = a.elementIndexOfFlatWithAxisZero(r, last), bb = b.elementIndexOfFlatWithAxisZero(r, last);
            double av = sa == 0 ? a.read(ab) : 0, bv = sb == 0 ? b.read(bb) : 0;
            binaryRange(op, f32, as, ab, sa, av, bs, bb, sb, bv, os, oo + (long) r * len, 0, len);
        }
    }

    private static void flatBinary(BinaryOp op, boolean f32, MemorySegment as, long ao, int sa, double av,
                                   MemorySegment bs, long bo, int sb, double bv, MemorySegment os, long oo, int n) {
        if (parallel(n, PAR_CHEAP)) {
            Parallel.forRange(n, PAR_CHEAP, (lo, hi) -> binaryRange(op, f32, as, ao, sa, av, bs, bo, sb, bv, os, oo, lo, hi));
        } else {
            binaryRange(op, f32, as, ao, sa, av, bs, bo, sb, bv, os, oo, 0, n);
        }
    }

    /**
     * out[oo + i] = op(a, b) for i in [lo, hi): an operand with stride 1 is read at base + i, one with stride 0
     * is the given scalar value. Output index is oo + i.
     */
    static void binaryRange(BinaryOp op, boolean f32, MemorySegment as, long ao, int sa, double av,
                            MemorySegment bs, long bo, int sb, double bv, MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        if (f32) {
            int i = VectorLoops.binaryF(op, as, ao, sa, av, bs, bo, sb, bv, os, oo, lo, hi);
            float fa = (float) av, fb = (float) bv;
            for (; i < hi; i++) {
                float x = sa == 1 ? as.getAtIndex(F, ao + i) : fa, y = sb == 1 ? bs.getAtIndex(F, bo + i) : fb;
                os.setAtIndex(F, oo + i, (float) op.apply(x, y));
            }
        } else {
            int i = VectorLoops.binaryD(op, as, ao, sa, av, bs, bo, sb, bv, os, oo, lo, hi);
            for (; i < hi; i++) {
                double x = sa == 1 ? as.getAtIndex(D, ao + i) : av, y = sb == 1 ? bs.getAtIndex(D, bo + i) : bv;
                os.setAtIndex(D, oo + i, op.apply(x, y));
            }
        }
    }

    static boolean binaryScalar(BinaryOp op, Tensor a, double s, Tensor out) {
        long n = out.numel();
        if (!a.isContiguous() || !out.isContiguous() || n > Integer.MAX_VALUE || !floating(a) || a.dtype() != out.dtype()) return false;
        if (n == 0) return true;
        flatBinary(op, a.dtype() == DType.F32, a.segment(), a.offset(), 1, 0, a.segment(), a.offset(), 0, s, out.segment(), out.offset(), (int) n);
        return true;
    }

    // ================================================================== compare, where

    /** Contiguous a, b, out of one floating dtype only. */
    static boolean compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        long n = out.numel();
        if (!a.isContiguous() || !b.isContiguous() || !out.isContiguous() || n > Integer.MAX_VALUE || !floating(a)
                || a.dtype() != b.dtype() || a.dtype() != out.dtype()) return false;
        MemorySegment as = nat(a.segment()), bs = nat(b.segment()), os = nat(out.segment());
        long ao = a.offset(), bo = b.offset(), oo = out.offset();
        int len = (int) n;
        if (a.dtype() == DType.F32) {
            int i = VectorLoops.compareF(op, as, ao, bs, bo, os, oo, len);
            for (; i < len; i++) os.setAtIndex(F, oo + i, op.test(as.getAtIndex(F, ao + i), bs.getAtIndex(F, bo + i)) ? 1f : 0f);
        } else {
            int i = VectorLoops.compareD(op, as, ao, bs, bo, os, oo, len);
            for (; i < len; i++) os.setAtIndex(D, oo + i, op.test(as.getAtIndex(D, ao + i), bs.getAtIndex(D, bo + i)) ? 1.0 : 0.0);
        }
        return true;
    }

    /** Contiguous cond, a, b, out of one floating dtype only. */
    static boolean where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        long n = out.numel();
        if (!cond.isContiguous() || !a.isContiguous() || !b.isContiguous() || !out.isContiguous() || n > Integer.MAX_VALUE
                || !floating(a) || cond.dtype() != a.dtype() || a.dtype() != b.dtype() || a.dtype() != out.dtype()) return false;
        MemorySegment cs = nat(cond.segment()), as = nat(a.segment()), bs = nat(b.segment()), os = nat(out.segment());
        long co = cond.offset(), ao = a.offset(), bo = b.offset(), oo = out.offset();
        int i = 0, len = (int) n;
        if (a.dtype() == DType.F32) {
            for (int bound = FS.loopBound(len); i < bound; i += FL) {
                // cond != 0 is true for NaN too, as in the scalar definition.
                VectorMask<Float> m = FloatVector.fromMemorySegment(FS, cs, (co + i) * 4, BO).compare(VectorOperators.NE, 0f);
                FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO)
                        .blend(FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), m).intoMemorySegment(os, (oo + i) * 4, BO);
            }
            for (; i < len; i++) os.setAtIndex(F, oo + i, cs.getAtIndex(F, co + i) != 0 ? as.getAtIndex(F, ao + i) : bs.getAtIndex(F, bo + i));
        } else {
            for (int bound = DS.loopBound(len); i < bound; i += DL) {
                VectorMask<Double> m = DoubleVector.fromMemorySegment(DS, cs, (co + i) * 8, BO).compare(VectorOperators.NE, 0.0);
                DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO)
                        .blend(DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), m).intoMemorySegment(os, (oo + i) * 8, BO);
            }
            for (; i < len; i++) os.setAtIndex(D, oo + i, cs.getAtIndex(D, co + i) != 0 ? as.getAtIndex(D, ao + i) : bs.getAtIndex(D, bo + i));
        }
        return true;
    }

    // ================================================================== fill, copy

    static boolean fill(Tensor out, double v) {
        long n = out.numel();
        if (!out.isContiguous() || n > Integer.MAX_VALUE || !floating(out)) return false;
        MemorySegment os = nat(out.segment());
        long oo = out.offset();
        int i = 0, len = (int) n;
        if (out.dtype() == DType.F32) {
            FloatVector b = FloatVector.broadcast(FS, (float) v);
            for (int bound = FS.loopBound(len); i < bound; i += FL) b.intoMemorySegment(os, (oo + i) * 4, BO);
            for (; i < len; i++) os.setAtIndex(F, oo + i, (float) v);
        } else {
            DoubleVector b = DoubleVector.broadcast(DS, v);
            for (int bound = DS.loopBound(len); i < bound; i += DL) b.intoMemorySegment(os, (oo + i) * 8, BO);
            for (; i < len; i++) os.setAtIndex(D, oo + i, v);
        }
        return true;
    }

    /** Contiguous src and dst: bulk copy for equal dtypes, vector conversion for F32 <-> F64. */
    static boolean copy(Tensor src, Tensor dst) {
        long n = dst.numel();
        if (!src.isContiguous() || !dst.isContiguous() || n > Integer.MAX_VALUE) return false;
        DType s = src.dtype(), d = dst.dtype();
        if (s == d) {
            MemorySegment.copy(src.segment(), src.offset() * s.byteSize(), dst.segment(), dst.offset() * d.byteSize(), n * s.byteSize());
            return true;
        }
        if (!floating(src) || !floating(dst)) return false;
        MemorySegment ss = nat(src.segment()), ds = nat(dst.segment());
        long so = src.offset(), dO = dst.offset();
        int i = 0, len = (int) n;
        // Preferred shapes only (FL floats <-> two vectors of DL = FL / 2 doubles): a half-width float species here
        // put a second vector class into the JDK's shared Vector API call sites on AVX-512 (see OneShapeTest).
        int bound = FS.loopBound(len);
        if (s == DType.F32) {
            for (; i < bound; i += FL) {
                FloatVector v = FloatVector.fromMemorySegment(FS, ss, (so + i) * 4, BO);
                v.convertShape(VectorOperators.F2D, DS, 0).intoMemorySegment(ds, (dO + i) * 8, BO);
                v.convertShape(VectorOperators.F2D, DS, 1).intoMemorySegment(ds, (dO + i + DL) * 8, BO);
            }
            for (; i < len; i++) ds.setAtIndex(D, dO + i, ss.getAtIndex(F, so + i));
        } else {
            for (; i < bound; i += FL) {
                FloatVector lo = (FloatVector) DoubleVector.fromMemorySegment(DS, ss, (so + i) * 8, BO).convertShape(VectorOperators.D2F, FS, 0);
                FloatVector hi = (FloatVector) DoubleVector.fromMemorySegment(DS, ss, (so + i + DL) * 8, BO).convertShape(VectorOperators.D2F, FS, -1);
                lo.blend(hi, UPPER_HALF).intoMemorySegment(ds, (dO + i) * 4, BO);
            }
            for (; i < len; i++) ds.setAtIndex(F, dO + i, (float) ss.getAtIndex(D, so + i));
        }
        return true;
    }

    // ================================================================== reductions

    /** Sum of n contiguous elements from storage index base; float partials are folded into a double every block. */
    static double sum(boolean f32, MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        double total = 0;
        if (f32) {
            for (int b0 = 0; b0 < n; b0 += SUM_BLOCK) {
                int b1 = Math.min(n, b0 + SUM_BLOCK);
                int i = b0;
                // Four independent accumulators hide the add latency (4 cycles) of one dependency chain.
                FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
                for (int bound = b0 + (b1 - b0) / (4 * FL) * (4 * FL); i < bound; i += 4 * FL) {
                    long e = (base + i) * 4;
                    s0 = FloatVector.fromMemorySegment(FS, s, e, BO).add(s0);
                    s1 = FloatVector.fromMemorySegment(FS, s, e + 4L * FL, BO).add(s1);
                    s2 = FloatVector.fromMemorySegment(FS, s, e + 8L * FL, BO).add(s2);
                    s3 = FloatVector.fromMemorySegment(FS, s, e + 12L * FL, BO).add(s3);
                }
                for (int bound = b0 + FS.loopBound(b1 - b0); i < bound; i += FL) s0 = FloatVector.fromMemorySegment(FS, s, (base + i) * 4, BO).add(s0);
                double part = Lanes.sum(s0.add(s1).add(s2.add(s3)));
                for (; i < b1; i++) part += s.getAtIndex(F, base + i);
                total += part;
            }
        } else {
            int i = 0;
            DoubleVector s0 = DoubleVector.zero(DS), s1 = s0, s2 = s0, s3 = s0;
            for (int bound = n / (4 * DL) * (4 * DL); i < bound; i += 4 * DL) {
                long e = (base + i) * 8;
                s0 = DoubleVector.fromMemorySegment(DS, s, e, BO).add(s0);
                s1 = DoubleVector.fromMemorySegment(DS, s, e + 8L * DL, BO).add(s1);
                s2 = DoubleVector.fromMemorySegment(DS, s, e + 16L * DL, BO).add(s2);
                s3 = DoubleVector.fromMemorySegment(DS, s, e + 24L * DL, BO).add(s3);
            }
            for (int bound = DS.loopBound(n); i < bound; i += DL) s0 = DoubleVector.fromMemorySegment(DS, s, (base + i) * 8, BO).add(s0);
            total = Lanes.sum(s0.add(s1).add(s2.add(s3)));
            for (; i < n; i++) total += s.getAtIndex(D, base + i);
        }
        return total;
    }

    /** Max (or min) of n >= 1 contiguous elements; NaN propagates (Math.max semantics). */
    static double extreme(boolean max, boolean f32, MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        if (f32) return max ? maxF(s, base, n) : minF(s, base, n);
        return max ? maxD(s, base, n) : minD(s, base, n);
    }

    // One loop per operator: a non-constant VectorOperators argument would not be intrinsified. In every loop here
    // the loop-carried vector is the argument and a fresh load the receiver (load.max(m), not m.max(load)): the
    // carried one has the static type FloatVector, and where the loop had seldom run when C2 compiled it (rows
    // shorter than a vector), C2 had no receiver profile for it, left lanewise as a virtual call and boxed
    // (softmax F32 in ShortRowsProfileProbe, 5 KB per 4 x 100 call). Addition and max are commutative, bits unchanged.
    private static double maxF(MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        int i = 0;
        FloatVector m = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        for (int bound = FS.loopBound(n); i < bound; i += FL) m = FloatVector.fromMemorySegment(FS, s, (base + i) * 4, BO).max(m);
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) r = Math.max(r, s.getAtIndex(F, base + i));
        return r;
    }

    private static double minF(MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        int i = 0;
        FloatVector m = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
        for (int bound = FS.loopBound(n); i < bound; i += FL) m = FloatVector.fromMemorySegment(FS, s, (base + i) * 4, BO).min(m);
        float r = m.reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) r = Math.min(r, s.getAtIndex(F, base + i));
        return r;
    }

    private static double maxD(MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        int i = 0;
        DoubleVector m = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY);
        for (int bound = DS.loopBound(n); i < bound; i += DL) m = DoubleVector.fromMemorySegment(DS, s, (base + i) * 8, BO).max(m);
        double r = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) r = Math.max(r, s.getAtIndex(D, base + i));
        return r;
    }

    private static double minD(MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        int i = 0;
        DoubleVector m = DoubleVector.broadcast(DS, Double.POSITIVE_INFINITY);
        for (int bound = DS.loopBound(n); i < bound; i += DL) m = DoubleVector.fromMemorySegment(DS, s, (base + i) * 8, BO).min(m);
        double r = m.reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) r = Math.min(r, s.getAtIndex(D, base + i));
        return r;
    }

    /** Index of the first maximum (first NaN if any) of n >= 1 contiguous elements. */
    static int argmax(boolean f32, MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        double m = extreme(true, f32, s, base, n);
        if (Double.isNaN(m)) {
            // NaN counts as the maximum: the first NaN wins (rare; a plain scan).
            for (int i = 0; i < n; i++) if (Double.isNaN(f32 ? s.getAtIndex(F, base + i) : s.getAtIndex(D, base + i))) return i;
        }
        int i = 0;
        if (f32) {
            float fm = (float) m;
            for (int bound = FS.loopBound(n); i < bound; i += FL) {
                VectorMask<Float> hit = FloatVector.fromMemorySegment(FS, s, (base + i) * 4, BO).compare(VectorOperators.EQ, fm);
                if (hit.anyTrue()) return i + hit.firstTrue();
            }
            for (; i < n; i++) if (s.getAtIndex(F, base + i) == fm) return i;
        } else {
            for (int bound = DS.loopBound(n); i < bound; i += DL) {
                VectorMask<Double> hit = DoubleVector.fromMemorySegment(DS, s, (base + i) * 8, BO).compare(VectorOperators.EQ, m);
                if (hit.anyTrue()) return i + hit.firstTrue();
            }
            for (; i < n; i++) if (s.getAtIndex(D, base + i) == m) return i;
        }
        throw new AssertionError("maximum " + m + " not found");
    }

    /** Population variance, two passes (mean, then squared deviations) as the scalar specification does. */
    static double variance(boolean f32, MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        double mean = sum(f32, s, base, n) / n;
        double total = 0;
        if (f32) {
            float fm = (float) mean;
            for (int b0 = 0; b0 < n; b0 += SUM_BLOCK) {
                int b1 = Math.min(n, b0 + SUM_BLOCK), i = b0;
                FloatVector acc = FloatVector.zero(FS);
                for (int bound = b0 + FS.loopBound(b1 - b0); i < bound; i += FL) {
                    FloatVector d = FloatVector.fromMemorySegment(FS, s, (base + i) * 4, BO).sub(fm);
                    acc = d.fma(d, acc);
                }
                double part = Lanes.sum(acc);
                for (; i < b1; i++) {
                    double d = s.getAtIndex(F, base + i) - mean;
                    part += d * d;
                }
                total += part;
            }
        } else {
            int i = 0;
            DoubleVector acc = DoubleVector.zero(DS);
            for (int bound = DS.loopBound(n); i < bound; i += DL) {
                DoubleVector d = DoubleVector.fromMemorySegment(DS, s, (base + i) * 8, BO).sub(mean);
                acc = d.fma(d, acc);
            }
            total = Lanes.sum(acc);
            for (; i < n; i++) {
                double d = s.getAtIndex(D, base + i) - mean;
                total += d * d;
            }
        }
        return total / n;
    }

    static double reduceLine(ReduceOp op, boolean f32, MemorySegment s, long base, int n) {
        s = nat(s); // see NativeSegments
        return switch (op) {
            case SUM -> sum(f32, s, base, n);
            case MEAN -> sum(f32, s, base, n) / n;
            case MAX -> extreme(true, f32, s, base, n);
            case MIN -> extreme(false, f32, s, base, n);
            case ARGMAX -> argmax(f32, s, base, n);
            case VARIANCE -> variance(f32, s, base, n);
        };
    }

    static boolean reduceAllSupported(Tensor x) {
        long n = x.numel();
        return x.isContiguous() && n > 0 && n <= Integer.MAX_VALUE && floating(x);
    }

    static double reduceAll(ReduceOp op, Tensor x) {
        return reduceLine(op, x.dtype() == DType.F32, x.segment(), x.offset(), (int) x.numel());
    }

    /**
     * Along an axis with stride 1 (each line contiguous): one vector reduction per line. Along an outer axis of a
     * contiguous x into a contiguous out of x's dtype (SUM, MEAN, MAX, MIN): out's rows accumulate x's rows.
     */
    static boolean reduce(ReduceOp op, Tensor x, int axis, Tensor out) {
        int n = x.dim(axis);
        if (n == 0 || !floating(x) || x.numel() > Integer.MAX_VALUE) return false;
        boolean f32 = x.dtype() == DType.F32;
        MemorySegment xs = nat(x.segment());
        if (x.stride(axis) == 1 && n > 1) {
            long lines = out.numel();
            for (long o = 0; o < lines; o++) {
                out.write(out.elementIndexOfFlat(o), reduceLine(op, f32, xs, x.elementIndexOfFlatWithAxisZero(o, axis), n));
            }
            return true;
        }
        if (!x.isContiguous() || !out.isContiguous() || out.dtype() != x.dtype() || op == ReduceOp.ARGMAX || op == ReduceOp.VARIANCE) return false;
        int inner = 1;
        for (int d = axis + 1, r = x.rank(); d < r; d++) inner *= x.dim(d);
        int outer = (int) (out.numel() / Math.max(1, inner));
        if (inner == 0) return true;
        MemorySegment os = nat(out.segment());
        long xo = x.offset(), oo = out.offset();
        BinaryOp acc = switch (op) {
            case SUM, MEAN -> BinaryOp.ADD;
            case MAX -> BinaryOp.MAX;
            default -> BinaryOp.MIN;
        };
        for (int o = 0; o < outer; o++) {
            long dst = oo + (long) o * inner, src = xo + (long) o * n * inner;
            MemorySegment.copy(xs, src * x.dtype().byteSize(), os, dst * x.dtype().byteSize(), (long) inner * x.dtype().byteSize());
            for (int j = 1; j < n; j++) {
                binaryRange(acc, f32, os, dst, 1, 0, xs, src + (long) j * inner, 1, 0, os, dst, 0, inner);
            }
            if (op == ReduceOp.MEAN) binaryRange(BinaryOp.DIV, f32, os, dst, 1, 0, os, dst, 0, n, os, dst, 0, inner);
        }
        return true;
    }

    // ================================================================== softmax

    /** Softmax / log-softmax along an axis where x and out both have stride 1 (contiguous lines). */
    static boolean softmax(Tensor x, int axis, Tensor out, boolean log) {
        int n = x.dim(axis);
        if (n == 0 || x.stride(axis) != 1 || out.stride(axis) != 1 || !floating(x) || x.dtype() != out.dtype()
                || x.numel() > Integer.MAX_VALUE) return false;
        int lines = (int) (x.numel() / n);
        if (parallel(x.numel(), PAR_HEAVY) && lines > 1) {
            Parallel.forRange(lines, Math.max(1, PAR_HEAVY / n), (lo, hi) -> softmaxLines(x, axis, out, log, n, lo, hi));
        } else {
            softmaxLines(x, axis, out, log, n, 0, lines);
        }
        return true;
    }

    private static void softmaxLines(Tensor x, int axis, Tensor out, boolean log, int n, int lo, int hi) {
        boolean f32 = x.dtype() == DType.F32;
        MemorySegment xs = nat(x.segment()), os = nat(out.segment());
        float[] lanes = f32 ? LANES.get() : null;
        double[] lanesD = f32 ? null : LANES_D.get();
        MemorySegment scratch = VMath.chunkScratch();
        for (int o = lo; o < hi; o++) {
            long xb = x.elementIndexOfFlatWithAxisZero(o, axis), ob = out.elementIndexOfFlatWithAxisZero(o, axis);
            if (f32) softmaxLineF(xs, xb, os, ob, n, log, lanes, scratch);
            else softmaxLineD(xs, xb, os, ob, n, log, lanesD, scratch);
        }
    }

    /** Per-thread scratch for a horizontal sum in lane order (see softmaxLineF). */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[FL]);
    private static final ThreadLocal<double[]> LANES_D = ThreadLocal.withInitial(() -> new double[DL]);

    /**
     * One softmax line. exp(x - max) goes through memory (VMath's contract), in chunks of VMath.CHUNK vectors run by
     * VMath's exp range (a compilation of its own: with expF inlined this line parsed past C2's inlining cutoff, see
     * VMath "ranges"): into the output, which the second pass rescales, or for log-softmax (whose second pass
     * reads x again, and out may be x) into the chunk scratch. The sum adds the vectors in the same order as before.
     */
    private static void softmaxLineF(MemorySegment xs, long xb, MemorySegment os, long ob, int n, boolean log, float[] lanes,
                                     MemorySegment scratch) {
        xs = nat(xs); os = nat(os); scratch = nat(scratch); // see NativeSegments
        float max = (float) extreme(true, true, xs, xb, n);
        // A +inf in the row makes max +inf and (inf - inf) NaN: the row becomes NaN, as in the scalar spec.
        FloatVector vmax = FloatVector.broadcast(FS, max), acc = FloatVector.zero(FS);
        MemorySegment es = log ? scratch : os;
        int i = 0, bound = FS.loopBound(n), vectors = bound / FL;
        for (int c = 0; c < vectors; c += VMath.CHUNK) {
            int m = Math.min(VMath.CHUNK, vectors - c);
            long e0 = log ? 0 : (ob + (long) c * FL) * 4, x0 = (xb + (long) c * FL) * 4;
            for (int v = 0; v < m; v++)
                FloatVector.fromMemorySegment(FS, xs, x0 + v * 4L * FL, BO).sub(vmax).intoMemorySegment(es, e0 + v * 4L * FL, BO);
            VMath.expVectorsF(es, e0, es, e0, m);
            for (int v = 0; v < m; v++) acc = FloatVector.fromMemorySegment(FS, es, e0 + v * 4L * FL, BO).add(acc);
        }
        i = bound;
        // Lane order, through a store: Lanes.sum inlined here went past C2's inlining node budget and boxed.
        acc.intoArray(lanes, 0);
        float lsum = lanes[0];
        for (int l = 1; l < FL; l++) lsum += lanes[l];
        double sum = lsum;
        for (; i < n; i++) {
            float e = (float) Math.exp(xs.getAtIndex(F, xb + i) - max);
            if (!log) os.setAtIndex(F, ob + i, e);
            sum += e;
        }
        i = 0;
        if (log) {
            float lse = (float) (max + Math.log(sum));
            for (; i < bound; i += FL) FloatVector.fromMemorySegment(FS, xs, (xb + i) * 4, BO).sub(lse).intoMemorySegment(os, (ob + i) * 4, BO);
            for (; i < n; i++) os.setAtIndex(F, ob + i, xs.getAtIndex(F, xb + i) - lse);
        } else {
            float fs = (float) sum;
            for (; i < bound; i += FL) FloatVector.fromMemorySegment(FS, os, (ob + i) * 4, BO).div(fs).intoMemorySegment(os, (ob + i) * 4, BO);
            for (; i < n; i++) os.setAtIndex(F, ob + i, os.getAtIndex(F, ob + i) / fs);
        }
    }

    private static void softmaxLineD(MemorySegment xs, long xb, MemorySegment os, long ob, int n, boolean log, double[] lanes,
                                     MemorySegment scratch) {
        xs = nat(xs); os = nat(os); scratch = nat(scratch); // see NativeSegments
        double max = extreme(true, false, xs, xb, n);
        DoubleVector vmax = DoubleVector.broadcast(DS, max), acc = DoubleVector.zero(DS);
        MemorySegment es = log ? scratch : os;
        int i = 0, bound = DS.loopBound(n), vectors = bound / DL;
        for (int c = 0; c < vectors; c += VMath.CHUNK) {
            int m = Math.min(VMath.CHUNK, vectors - c);
            long e0 = log ? 0 : (ob + (long) c * DL) * 8, x0 = (xb + (long) c * DL) * 8;
            for (int v = 0; v < m; v++)
                DoubleVector.fromMemorySegment(DS, xs, x0 + v * 8L * DL, BO).sub(vmax).intoMemorySegment(es, e0 + v * 8L * DL, BO);
            VMath.expVectorsD(es, e0, es, e0, m);
            for (int v = 0; v < m; v++) acc = DoubleVector.fromMemorySegment(DS, es, e0 + v * 8L * DL, BO).add(acc);
        }
        acc.intoArray(lanes, 0);
        i = bound;
        double sum = lanes[0];
        for (int l = 1; l < DL; l++) sum += lanes[l];
        for (; i < n; i++) {
            double e = Math.exp(xs.getAtIndex(D, xb + i) - max);
            if (!log) os.setAtIndex(D, ob + i, e);
            sum += e;
        }
        i = 0;
        if (log) {
            double lse = max + Math.log(sum);
            for (; i < bound; i += DL) DoubleVector.fromMemorySegment(DS, xs, (xb + i) * 8, BO).sub(lse).intoMemorySegment(os, (ob + i) * 8, BO);
            for (; i < n; i++) os.setAtIndex(D, ob + i, xs.getAtIndex(D, xb + i) - lse);
        } else {
            for (; i < bound; i += DL) DoubleVector.fromMemorySegment(DS, os, (ob + i) * 8, BO).div(sum).intoMemorySegment(os, (ob + i) * 8, BO);
            for (; i < n; i++) os.setAtIndex(D, ob + i, os.getAtIndex(D, ob + i) / sum);
        }
    }
}
