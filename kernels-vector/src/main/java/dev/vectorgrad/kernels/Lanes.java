package dev.vectorgrad.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Horizontal sums in a fixed order (lane 0, then 1, ...). {@code reduceLanes(ADD)} leaves the order unspecified,
 * and the interpreter (sequential) and C2 (a tree) really differ: a reduction then gave different bits before and
 * after its caller was compiled, so two training runs with the same seed drifted apart in the last bits. MAX and
 * MIN do not depend on the order and keep {@code reduceLanes}. Static and tiny so C2 inlines it (a vector
 * argument of a call that is not inlined would be boxed).
 */
final class Lanes {
    private Lanes() {}

    // Constant trip counts, so C2 unrolls the loops and every lane(i) has a constant index (an intrinsic);
    // v.length() as the bound left lane(i) variable and boxed the vector.
    private static final int FL = FloatVector.SPECIES_PREFERRED.length(), DL = DoubleVector.SPECIES_PREFERRED.length();

    /** The lanes of a preferred-species vector, summed in lane order. */
    static float sum(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < FL; i++) s += v.lane(i);
        return s;
    }

    static double sum(DoubleVector v) {
        double s = v.lane(0);
        for (int i = 1; i < DL; i++) s += v.lane(i);
        return s;
    }

    /**
     * The same order over lanes the caller has stored into {@code t} (length = lane count): for a loop that must not
     * pass its vector to a call (a call left out of line boxes it; the BCE loss loops' sums of vectors were).
     */
    static float sum(float[] t) {
        float s = t[0];
        for (int i = 1; i < t.length; i++) s += t[i];
        return s;
    }

    static double sum(double[] t) {
        double s = t[0];
        for (int i = 1; i < t.length; i++) s += t[i];
        return s;
    }
}
