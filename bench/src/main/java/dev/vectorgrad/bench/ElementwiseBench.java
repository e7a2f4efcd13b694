package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * all elements ({@code size} = 1k, 64k, 1M elements), exp/log/tanh at 64k on one thread ({@code transcendental},
 * against {@link LanewiseBench}), and softmax over the last axis of a rows x cols matrix into a preallocated output
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

        Tensor a, b, out;

        @Setup(Level.Trial)
        public void setup() {
            open();
            Random r = new Random(42);
            a = random(r, -2, 2, size);
            b = random(r, -2, 2, size);
            out = random(r, 0, 0, size);
        }
    }

    /**
     * exp, log and tanh (VMath: tier-stable, built from exact IEEE operations) at 64k elements on one kernel thread
     * ({@code fn}; no {@code size}/{@code threads} params, so the quick plans add only one configuration per op and
     * backend). Their reference is {@link LanewiseBench}: the Vector API's own lanewise(EXP/LOG/TANH) on the same
     * data, which is not part of the elementwise suite: run both in one JMH run, e.g.
     * {@code java --add-modules jdk.incubator.vector -cp "cli/target/vectorgrad-cli.jar:cli/target/lib/*"
     * org.openjdk.jmh.Main 'ElementwiseBench.transcendental|LanewiseBench' -p backend=vector -prof gc}.
     */
    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public static class Trans {
        @Param({"vector", "native", "scalar"})
        public String backend;

        @Param({"exp", "log", "tanh"})
        public String fn;

        @Param({"65536"})
        public int n;

        Kernels k;
        UnaryOp op;
        Scope scope;
        Tensor x, out;
        private int savedThreads;

        @Setup(Level.Trial)
        public void setup() {
            k = Backends.get(backend);
            savedThreads = Parallel.threads();
            Parallel.setThreads(1);
            scope = Scope.shared();
            op = UnaryOp.valueOf(fn.toUpperCase(java.util.Locale.ROOT));
            float[] v = LanewiseBench.data(fn, n);
            x = Tensor.of(scope, v, n);
            out = Tensor.of(scope, new float[n], n);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Parallel.setThreads(savedThreads);
            scope.close();
        }
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
    public Tensor transcendental(Trans s) {
        s.k.unary(s.op, s.x, s.out);
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
