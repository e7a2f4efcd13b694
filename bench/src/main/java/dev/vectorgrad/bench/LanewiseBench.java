package dev.vectorgrad.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reference for ElementwiseBench.transcendental: the Vector API's own {@code lanewise(EXP/LOG/TANH)} (SVML-like
 * stubs under C2; what the kernels used before VMath, and not tier-stable) in a plain single-threaded loop over the
 * same data, F32. Not in the elementwise suite (it would only lengthen the quick plans); run it with
 * ElementwiseBench.transcendental in one JMH run, e.g. {@code java --add-modules jdk.incubator.vector -cp
 * "cli/target/vectorgrad-cli.jar:cli/target/lib/*" org.openjdk.jmh.Main
 * 'ElementwiseBench.transcendental|LanewiseBench' -p backend=vector -prof gc}, and compare the same fn.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dvectorgrad.quiet=true"})
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class LanewiseBench {
    @Param({"exp", "log", "tanh"})
    public String fn;

    @Param({"65536"})
    public int n;

    private Arena arena;
    private MemorySegment x, out;

    /** The inputs of both benchmarks: log in [0.01, 4], exp and tanh in [-4, 4]. */
    static float[] data(String fn, int n) {
        Random r = new Random(42);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = fn.equals("log") ? 0.01f + 3.99f * r.nextFloat() : -4 + 8 * r.nextFloat();
        return v;
    }

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        x = arena.allocate(n * 4L, 64);
        out = arena.allocate(n * 4L, 64);
        MemorySegment.copy(data(fn, n), 0, x, ValueLayout.JAVA_FLOAT, 0, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment lanewise() {
        switch (fn) {
            case "exp" -> exp(x, out, n);
            case "log" -> log(x, out, n);
            default -> tanh(x, out, n);
        }
        return out;
    }

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder BO = ByteOrder.nativeOrder();

    // One loop per op (a shared loop with the operator as a parameter would box the vectors).
    private static void exp(MemorySegment x, MemorySegment o, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, x, i * 4L, BO).lanewise(VectorOperators.EXP).intoMemorySegment(o, i * 4L, BO);
        }
        for (; i < n; i++) o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.exp(x.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }

    private static void log(MemorySegment x, MemorySegment o, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, x, i * 4L, BO).lanewise(VectorOperators.LOG).intoMemorySegment(o, i * 4L, BO);
        }
        for (; i < n; i++) o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.log(x.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }

    private static void tanh(MemorySegment x, MemorySegment o, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, x, i * 4L, BO).lanewise(VectorOperators.TANH).intoMemorySegment(o, i * 4L, BO);
        }
        for (; i < n; i++) o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.tanh(x.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }
}
