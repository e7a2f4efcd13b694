package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-op vector loops of {@link VectorElementwise}, written out once per op and dtype on purpose: with one
 * shared loop calling a helper {@code apply(op, vector)} (a switch inside the loop) C2 compiled the helper out
 * of line (it had grown past InlineSmallCode) and every vector was boxed on the heap: 30x slower than scalar
 * in ElementwiseBench. Here the switch is outside the loops, each loop body is straight-line Vector API calls
 * with a constant operator, and no vector crosses a call. One small method per op (rather than one method with
 * all loops) keeps each compilation unit small enough for C2 to compile early. Each loop runs to loopBound and
 * returns the index where the scalar tail starts.
 */
final class VectorLoops {
    private static final VectorSpecies<Float> FS = VectorElementwise.FS;
    private static final VectorSpecies<Double> DS = VectorElementwise.DS;
    private static final int FL = FS.length(), DL = DS.length();
    private static final ByteOrder BO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;
    /** GELU: 0.5 x (1 + tanh(u)) == x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3); no cancellation for x << 0. */
    private static final float SQRT_2_OVER_PI_X2 = (float) (2 * Math.sqrt(2.0 / Math.PI));
    private static final double SQRT_2_OVER_PI_X2D = 2 * Math.sqrt(2.0 / Math.PI);

    private VectorLoops() {}

    // Unary: out = op(x) over [lo, hi), with scalar tail. RELU uses max (Math.max semantics: -0.0 -> 0.0, NaN
    // propagates); SIGMOID and GELU use the stable form e = exp(-|t|), t >= 0 ? 1 / (1 + e) : e / (1 + e).

    static void unaryF(UnaryOp op, MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = switch (op) {
            case NEG -> negF(xs, xo, os, oo, lo, hi);
            case ABS -> absF(xs, xo, os, oo, lo, hi);
            case SQRT -> sqrtF(xs, xo, os, oo, lo, hi);
            case SQUARE -> squareF(xs, xo, os, oo, lo, hi);
            case RECIPROCAL -> reciprocalF(xs, xo, os, oo, lo, hi);
            case RELU -> reluF(xs, xo, os, oo, lo, hi);
            case EXP, LOG, SIGMOID, TANH, GELU -> HEAVY_F[op.ordinal()].run(xs, xo, os, oo, lo, hi);
        };
        for (; i < hi; i++) os.setAtIndex(F, oo + i, op.apply(xs.getAtIndex(F, xo + i)));
    }

