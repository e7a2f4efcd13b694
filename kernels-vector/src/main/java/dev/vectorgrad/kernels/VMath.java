package dev.vectorgrad.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector math that gives the same bits interpreted, under C1 and under C2. {@code lanewise(EXP)} does not: C2 calls
 * a vector stub (SVML-like, within 4 ulp) while the interpreter and C1 run {@code Math.exp} per lane, so a kernel's
 * first calls (before C2 compiled it) and later calls differed in the last bits, and two training runs with the
 * same seed drifted apart depending on JIT timing. Built only from +, *, fma, min/max and integer bit operations,
 * which are exact IEEE operations in every tier. Static and small so C2 inlines it (a vector passed to a call that
 * is not inlined is boxed).
 */
final class VMath {
    private VMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split so n * LN2_HI is exact for |n| <= 2^9 (Cephes expf).
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: x + ROUND rounds x to an integer in the low bits

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
}
