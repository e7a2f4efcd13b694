package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.tensor.DType;
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
 * Pooling and loss kernels of issue 4, F32, ns per batch, per backend ({@code vector}, {@code scalar} oracle,
 * {@code native} JNI C++; a backend missing from the build is skipped with a one-line reason) and kernel threads.
 * <ul>
 *   <li>Pooling on the MNIST CNN's activation, batch 32: [32, 32, 26, 26]. {@code maxPool} / {@code maxPoolBackward}:
 *       2x2 stride 2 (forward saves the argmax, backward scatters through it); {@code avgPool} /
 *       {@code avgPoolBackward}: 2x2 stride 2; {@code globalAvgPool}: one 26x26 window per plane.</li>
 *   <li>Losses with their gradient on logits {@code shape} = 32x10 (MNIST head) and 256x1000 (ImageNet-size head):
 *       {@code softmaxCrossEntropy} (integer labels, mean), {@code bceWithLogits} and {@code mse} over the same
 *       number of elements (mean); F32 unless {@code -p dtype=F64} (or F32,F64).</li>
 * </ul>
 * Run: {@code ./vectorgrad bench conv --include PoolLossBench} (the harness adds {@code -prof gc}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dvectorgrad.quiet=true"})
public class PoolLossBench {

    /** Kernels, scope and thread count handling shared by both states (each declares the same @Params). */
    public abstract static class Base {
        Kernels k;
        Scope scope;
        private int savedThreads;

        void open(String backend, int threads) {
            if (!backend.equals("vector") && !backend.equals("scalar") && !Backends.isAvailable(backend)) {
                throw new IllegalStateException("skipped: " + backend + " backend not available in this build");
            }
            k = Backends.get(backend);
            savedThreads = Parallel.threads();
            Parallel.setThreads(threads);
            scope = Scope.shared();
        }

        @TearDown(Level.Trial)
        public void close() {
            Parallel.setThreads(savedThreads);
            scope.close();
        }

        Tensor rand(Random r, float lo, float hi, int... shape) {
            return rand(DType.F32, r, lo, hi, shape);
        }

        Tensor rand(DType dt, Random r, float lo, float hi, int... shape) {
            Tensor t = Tensor.zeros(scope, dt, shape);
            for (long i = 0; i < t.numel(); i++) t.setFlat(i, lo + r.nextFloat() * (hi - lo));
            return t;
        }
    }

    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public static class Pool extends Base {
        @Param({"vector", "scalar", "native"})
        public String backend;

        @Param({"1", "2"})
        public int threads;

        static final int N = 32, C = 32, H = 26, W = 26;
        final Pool2dSpec p2 = Pool2dSpec.of(2, 2), global = Pool2dSpec.of(H, H);
        Tensor x, pooled, argmax, gradPooled, gradIn, gap, gradGap;

        @Setup(Level.Trial)
        public void setup() {
            open(backend, threads);
            Random r = new Random(1);
            x = rand(r, -1, 1, N, C, H, W);
            pooled = Tensor.zeros(scope, DType.F32, N, C, H / 2, W / 2);
            argmax = Tensor.zeros(scope, DType.I32, N, C, H / 2, W / 2);
            gradPooled = rand(r, -1, 1, N, C, H / 2, W / 2);
            gradIn = Tensor.zeros(scope, DType.F32, N, C, H, W);
            gap = Tensor.zeros(scope, DType.F32, N, C, 1, 1);
            gradGap = rand(r, -1, 1, N, C, 1, 1);
            k.maxPool2d(x, p2, pooled, argmax); // a valid argmax for the backward benchmark
        }
    }

    @State(org.openjdk.jmh.annotations.Scope.Benchmark)
    public static class Loss extends Base {
        @Param({"vector", "scalar", "native"})
        public String backend;

        @Param({"1", "2"})
        public int threads;

        /** Logits rows x classes. */
        @Param({"32x10", "256x1000"})
        public String shape;

        /** Element type of logits, targets and gradient; F64 (its own double-lane loops) with {@code -p dtype=F32,F64}. */
        @Param({"F32"})
        public String dtype;

        Tensor logits, labels, grad, targets01, targets;

        @Setup(Level.Trial)
        public void setup() {
            open(backend, threads);
            String[] p = shape.split("x");
            int n = Integer.parseInt(p[0]), c = Integer.parseInt(p[1]);
            Random r = new Random(2);
            DType dt = DType.valueOf(dtype);
            logits = rand(dt, r, -4, 4, n, c);
            labels = Tensor.zeros(scope, DType.I32, n);
            for (int i = 0; i < n; i++) labels.setFlat(i, r.nextInt(c));
            grad = Tensor.zeros(scope, dt, n, c);
            targets01 = Tensor.zeros(scope, dt, n, c);
            for (long i = 0; i < targets01.numel(); i++) targets01.setFlat(i, r.nextBoolean() ? 1 : 0);
            targets = rand(dt, r, -1, 1, n, c);
        }
    }

    @Benchmark
    public Tensor maxPool(Pool s) {
        s.k.maxPool2d(s.x, s.p2, s.pooled, s.argmax);
        return s.pooled;
    }

    @Benchmark
    public Tensor maxPoolBackward(Pool s) {
        s.k.maxPool2dBackward(s.gradPooled, s.argmax, s.p2, s.gradIn);
        return s.gradIn;
    }

    @Benchmark
    public Tensor avgPool(Pool s) {
        s.k.avgPool2d(s.x, s.p2, s.pooled);
        return s.pooled;
    }

    @Benchmark
    public Tensor avgPoolBackward(Pool s) {
        s.k.avgPool2dBackward(s.gradPooled, s.p2, s.gradIn);
        return s.gradIn;
    }

    @Benchmark
    public Tensor globalAvgPool(Pool s) {
        s.k.avgPool2d(s.x, s.global, s.gap);
        return s.gap;
    }

    @Benchmark
    public double softmaxCrossEntropy(Loss s) {
        return s.k.softmaxCrossEntropy(s.logits, s.labels, Reduction.MEAN, s.grad);
    }

    @Benchmark
    public double bceWithLogits(Loss s) {
        return s.k.bceWithLogits(s.logits, s.targets01, Reduction.MEAN, s.grad);
    }

    @Benchmark
    public double mse(Loss s) {
        return s.k.mse(s.logits, s.targets, Reduction.MEAN, s.grad);
    }
}