    private static int negF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += FL) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, BO), r;
            r = v.neg();
            r.intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int absF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += FL) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, BO), r;
            r = v.abs();
            r.intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int expF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / FL;
        VMath.expVectorsF(xs, (xo + lo) * 4, os, (oo + lo) * 4, vectors);
        return lo + vectors * FL;
    }

    private static int logF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / FL;
        VMath.logVectorsF(xs, (xo + lo) * 4, os, (oo + lo) * 4, vectors);
        return lo + vectors * FL;
    }

    private static int sqrtF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += FL) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, BO), r;
            r = v.sqrt();
            r.intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int squareF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += FL) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, BO), r;
            r = v.mul(v);
            r.intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int reciprocalF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        FloatVector one = FloatVector.broadcast(FS, 1f);
        for (; i < bound; i += FL) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, BO), r;
            r = one.div(v);
            r.intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int reluF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += FL) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, BO), r;
            r = v.max(0f);
            r.intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int sigmoidF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / FL;
        VMath.sigmoidVectorsF(xs, (xo + lo) * 4, os, (oo + lo) * 4, vectors);
        return lo + vectors * FL;
    }

    private static int tanhF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / FL;
        VMath.tanhVectorsF(xs, (xo + lo) * 4, os, (oo + lo) * 4, vectors);
        return lo + vectors * FL;
    }

    /**
     * GELU (tanh form) as v / (1 + e^-u) written through e = exp(-|u|): in chunks of VMath.CHUNK vectors, -|u| to
     * the scratch, exp over the chunk (a compilation of its own, see VMath "ranges"), then u again (the same
     * operations, the same bits) and the quotient. In place is fine: x is read before the chunk's output is written.
     */
    private static int geluF(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int vectors = (hi - lo) / FL;
        MemorySegment s = VMath.chunkScratch();
        FloatVector one = FloatVector.broadcast(FS, 1f);
        for (int c = 0; c < vectors; c += VMath.CHUNK) {
            int n = Math.min(VMath.CHUNK, vectors - c);
            long xc = (xo + lo + (long) c * FL) * 4, oc = (oo + lo + (long) c * FL) * 4;
            for (int v = 0; v < n; v++) {
                FloatVector x = FloatVector.fromMemorySegment(FS, xs, xc + (long) v * FL * 4, BO);
                x.mul(x).mul(0.044715f).add(1f).mul(x).mul(SQRT_2_OVER_PI_X2).abs().neg().intoMemorySegment(s, (long) v * FL * 4, BO);
            }
            VMath.expVectorsF(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                FloatVector x = FloatVector.fromMemorySegment(FS, xs, xc + (long) v * FL * 4, BO);
                FloatVector u = x.mul(x).mul(0.044715f).add(1f).mul(x).mul(SQRT_2_OVER_PI_X2);
                FloatVector e = FloatVector.fromMemorySegment(FS, s, (long) v * FL * 4, BO), d = e.add(1f);
                x.mul(one.div(d).blend(e.div(d), u.compare(VectorOperators.LT, 0f))).intoMemorySegment(os, oc + (long) v * FL * 4, BO);
            }
        }
        return lo + vectors * FL;
    }

    /** One unary loop over [lo, hi); returns where the scalar tail starts. */
    private interface UnaryLoop {
        int run(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi);
    }

    /**
     * The VMath (transcendental) loops, called through one interface call site: once three or more of them are in
     * use the site is megamorphic, C2 does not inline them into the dispatching switch, and each loop compiles as a
     * unit of its own with its own inlining budget. Inlined into one switch, five VMath loops ran past C2's
     * NodeCountInliningCutoff and the last one parsed called VMath.exp out of line and boxed every vector (F64
     * GELU: 128 KB per 4000-element call in a full-suite run, VMathAllocationTest). No vector crosses this call,
     * and none crosses a VMath call either (VMath works memory to memory), so a VMath call C2 leaves out of line
     * costs a call per vector but allocates nothing.
     */
    private static final UnaryLoop[] HEAVY_F = new UnaryLoop[UnaryOp.values().length], HEAVY_D = new UnaryLoop[UnaryOp.values().length];

    static {
        HEAVY_F[UnaryOp.EXP.ordinal()] = VectorLoops::expF;
        HEAVY_F[UnaryOp.LOG.ordinal()] = VectorLoops::logF;
        HEAVY_F[UnaryOp.SIGMOID.ordinal()] = VectorLoops::sigmoidF;
        HEAVY_F[UnaryOp.TANH.ordinal()] = VectorLoops::tanhF;
        HEAVY_F[UnaryOp.GELU.ordinal()] = VectorLoops::geluF;
        HEAVY_D[UnaryOp.EXP.ordinal()] = VectorLoops::expD;
        HEAVY_D[UnaryOp.LOG.ordinal()] = VectorLoops::logD;
        HEAVY_D[UnaryOp.SIGMOID.ordinal()] = VectorLoops::sigmoidD;
        HEAVY_D[UnaryOp.TANH.ordinal()] = VectorLoops::tanhD;
        HEAVY_D[UnaryOp.GELU.ordinal()] = VectorLoops::geluD;
    }

    static void unaryD(UnaryOp op, MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = switch (op) {
            case NEG -> negD(xs, xo, os, oo, lo, hi);
            case ABS -> absD(xs, xo, os, oo, lo, hi);
            case SQRT -> sqrtD(xs, xo, os, oo, lo, hi);
            case SQUARE -> squareD(xs, xo, os, oo, lo, hi);
            case RECIPROCAL -> reciprocalD(xs, xo, os, oo, lo, hi);
            case RELU -> reluD(xs, xo, os, oo, lo, hi);
            case EXP, LOG, SIGMOID, TANH, GELU -> HEAVY_D[op.ordinal()].run(xs, xo, os, oo, lo, hi);
        };
        for (; i < hi; i++) os.setAtIndex(D, oo + i, op.apply(xs.getAtIndex(D, xo + i)));
    }

    private static int negD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector v = DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, BO), r;
            r = v.neg();
            r.intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int absD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector v = DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, BO), r;
            r = v.abs();
            r.intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int expD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / DL;
        VMath.expVectorsD(xs, (xo + lo) * 8, os, (oo + lo) * 8, vectors);
        return lo + vectors * DL;
    }

    private static int logD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / DL;
        VMath.logVectorsD(xs, (xo + lo) * 8, os, (oo + lo) * 8, vectors);
        return lo + vectors * DL;
    }

    private static int sqrtD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector v = DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, BO), r;
            r = v.sqrt();
            r.intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int squareD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector v = DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, BO), r;
            r = v.mul(v);
            r.intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int reciprocalD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        for (; i < bound; i += DL) {
            DoubleVector v = DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, BO), r;
            r = one.div(v);
            r.intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int reluD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector v = DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, BO), r;
            r = v.max(0.0);
            r.intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int sigmoidD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / DL;
        VMath.sigmoidVectorsD(xs, (xo + lo) * 8, os, (oo + lo) * 8, vectors);
        return lo + vectors * DL;
    }

    private static int tanhD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        int vectors = (hi - lo) / DL;
        VMath.tanhVectorsD(xs, (xo + lo) * 8, os, (oo + lo) * 8, vectors);
        return lo + vectors * DL;
    }

    /** As {@link #geluF}. */
    private static int geluD(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int vectors = (hi - lo) / DL;
        MemorySegment s = VMath.chunkScratch();
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        for (int c = 0; c < vectors; c += VMath.CHUNK) {
            int n = Math.min(VMath.CHUNK, vectors - c);
            long xc = (xo + lo + (long) c * DL) * 8, oc = (oo + lo + (long) c * DL) * 8;
            for (int v = 0; v < n; v++) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, xs, xc + (long) v * DL * 8, BO);
                x.mul(x).mul(0.044715).add(1.0).mul(x).mul(SQRT_2_OVER_PI_X2D).abs().neg().intoMemorySegment(s, (long) v * DL * 8, BO);
            }
            VMath.expVectorsD(s, 0, s, 0, n);
            for (int v = 0; v < n; v++) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, xs, xc + (long) v * DL * 8, BO);
                DoubleVector u = x.mul(x).mul(0.044715).add(1.0).mul(x).mul(SQRT_2_OVER_PI_X2D);
                DoubleVector e = DoubleVector.fromMemorySegment(DS, s, (long) v * DL * 8, BO), d = e.add(1.0);
                x.mul(one.div(d).blend(e.div(d), u.compare(VectorOperators.LT, 0.0))).intoMemorySegment(os, oc + (long) v * DL * 8, BO);
            }
        }
        return lo + vectors * DL;
    }

    /** Vector body of binary ops for float; returns the index where the scalar tail starts. */
    static int binaryF(BinaryOp op, MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                          MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        return switch (op) {
            case ADD -> addF(as, ao, sa, (float) av, bs, bo, sb, (float) bv, os, oo, lo, hi);
            case SUB -> subF(as, ao, sa, (float) av, bs, bo, sb, (float) bv, os, oo, lo, hi);
            case MUL -> mulF(as, ao, sa, (float) av, bs, bo, sb, (float) bv, os, oo, lo, hi);
            case DIV -> divF(as, ao, sa, (float) av, bs, bo, sb, (float) bv, os, oo, lo, hi);
            // Math.pow per element in the caller's scalar loop (VectorElementwise.binaryRange): lanewise(POW) was
            // no faster here (64k: 1.27 ms vs 1.14 ms F32, 3.42 vs 1.60 ms F64) and not tier-stable (a vector stub
            // under C2, Math.pow per lane before); Math.pow gives the same bits in every tier.
            case POW -> lo;
            case MAX -> maxF(as, ao, sa, (float) av, bs, bo, sb, (float) bv, os, oo, lo, hi);
            case MIN -> minF(as, ao, sa, (float) av, bs, bo, sb, (float) bv, os, oo, lo, hi);
        };
    }

    private static int addF(MemorySegment as, long ao, int sa, float av, MemorySegment bs, long bo, int sb, float bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.add(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else if (sa == 1) {
            FloatVector y = FloatVector.broadcast(FS, bv);
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO);
                x.add(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FS, av);
            for (; i < bound; i += FL) {
                FloatVector y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.add(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        }
        return i;
    }

    private static int subF(MemorySegment as, long ao, int sa, float av, MemorySegment bs, long bo, int sb, float bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.sub(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else if (sa == 1) {
            FloatVector y = FloatVector.broadcast(FS, bv);
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO);
                x.sub(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FS, av);
            for (; i < bound; i += FL) {
                FloatVector y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.sub(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        }
        return i;
    }

    private static int mulF(MemorySegment as, long ao, int sa, float av, MemorySegment bs, long bo, int sb, float bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.mul(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else if (sa == 1) {
            FloatVector y = FloatVector.broadcast(FS, bv);
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO);
                x.mul(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FS, av);
            for (; i < bound; i += FL) {
                FloatVector y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.mul(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        }
        return i;
    }

    private static int divF(MemorySegment as, long ao, int sa, float av, MemorySegment bs, long bo, int sb, float bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.div(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else if (sa == 1) {
            FloatVector y = FloatVector.broadcast(FS, bv);
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO);
                x.div(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FS, av);
            for (; i < bound; i += FL) {
                FloatVector y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.div(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        }
        return i;
    }

    private static int maxF(MemorySegment as, long ao, int sa, float av, MemorySegment bs, long bo, int sb, float bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.max(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else if (sa == 1) {
            FloatVector y = FloatVector.broadcast(FS, bv);
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO);
                x.max(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FS, av);
            for (; i < bound; i += FL) {
                FloatVector y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.max(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        }
        return i;
    }

    private static int minF(MemorySegment as, long ao, int sa, float av, MemorySegment bs, long bo, int sb, float bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.min(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else if (sa == 1) {
            FloatVector y = FloatVector.broadcast(FS, bv);
            for (; i < bound; i += FL) {
                FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO);
                x.min(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FS, av);
            for (; i < bound; i += FL) {
                FloatVector y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
                x.min(y).intoMemorySegment(os, (oo + i) * 4, BO);
            }
        }
        return i;
    }

    /** Vector body of binary ops for double; returns the index where the scalar tail starts. */
    static int binaryD(BinaryOp op, MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                          MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        return switch (op) {
            case ADD -> addD(as, ao, sa, (double) av, bs, bo, sb, (double) bv, os, oo, lo, hi);
            case SUB -> subD(as, ao, sa, (double) av, bs, bo, sb, (double) bv, os, oo, lo, hi);
            case MUL -> mulD(as, ao, sa, (double) av, bs, bo, sb, (double) bv, os, oo, lo, hi);
            case DIV -> divD(as, ao, sa, (double) av, bs, bo, sb, (double) bv, os, oo, lo, hi);
            case POW -> lo; // Math.pow in the caller's scalar loop, as for float
            case MAX -> maxD(as, ao, sa, (double) av, bs, bo, sb, (double) bv, os, oo, lo, hi);
            case MIN -> minD(as, ao, sa, (double) av, bs, bo, sb, (double) bv, os, oo, lo, hi);
        };
    }

    private static int addD(MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.add(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else if (sa == 1) {
            DoubleVector y = DoubleVector.broadcast(DS, bv);
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO);
                x.add(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else {
            DoubleVector x = DoubleVector.broadcast(DS, av);
            for (; i < bound; i += DL) {
                DoubleVector y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.add(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        }
        return i;
    }

    private static int subD(MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.sub(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else if (sa == 1) {
            DoubleVector y = DoubleVector.broadcast(DS, bv);
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO);
                x.sub(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else {
            DoubleVector x = DoubleVector.broadcast(DS, av);
            for (; i < bound; i += DL) {
                DoubleVector y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.sub(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        }
        return i;
    }

    private static int mulD(MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.mul(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else if (sa == 1) {
            DoubleVector y = DoubleVector.broadcast(DS, bv);
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO);
                x.mul(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else {
            DoubleVector x = DoubleVector.broadcast(DS, av);
            for (; i < bound; i += DL) {
                DoubleVector y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.mul(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        }
        return i;
    }

    private static int divD(MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.div(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else if (sa == 1) {
            DoubleVector y = DoubleVector.broadcast(DS, bv);
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO);
                x.div(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else {
            DoubleVector x = DoubleVector.broadcast(DS, av);
            for (; i < bound; i += DL) {
                DoubleVector y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.div(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        }
        return i;
    }

    private static int maxD(MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.max(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else if (sa == 1) {
            DoubleVector y = DoubleVector.broadcast(DS, bv);
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO);
                x.max(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else {
            DoubleVector x = DoubleVector.broadcast(DS, av);
            for (; i < bound; i += DL) {
                DoubleVector y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.max(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        }
        return i;
    }

    private static int minD(MemorySegment as, long ao, int sa, double av, MemorySegment bs, long bo, int sb, double bv,
                              MemorySegment os, long oo, int lo, int hi) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        if (sa == 1 && sb == 1) {
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.min(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else if (sa == 1) {
            DoubleVector y = DoubleVector.broadcast(DS, bv);
            for (; i < bound; i += DL) {
                DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO);
                x.min(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        } else {
            DoubleVector x = DoubleVector.broadcast(DS, av);
            for (; i < bound; i += DL) {
                DoubleVector y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
                x.min(y).intoMemorySegment(os, (oo + i) * 8, BO);
            }
        }
        return i;
    }

    static int compareF(CompareOp op, MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        return switch (op) {
            case EQ -> eqF(as, ao, bs, bo, os, oo, len);
            case NE -> neF(as, ao, bs, bo, os, oo, len);
            case LT -> ltF(as, ao, bs, bo, os, oo, len);
            case LE -> leF(as, ao, bs, bo, os, oo, len);
            case GT -> gtF(as, ao, bs, bo, os, oo, len);
            case GE -> geF(as, ao, bs, bo, os, oo, len);
        };
    }

    private static int eqF(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        FloatVector zero = FloatVector.zero(FS), one = FloatVector.broadcast(FS, 1f);
        for (; i < bound; i += FL) {
            FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
            zero.blend(one, x.compare(VectorOperators.EQ, y)).intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int neF(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        FloatVector zero = FloatVector.zero(FS), one = FloatVector.broadcast(FS, 1f);
        for (; i < bound; i += FL) {
            FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
            zero.blend(one, x.compare(VectorOperators.NE, y)).intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int ltF(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        FloatVector zero = FloatVector.zero(FS), one = FloatVector.broadcast(FS, 1f);
        for (; i < bound; i += FL) {
            FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
            zero.blend(one, x.compare(VectorOperators.LT, y)).intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int leF(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        FloatVector zero = FloatVector.zero(FS), one = FloatVector.broadcast(FS, 1f);
        for (; i < bound; i += FL) {
            FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
            zero.blend(one, x.compare(VectorOperators.LE, y)).intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int gtF(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        FloatVector zero = FloatVector.zero(FS), one = FloatVector.broadcast(FS, 1f);
        for (; i < bound; i += FL) {
            FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
            zero.blend(one, x.compare(VectorOperators.GT, y)).intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    private static int geF(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        FloatVector zero = FloatVector.zero(FS), one = FloatVector.broadcast(FS, 1f);
        for (; i < bound; i += FL) {
            FloatVector x = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, BO), y = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, BO);
            zero.blend(one, x.compare(VectorOperators.GE, y)).intoMemorySegment(os, (oo + i) * 4, BO);
        }
        return i;
    }

    static int compareD(CompareOp op, MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        return switch (op) {
            case EQ -> eqD(as, ao, bs, bo, os, oo, len);
            case NE -> neD(as, ao, bs, bo, os, oo, len);
            case LT -> ltD(as, ao, bs, bo, os, oo, len);
            case LE -> leD(as, ao, bs, bo, os, oo, len);
            case GT -> gtD(as, ao, bs, bo, os, oo, len);
            case GE -> geD(as, ao, bs, bo, os, oo, len);
        };
    }

    private static int eqD(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = DS.loopBound(len);
        DoubleVector zero = DoubleVector.zero(DS), one = DoubleVector.broadcast(DS, 1.0);
        for (; i < bound; i += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
            zero.blend(one, x.compare(VectorOperators.EQ, y)).intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int neD(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = DS.loopBound(len);
        DoubleVector zero = DoubleVector.zero(DS), one = DoubleVector.broadcast(DS, 1.0);
        for (; i < bound; i += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
            zero.blend(one, x.compare(VectorOperators.NE, y)).intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int ltD(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = DS.loopBound(len);
        DoubleVector zero = DoubleVector.zero(DS), one = DoubleVector.broadcast(DS, 1.0);
        for (; i < bound; i += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
            zero.blend(one, x.compare(VectorOperators.LT, y)).intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int leD(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = DS.loopBound(len);
        DoubleVector zero = DoubleVector.zero(DS), one = DoubleVector.broadcast(DS, 1.0);
        for (; i < bound; i += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
            zero.blend(one, x.compare(VectorOperators.LE, y)).intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int gtD(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = DS.loopBound(len);
        DoubleVector zero = DoubleVector.zero(DS), one = DoubleVector.broadcast(DS, 1.0);
        for (; i < bound; i += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
            zero.blend(one, x.compare(VectorOperators.GT, y)).intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }

    private static int geD(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int len) {
        as = nat(as); bs = nat(bs); os = nat(os); // see NativeSegments
        int i = 0, bound = DS.loopBound(len);
        DoubleVector zero = DoubleVector.zero(DS), one = DoubleVector.broadcast(DS, 1.0);
        for (; i < bound; i += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, BO), y = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, BO);
            zero.blend(one, x.compare(VectorOperators.GE, y)).intoMemorySegment(os, (oo + i) * 8, BO);
        }
        return i;
    }
}
