package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.floats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * VMath against StrictMath: a stated maximum error in ulps over wide ranges (dense sweeps plus QuickTheories over
 * every bit pattern), and Math's special values (NaN, +-0, +-Inf, subnormals, overflow and underflow bounds)
 * exactly. F32 results are measured against the exact value (StrictMath in double), F64 results against StrictMath
 * (itself within 1 ulp). Each function runs from one segment into another and in place, with the same bits.
 */
class VMathTest {
    // Stated bounds in ulps; the sweeps print what they measured.
    static final double EXP_F = 1.5, LOG_F = 1.5, LOG1P_F = 2, TANH_F = 2; // measured 0.99, 0.73, 1.43, 1.23
    static final double EXP_D = 2, LOG_D = 2, LOG1P_D = 2, TANH_D = 2; // measured 2, 1, 1, 2 (vs StrictMath)

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    /** A VMath function: one vector from src at byte offset so to dst at do_. */
    interface Leaf {
        void run(MemorySegment src, long so, MemorySegment dst, long do_);
    }

    record FFun(String name, Leaf v, DoubleUnaryOperator exact, double ulps) {}

    record DFun(String name, Leaf v, DoubleUnaryOperator exact, double ulps) {}

    static final FFun[] FLOATS = {
        new FFun("exp", VMath::expF, StrictMath::exp, EXP_F),
        new FFun("log", VMath::logF, StrictMath::log, LOG_F),
        new FFun("log1p", VMath::log1pF, StrictMath::log1p, LOG1P_F),
        new FFun("tanh", (s, so, d, dd) -> VMath.tanhVectorsF(s, so, d, dd, 1), StrictMath::tanh, TANH_F),
    };
    static final DFun[] DOUBLES = {
        new DFun("exp", VMath::expD, StrictMath::exp, EXP_D),
        new DFun("log", VMath::logD, StrictMath::log, LOG_D),
        new DFun("log1p", VMath::log1pD, StrictMath::log1p, LOG1P_D),
        new DFun("tanh", (s, so, d, dd) -> VMath.tanhVectorsD(s, so, d, dd, 1), StrictMath::tanh, TANH_D),
    };

