package dev.vectorgrad.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

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
 * Inlining is the constraint: a vector passed to a call C2 does not inline is boxed (tens of bytes per vector, ~30x
 * slower). Each Vector API call parses into many IR nodes, and C2 stops inlining in a compilation past
 * NodeCountInliningCutoff (18000 nodes) and past MaxInlineLevel; so keep these flat (few helper levels) and use them
 * in loops that do little else. Used by: VectorLoops (F32 exp, log, tanh, sigmoid, GELU; F64 exp, log, sigmoid,
 * GELU, tanh in two passes), F32 and F64 softmax, the fused sigmoid and tanh activations (loops of their own), the
 * losses' exp, and BCE's log1p (F32: log1pUnit; both dtypes in a pass of its own after the exp pass). (pow runs
 * Math.pow per element: x^y = exp(y log x) needs extra precision.) No kernel is left on lanewise(EXP/LOG/LOG1P/TANH);
 * DeterminismTest compares -Xint, C2 and tiered runs of each, and VMathAllocationTest and
 * ConvTrainingAllocationTest catch a VMath call left out of line (boxing).
 */
final class VMath {
    private VMath() {}

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

    // ------------------------------------------------------------------ float

    /**
     * e^x for float lanes, Cephes expf: n = round(x log2 e), r = x - n ln 2 (two-part ln 2), a degree-6 polynomial
     * for e^r on |r| <= ln 2 / 2 (within 2 ulp), then 2^n applied in two exact steps so subnormal results round
     * once. Inputs are clamped to [-104, 89]: below, e^x rounds to 0; above, it overflows to +Inf. NaN stays NaN.
     * Small on purpose (bytecode size): a caller that has used up C2's inlining budget calls it out of line and
     * boxes; give such callers their own small method per loop (see VectorTraining.ceRowGrad).
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-104f).min(89f);
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
        return y.mul(s1).mul(s2); // NaN: max/min keep it (Java semantics), and so does every step after
    }

    /**
     * Natural log for float lanes, Cephes logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(1 + f) for f = m - 1
     * (exact) by a degree-8 polynomial, plus e ln 2 in two parts. Subnormal inputs are scaled by 2^23 first.
     */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        IntVector bits = x.blend(x.mul(8388608f), sub).reinterpretAsInts();
        // The exponent field as a float via the ROUND trick: bits of ROUND + k are 0x4B400000 + k.
        FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).add(0x4B400000).reinterpretAsFloats().sub(ROUND + 126f);
        e = e.blend(e.sub(23f), sub);
        FloatVector m = bits.and(0x007FFFFF).or(0x3F000000).reinterpretAsFloats(); // in [0.5, 1)
        VectorMask<Float> lo = m.compare(VectorOperators.LT, SQRTHF);
        e = e.blend(e.sub(1f), lo);
        FloatVector f = m.blend(m.add(m), lo).sub(1f); // exact
        FloatVector r = logTail(f, e);
        r = r.blend(-INF, x.compare(VectorOperators.EQ, 0f));
        r = r.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
        return r.blend(x, x.compare(VectorOperators.LT, INF).not()); // +Inf and NaN give themselves
    }

    /** log(1 + f) + e ln 2 for f in [sqrt(1/2) - 1, sqrt(2) - 1), Cephes logf's polynomial. */
    private static FloatVector logTail(FloatVector f, FloatVector e) {
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
        return e.lanewise(VectorOperators.FMA, LN2_HI, f.add(y));
    }

    /**
     * log(1 + x) for float lanes: u = 1 + x rounded, log(u) plus the first-order correction (x - (u - 1)) / u for
     * the rounding of u. Where u is 0 or +Inf (x = -1, huge x) the correction is NaN and log(u) alone is right;
     * where u == 1, log1p(x) rounds to x (keeps -0).
     */
    static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector c = x.sub(u.sub(1f)).div(u);
        FloatVector l = log(u);
        FloatVector r = l.add(c).blend(l, c.compare(VectorOperators.NE, c));
        return r.blend(x, u.compare(VectorOperators.EQ, 1f));
    }

    /**
     * log(1 + x) for x in [0, 1] (NaN passes through), as {@link #log1p} but without its range and special-value
     * handling: u = 1 + x is in [1, 2], so u = m 2^k with k = 0 (u < sqrt 2) or 1 and no exponent extraction.
     * F32 BCE's log1p(exp(-|x|)), in a loop of its own after the exp pass (with exp and the sigmoid in the same
     * loop, C2 ran out of its inlining node budget, NodeCountInliningCutoff, and boxed).
     */
    static FloatVector log1pUnit(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector c = x.sub(u.sub(1f)).div(u);
        VectorMask<Float> hi = u.compare(VectorOperators.GE, 1.41421356f);
        FloatVector k = FloatVector.zero(x.species()).blend(1f, hi);
        FloatVector f = u.blend(u.mul(0.5f), hi).sub(1f); // exact
        return logTail(f, k).add(c);
    }

    /**
     * tanh for float lanes, Cephes tanhf: for |x| < 0.625 an odd polynomial, else 1 - 2 / (e^(2|x|) + 1) (|x| clamped
     * to 10, where tanh rounds to 1); the sign of x is copied on, so -0 and -Inf keep theirs. NaN stays NaN.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = a.mul(a);
        FloatVector p = z.fma(-5.70498872745E-3f, 2.06390887954E-2f);
        p = p.lanewise(VectorOperators.FMA, z, -5.37397155531E-2f);
        p = p.lanewise(VectorOperators.FMA, z, 1.33314422036E-1f);
        p = p.lanewise(VectorOperators.FMA, z, -3.33332819422E-1f);
        FloatVector small = p.mul(z).fma(a, a);
        FloatVector big = exp(a.min(10f).mul(2f)).add(1f);
        big = FloatVector.broadcast(x.species(), 1f).sub(FloatVector.broadcast(x.species(), 2f).div(big));
        FloatVector r = big.blend(small, a.compare(VectorOperators.LT, 0.625f));
        return r.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    // ------------------------------------------------------------------ double

    /**
     * e^x for double lanes, Cephes exp: n = round(x log2 e), r = x - n ln 2 (two-part ln 2), e^r = 1 + 2 r P(r^2) /
     * (Q(r^2) - r P(r^2)) (a Pade form), then 2^n in two exact steps so subnormal results round once. Inputs are
     * clamped to [-746, 710]: below, e^x rounds to 0; above, it overflows to +Inf. NaN stays NaN.
     */
    static DoubleVector exp(DoubleVector x) {
        DoubleVector xc = x.max(-746.0).min(710.0);
        DoubleVector nf = xc.fma(LOG2E_D, ROUND_D).sub(ROUND_D);
        DoubleVector r = nf.lanewise(VectorOperators.FMA, -C1, xc);
        r = nf.lanewise(VectorOperators.FMA, -C2, r);
        // One method, no helper: every extra call level counts against C2's MaxInlineLevel, and the Vector API's
        // own calls are deep; past the limit an intrinsic fails and the vectors are boxed.
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
        return y.mul(s1).mul(s2);
    }

    /**
     * Natural log for double lanes, Cephes log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(1 + f) = f - f^2/2 +
     * f^3 P(f) / Q(f) for f = m - 1 (exact), plus e ln 2 in two parts. Subnormal inputs are scaled by 2^54 first.
     */
    static DoubleVector log(DoubleVector x) {
        VectorMask<Double> sub = x.compare(VectorOperators.LT, Double.MIN_NORMAL);
        LongVector bits = x.blend(x.mul(0x1p54), sub).reinterpretAsLongs();
        DoubleVector e = bits.lanewise(VectorOperators.LSHR, 52).add(ROUND_D_BITS).reinterpretAsDoubles().sub(ROUND_D + 1022);
        e = e.blend(e.sub(54.0), sub);
        DoubleVector m = bits.and(0x000FFFFFFFFFFFFFL).or(0x3FE0000000000000L).reinterpretAsDoubles(); // [0.5, 1)
        VectorMask<Double> lo = m.compare(VectorOperators.LT, SQRTH);
        e = e.blend(e.sub(1.0), lo);
        DoubleVector f = m.blend(m.add(m), lo).sub(1.0); // exact
        DoubleVector z = f.mul(f);
        DoubleVector y = f.mul(z.mul(logP(f)).div(logQ(f)));
        y = e.lanewise(VectorOperators.FMA, LN2_LO_D, y);
        y = z.lanewise(VectorOperators.FMA, -0.5, y);
        DoubleVector r = e.lanewise(VectorOperators.FMA, LN2_HI_D, f.add(y));
        r = r.blend(-INF_D, x.compare(VectorOperators.EQ, 0.0));
        r = r.blend(Double.NaN, x.compare(VectorOperators.LT, 0.0));
        return r.blend(x, x.compare(VectorOperators.LT, INF_D).not());
    }

    private static DoubleVector logP(DoubleVector f) {
        DoubleVector p = f.fma(1.01875663804580931796E-4, 4.97494994976747001425E-1);
        p = p.lanewise(VectorOperators.FMA, f, 4.70579119878881725854E0);
        p = p.lanewise(VectorOperators.FMA, f, 1.44989225341610930846E1);
        p = p.lanewise(VectorOperators.FMA, f, 1.79368678507819816313E1);
        return p.lanewise(VectorOperators.FMA, f, 7.70838733755885391666E0);
    }

    private static DoubleVector logQ(DoubleVector f) {
        DoubleVector q = f.add(1.12873587189167450590E1);
        q = q.lanewise(VectorOperators.FMA, f, 4.52279145837532221105E1);
        q = q.lanewise(VectorOperators.FMA, f, 8.29875266912776603211E1);
        q = q.lanewise(VectorOperators.FMA, f, 7.11544750618563894466E1);
        return q.lanewise(VectorOperators.FMA, f, 2.31251620126765340583E1);
    }

    /** log(1 + x) for double lanes, as the float version. */
    static DoubleVector log1p(DoubleVector x) {
        DoubleVector u = x.add(1.0);
        DoubleVector c = x.sub(u.sub(1.0)).div(u);
        DoubleVector l = log(u);
        DoubleVector r = l.add(c).blend(l, c.compare(VectorOperators.NE, c));
        return r.blend(x, u.compare(VectorOperators.EQ, 1.0));
    }

    /**
     * tanh for double lanes, Cephes tanh: for |x| < 0.625 x + x^3 P(x^2) / Q(x^2), else 1 - 2 / (e^(2|x|) + 1) (|x|
     * clamped to 20, where tanh rounds to 1); the sign of x is copied on. NaN stays NaN. Inlined into one loop, exp
     * plus the rational exceed C2's node budget for inlining (NodeCountInliningCutoff) and the call boxes, so the
     * F64 tanh kernel runs it in two passes: {@link #tanhExpArg} through {@link #exp}, then {@link #tanhFromExp}.
     */
    static DoubleVector tanh(DoubleVector x) {
        return tanhFromExp(x, exp(tanhExpArg(x)));
    }

    /** 2 min(|x|, 20): the argument of the exp that {@link #tanhFromExp} takes. */
    static DoubleVector tanhExpArg(DoubleVector x) {
        return x.abs().min(20.0).mul(2.0);
    }

    /** tanh(x) given e = exp(tanhExpArg(x)). */
    static DoubleVector tanhFromExp(DoubleVector x, DoubleVector e) {
        DoubleVector a = x.abs();
        DoubleVector big = DoubleVector.broadcast(x.species(), 1.0).sub(DoubleVector.broadcast(x.species(), 2.0).div(e.add(1.0)));
        DoubleVector r = big.blend(tanhSmall(a), a.compare(VectorOperators.LT, 0.625));
        return r.reinterpretAsLongs().or(x.reinterpretAsLongs().and(0x8000000000000000L)).reinterpretAsDoubles();
    }

    private static DoubleVector tanhSmall(DoubleVector a) {
        DoubleVector z = a.mul(a);
        DoubleVector p = z.fma(-9.64399179425052238628E-1, -9.92877231001918586564E1);
        p = p.lanewise(VectorOperators.FMA, z, -1.61468768441708447952E3);
        DoubleVector q = z.add(1.12811678491632931402E2);
        q = q.lanewise(VectorOperators.FMA, z, 2.23548839060100448583E3);
        q = q.lanewise(VectorOperators.FMA, z, 4.84406305325125486048E3);
        return a.mul(z).mul(p.div(q)).add(a);
    }
}
