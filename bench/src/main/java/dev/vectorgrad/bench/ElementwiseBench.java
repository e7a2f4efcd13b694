package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
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
 * Elementwise kernels, F32 contiguous, per backend ({@code vector}, {@code native} = JNI/C++, {@code scalar} =
 * the oracle) and kernel thread count: add into a preallocated output, exp into a preallocated output, sum over
 * all elements ({@code size} = 1k, 64k, 1M elements), log and tanh (VMath, tier-stable, like exp), their Vector
 * API lanewise references (expLanewise, logLanewise, tanhLanewise: single-threaded, no backend; compare with
 * backend=vector, threads=1), and softmax over the last axis of a rows x cols matrix into a preallocated output
 * ({@code shape} = 32x10, the MNIST logits at batch 32, and 1024x1024). The peers (PeerDjlBench, PeerNd4jBench) have the same method names and @Params, so the harness pairs them.
 * A backend that is not available (native without its library) fails its setup with the reason and JMH moves
 * on. Run: {@code ./vectorgrad bench elementwise --quick} or
 * {@code java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar ElementwiseBench -f 1 -wi 2 -i 3}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dvectorgrad.quiet=true"})
public class ElementwiseBench {
    /** What every state shares: the backend, the thread count and the tensors' scope. */
    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public abstract static class Base {
        @Param({"vector", "native", "scalar"})
        public String backend;

        @Param({"1", "2"})
        public int threads;

        Kernels k;
        Scope scope;
        private int savedThreads;

        void open() {
            k = Backends.get(backend);
            savedThreads = Parallel.threads();
            Parallel.setThreads(threads);
            scope = Scope.shared();
        }

        Tensor random(Random r, float lo, float hi, int... shape) {
            int n = 1;
            for (int d : shape) n *= d;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextFloat();
            return Tensor.of(scope, v, shape);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Parallel.setThreads(savedThreads);
            scope.close();
        }
    }

    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public static class Vec extends Base {
        @Param({"1024", "65536", "1048576"})
        public int size;

        Tensor a, b, out, pos;

        @Setup(Level.Trial)
        public void setup() {
            open();
            Random r = new Random(42);
            a = random(r, -2, 2, size);
            b = random(r, -2, 2, size);
            out = random(r, 0, 0, size);
            pos = random(r, 0.01f, 4, size); // log's input
        }
    }

    /**
     * The reference for exp/log/tanh: the Vector API's own lanewise(EXP/LOG/TANH) (SVML-like stubs under C2, what
     * the kernels used before VMath; not tier-stable) in a plain loop over the same data, single-threaded. Compare
     * with exp/log/tanh at backend=vector, threads=1 in the same run.
     */
    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public static class Stub {
        @Param({"1024", "65536", "1048576"})
        public int size;

        Arena arena;
        MemorySegment a, pos, out;

        @Setup(Level.Trial)
        public void setup() {
            arena = Arena.ofShared();
            Random r = new Random(42);
            a = arena.allocate(size * 4L, 64);
            pos = arena.allocate(size * 4L, 64);
            out = arena.allocate(size * 4L, 64);
            for (int i = 0; i < size; i++) a.setAtIndex(ValueLayout.JAVA_FLOAT, i, -2 + 4 * r.nextFloat());
            for (int i = 0; i < size; i++) r.nextFloat(); // b's values in Vec
            for (int i = 0; i < size; i++) pos.setAtIndex(ValueLayout.JAVA_FLOAT, i, 0.01f + 3.99f * r.nextFloat());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder BO = ByteOrder.nativeOrder();

    // One loop per op (a shared loop with the operator as a parameter would box the vectors).
    private static void stubExp(MemorySegment x, MemorySegment o, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, x, i * 4L, BO).lanewise(VectorOperators.EXP).intoMemorySegment(o, i * 4L, BO);
        }
        for (; i < n; i++) o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.exp(x.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }

    private static void stubLog(MemorySegment x, MemorySegment o, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, x, i * 4L, BO).lanewise(VectorOperators.LOG).intoMemorySegment(o, i * 4L, BO);
        }
        for (; i < n; i++) o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.log(x.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }

    private static void stubTanh(MemorySegment x, MemorySegment o, int n) {
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += FS.length()) {
            FloatVector.fromMemorySegment(FS, x, i * 4L, BO).lanewise(VectorOperators.TANH).intoMemorySegment(o, i * 4L, BO);
        }
        for (; i < n; i++) o.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.tanh(x.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }

    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public static class Soft extends Base {
        /** rows x cols; softmax runs over cols. */
        @Param({"32x10", "1024x1024"})
        public String shape;

        Tensor x, out;

        @Setup(Level.Trial)
        public void setup() {
            String[] rc = shape.split("x");
            if (rc.length != 2) throw new IllegalArgumentException("softmax shape must be ROWSxCOLS, got '" + shape + "'");
            int rows = Integer.parseInt(rc[0]), cols = Integer.parseInt(rc[1]);
            open();
            Random r = new Random(42);
            x = random(r, -4, 4, rows, cols);
            out = random(r, 0, 0, rows, cols);
        }
    }

    @Benchmark
    public Tensor add(Vec s) {
        s.k.binary(BinaryOp.ADD, s.a, s.b, s.out);
        return s.out;
    }

    @Benchmark
    public Tensor exp(Vec s) {
        s.k.unary(UnaryOp.EXP, s.a, s.out);
        return s.out;
    }

    @Benchmark
    public Tensor log(Vec s) {
        s.k.unary(UnaryOp.LOG, s.pos, s.out);
        return s.out;
    }

    @Benchmark
    public Tensor tanh(Vec s) {
        s.k.unary(UnaryOp.TANH, s.a, s.out);
        return s.out;
    }

    @Benchmark
    public MemorySegment expLanewise(Stub s) {
        stubExp(s.a, s.out, s.size);
        return s.out;
    }

    @Benchmark
    public MemorySegment logLanewise(Stub s) {
        stubLog(s.pos, s.out, s.size);
        return s.out;
    }

    @Benchmark
    public MemorySegment tanhLanewise(Stub s) {
        stubTanh(s.a, s.out, s.size);
        return s.out;
    }

    @Benchmark
    public double sum(Vec s) {
        return s.k.reduceAll(ReduceOp.SUM, s.a);
    }

    @Benchmark
    public Tensor softmax(Soft s) {
        s.k.softmax(s.x, 1, s.out);
        return s.out;
    }
}