    static float[] apply(FFun f, float[] x) {
        int n = x.length, pad = (n + FS.length() - 1) / FS.length() * FS.length();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate((long) pad * 4, 64), out = arena.allocate((long) pad * 4, 64);
            MemorySegment.copy(x, 0, in, ValueLayout.JAVA_FLOAT, 0, n);
            for (long b = 0; b < pad * 4L; b += FS.vectorByteSize()) f.v().run(in, b, out, b);
            for (long b = 0; b < pad * 4L; b += FS.vectorByteSize()) f.v().run(in, b, in, b); // in place
            float[] r = out.asSlice(0, n * 4L).toArray(ValueLayout.JAVA_FLOAT), inPlace = in.asSlice(0, n * 4L).toArray(ValueLayout.JAVA_FLOAT);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(r[i]), Float.floatToRawIntBits(inPlace[i]), () -> f.name() + " in place differs");
            }
            return r;
        }
    }

    static double[] apply(DFun f, double[] x) {
        int n = x.length, pad = (n + DS.length() - 1) / DS.length() * DS.length();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate((long) pad * 8, 64), out = arena.allocate((long) pad * 8, 64);
            MemorySegment.copy(x, 0, in, ValueLayout.JAVA_DOUBLE, 0, n);
            for (long b = 0; b < pad * 8L; b += DS.vectorByteSize()) f.v().run(in, b, out, b);
            for (long b = 0; b < pad * 8L; b += DS.vectorByteSize()) f.v().run(in, b, in, b); // in place
            double[] r = out.asSlice(0, n * 8L).toArray(ValueLayout.JAVA_DOUBLE), inPlace = in.asSlice(0, n * 8L).toArray(ValueLayout.JAVA_DOUBLE);
            for (int i = 0; i < n; i++) {
                assertEquals(Double.doubleToRawLongBits(r[i]), Double.doubleToRawLongBits(inPlace[i]), () -> f.name() + " in place differs");
            }
            return r;
        }
    }

    /** Error of a float result in ulps of the exact value rounded to float; special values must match exactly. */
    static double ulpsF(float got, double exact) {
        float want = (float) exact;
        if (Float.isNaN(want) || Float.isInfinite(want) || want == 0) {
            return Float.floatToRawIntBits(got) == Float.floatToRawIntBits(want) || Float.isNaN(got) && Float.isNaN(want)
                    ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Float.isNaN(got) || Float.isInfinite(got)) return Double.POSITIVE_INFINITY;
        return Math.abs(got - exact) / Math.ulp(want);
    }

    static double ulpsD(double got, double want) {
        if (Double.isNaN(want) || Double.isInfinite(want) || want == 0) {
            return Double.doubleToRawLongBits(got) == Double.doubleToRawLongBits(want) || Double.isNaN(got) && Double.isNaN(want)
                    ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Double.isNaN(got) || Double.isInfinite(got)) return Double.POSITIVE_INFINITY;
        double d = Math.abs(got - want);
        if (Double.isInfinite(d)) d = Math.abs(got * 0.5 - want * 0.5) * 2; // only near MAX_VALUE
        return d / Math.ulp(want);
    }

    static double maxUlpsF(FFun f, float[] x) {
        float[] got = apply(f, x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = ulpsF(got[i], f.exact().applyAsDouble(x[i]));
            if (!(e <= f.ulps())) {
                throw new AssertionError("F32 " + f.name() + "(" + x[i] + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x[i]))
                        + ") = " + got[i] + ", exact " + f.exact().applyAsDouble(x[i]) + ": " + e + " ulp > " + f.ulps());
            }
            worst = Math.max(worst, e);
        }
        return worst;
    }

    static double maxUlpsD(DFun f, double[] x) {
        double[] got = apply(f, x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = ulpsD(got[i], f.exact().applyAsDouble(x[i]));
            if (!(e <= f.ulps())) {
                throw new AssertionError("F64 " + f.name() + "(" + x[i] + ") = " + got[i] + ", StrictMath "
                        + f.exact().applyAsDouble(x[i]) + ": " + e + " ulp > " + f.ulps());
            }
            worst = Math.max(worst, e);
        }
        return worst;
    }

    /** Uniform on [lo, hi] and log-uniform magnitudes in [2^-lo2, 2^hi2] of both signs. */
    static double[] sweep(SplittableRandom r, int n, double lo, double hi, int lo2, int hi2) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 2 == 0 ? lo + (hi - lo) * r.nextDouble()
                    : (r.nextBoolean() ? 1 : -1) * Math.pow(2, lo2 + (hi2 - lo2) * r.nextDouble());
        }
        return v;
    }

    static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    static final double[][] RANGES = { // lo, hi, log2 lo, log2 hi per function (exp, log, log1p, tanh)
        {-110, 95, -30, 7}, {0, 100, -1074, 1023}, {-1, 10, -60, 60}, {-12, 12, -40, 6}};
    static final double[][] RANGES_D = {
        {-750, 712, -60, 10}, {0, 100, -1074, 1023}, {-1, 10, -80, 80}, {-25, 25, -60, 6}};

    @Test
    void floatSweepsStayWithinTheirUlpBounds() {
        SplittableRandom r = new SplittableRandom(42);
        StringBuilder report = new StringBuilder();
        for (int k = 0; k < FLOATS.length; k++) {
            double[] g = RANGES[k];
            double[] x = sweep(r, 400_000, g[0], g[1], (int) g[2], (int) g[3]);
            if (k == 1) for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]);
            double worst = maxUlpsF(FLOATS[k], toFloats(x));
            report.append(FLOATS[k].name()).append(' ').append(worst).append(" ulp; ");
        }
        // Every float near 1 for log and log1p near 0 (cancellation regions), exhaustively in a band.
        float[] near = new float[1 << 16];
        for (int i = 0; i < near.length; i++) near[i] = Float.intBitsToFloat(Float.floatToRawIntBits(0.99f) + i * 8);
        report.append("log near 1 ").append(maxUlpsF(FLOATS[1], near)).append(" ulp");
        System.out.println("VMath F32 max error: " + report);
    }

    @Test
    void doubleSweepsStayWithinTheirUlpBounds() {
        SplittableRandom r = new SplittableRandom(43);
        StringBuilder report = new StringBuilder();
        for (int k = 0; k < DOUBLES.length; k++) {
            double[] g = RANGES_D[k];
            double[] x = sweep(r, 400_000, g[0], g[1], (int) g[2], (int) g[3]);
            if (k == 1) for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]);
            double worst = maxUlpsD(DOUBLES[k], x);
            report.append(DOUBLES[k].name()).append(' ').append(worst).append(" ulp; ");
        }
        double[] near = new double[1 << 16];
        for (int i = 0; i < near.length; i++) near[i] = 0.99 + i * 0.02 / near.length;
        report.append("log near 1 ").append(maxUlpsD(DOUBLES[1], near)).append(" ulp");
        System.out.println("VMath F64 max error: " + report);
    }

    @Test
    void log1pUnitMatchesLog1pOnItsRange() {
        FFun unit = new FFun("log1pUnit", VMath::log1pUnitF, StrictMath::log1p, LOG1P_F);
        float[] x = new float[200_000];
        SplittableRandom r = new SplittableRandom(44);
        for (int i = 0; i < x.length; i++) x[i] = i % 2 == 0 ? (float) r.nextDouble() : (float) Math.pow(2, -150 * r.nextDouble());
        x[0] = 0;
        x[1] = 1;
        x[2] = Float.MIN_VALUE;
        x[3] = 0.41421354f;
        x[4] = 0.41421357f;
        System.out.println("VMath F32 log1pUnit max error: " + maxUlpsF(unit, x) + " ulp");
        assertTrue(Float.isNaN(apply(unit, new float[] {Float.NaN})[0]));
    }

    @Test
    void anyFloatBitPatternIsWithinBoundsOrSpecialAsStrictMath() {
        for (FFun f : FLOATS) {
            qt().withExamples(3000).forAll(floats().any()).checkAssert(x -> maxUlpsF(f, new float[] {x}));
        }
    }

    @Test
    void anyDoubleBitPatternIsWithinBoundsOrSpecialAsStrictMath() {
        for (DFun f : DOUBLES) {
            qt().withExamples(3000).forAll(doubles().any()).checkAssert(x -> maxUlpsD(f, new double[] {x}));
        }
    }

    static final double[] EDGES = {Double.NaN, 0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1, -1, 2, 0.5, 0.625,
        -0.625, 0.6249999, 9, -9, 20, -20, 88.72283, 88.72284, 89, -87.33654, -103.27893, -103.97208, -104, -105,
        1e-8, -1e-8, 1e-30, -0.99999994, -1.0000001, 0.70710677, 0.70710683, 1.4142135, 3e38, 1e-45, 1.1754942e-38,
        Math.nextDown(1f), Math.nextUp(1f), Math.nextUp(-1f), 1e-300, -1e-300};
    static final double[] EDGES_D = {Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Math.nextDown(Double.MIN_NORMAL),
        Double.MAX_VALUE, -Double.MAX_VALUE, 709.782712893384, 709.7827128933841, 710, -708.3964185322641,
        -745.1332191019411, -745.1332191019412, -746, 0.625, Math.nextDown(0.625), 20, 1e-320, Math.nextDown(1.0),
        Math.nextUp(1.0), Math.nextUp(-1.0), 1e-17, -1e-17, 0.7071067811865475, 0.7071067811865476};

    @Test
    void specialValuesMatchMath() {
        double[] all = java.util.stream.DoubleStream.concat(java.util.Arrays.stream(EDGES), java.util.Arrays.stream(EDGES_D)).toArray();
        for (FFun f : FLOATS) maxUlpsF(f, toFloats(all));
        for (DFun f : DOUBLES) maxUlpsD(f, all);
        // The exact special results, spelled out.
        FFun log = FLOATS[1], log1p = FLOATS[2], tanh = FLOATS[3];
        assertEquals(Float.NEGATIVE_INFINITY, apply(log, new float[] {0f})[0]);
        assertEquals(Float.NEGATIVE_INFINITY, apply(log, new float[] {-0f})[0]);
        assertTrue(Float.isNaN(apply(log, new float[] {-1f})[0]));
        assertEquals(Float.NEGATIVE_INFINITY, apply(log1p, new float[] {-1f})[0]);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(apply(log1p, new float[] {-0f})[0]));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(apply(tanh, new float[] {-0f})[0]));
        assertEquals(-1f, apply(tanh, new float[] {Float.NEGATIVE_INFINITY})[0]);
        assertEquals(0.0, apply(DOUBLES[0], new double[] {Double.NEGATIVE_INFINITY})[0]);
        assertEquals(Double.MIN_VALUE, apply(DOUBLES[0], new double[] {-745.1332191019411})[0]);
        assertEquals(Double.POSITIVE_INFINITY, apply(DOUBLES[0], new double[] {709.7827128933841})[0]);
        assertEquals(-1074.0 * Math.log(2), apply(DOUBLES[1], new double[] {Double.MIN_VALUE})[0], 1e-12);
    }

    /** A VMath range: whole vectors from src at so to dst at do_. */
    interface Range {
        void run(MemorySegment src, long so, MemorySegment dst, long do_, int vectors);
    }

    /**
     * The ranges over 0 to 3 chunks and a few vectors (each chunk's exp goes through the per-thread scratch), at an
     * offset and in place, give bit for bit what one-vector calls give, and sigmoid stays within 2 ulp (F32) / 3.5
     * ulp (F64) of the exact value: a chunk index off by one, a stale scratch or a wrong offset shows here.
     */
    @Test
    void floatRangesMatchOneVectorCallsAcrossChunks() {
        checkRanges(new Range[] {VMath::expVectorsF, VMath::sigmoidVectorsF, VMath::tanhVectorsF, VMath::logVectorsF, VMath::log1pVectorsF}, true);
    }

    @Test
    void doubleRangesMatchOneVectorCallsAcrossChunks() {
        checkRanges(new Range[] {VMath::expVectorsD, VMath::sigmoidVectorsD, VMath::tanhVectorsD, VMath::logVectorsD, VMath::log1pVectorsD}, false);
    }

    /** ranges: exp, sigmoid, tanh, log, log1p of one dtype (log and log1p give NaN for the negative half of the inputs). */
    private static void checkRanges(Range[] ranges, boolean f32) {
        int vb = FS.vectorByteSize(), es = f32 ? 4 : 8, lanes = vb / es;
        String[] names = {"exp", "sigmoid", "tanh", "log", "log1p"};
        SplittableRandom r = new SplittableRandom(11);
        for (int vectors : new int[] {0, 1, VMath.CHUNK - 1, VMath.CHUNK, VMath.CHUNK + 1, 3 * VMath.CHUNK + 5}) {
            int n = vectors * lanes;
            double[] x = new double[n];
            for (int i = 0; i < n; i++) x[i] = i % 7 == 0 ? (r.nextBoolean() ? 1 : -1) * Math.pow(2, r.nextDouble(-20, 7)) : r.nextDouble(-12, 12);
            try (Arena arena = Arena.ofConfined()) {
                long off = vb; // one vector in: offsets other than 0
                long bytes = off + (long) n * es + vb;
                MemorySegment in = arena.allocate(bytes, 64), out = arena.allocate(bytes, 64), one = arena.allocate(bytes, 64),
                        inPlace = arena.allocate(bytes, 64);
                for (int i = 0; i < n; i++) {
                    if (f32) in.set(ValueLayout.JAVA_FLOAT, off + 4L * i, (float) x[i]);
                    else in.set(ValueLayout.JAVA_DOUBLE, off + 8L * i, x[i]);
                }
                for (int k = 0; k < ranges.length; k++) {
                    ranges[k].run(in, off, out, off, vectors);
                    for (int v = 0; v < vectors; v++) ranges[k].run(in, off + (long) v * vb, one, off + (long) v * vb, 1);
                    MemorySegment.copy(in, off, inPlace, off, (long) n * es);
                    ranges[k].run(inPlace, off, inPlace, off, vectors);
                    for (int i = 0; i < n; i++) {
                        long b = off + (long) es * i;
                        double xi = f32 ? (float) x[i] : x[i];
                        double got = f32 ? one.get(ValueLayout.JAVA_FLOAT, b) : one.get(ValueLayout.JAVA_DOUBLE, b);
                        String what = names[k] + " over " + vectors + " vectors, element " + i + " (x = " + xi + ")";
                        assertEquals(bits(one, b, f32), bits(out, b, f32), what);
                        assertEquals(bits(one, b, f32), bits(inPlace, b, f32), what + " in place");
                        if (k == 1) {
                            double exact = 1 / (1 + StrictMath.exp(-xi));
                            double ulps = f32 ? ulpsF((float) got, exact) : Math.abs(got - exact) / Math.ulp(exact);
                            // e = exp(-|x|) within 0.99 ulp (F32) / 2 ulp (F64, Cephes), then 1 + e and the quotient
                            // round once each: 2 / 3 ulp, plus half an ulp where the result sits at a binade edge.
                            assertTrue(ulps <= (f32 ? 2 : 3.5), what + ": " + got + " vs " + exact + " (" + ulps + " ulp)");
                        }
                    }
                }
            }
        }
    }

    /** The raw bits at b (NaNs as one canonical NaN). */
    private static long bits(MemorySegment s, long b, boolean f32) {
        if (f32) {
            float v = s.get(ValueLayout.JAVA_FLOAT, b);
            return v != v ? 0x7fc00000 : Float.floatToRawIntBits(v);
        }
        double v = s.get(ValueLayout.JAVA_DOUBLE, b);
        return v != v ? 0x7ff8000000000000L : Double.doubleToRawLongBits(v);
    }
}
