package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.nn.Linear;
import dev.vectorgrad.nn.Losses;
import dev.vectorgrad.nn.Optimizer;
import dev.vectorgrad.nn.ReLU;
import dev.vectorgrad.nn.Sequential;
import dev.vectorgrad.nn.Trainer;
import dev.vectorgrad.nn.examples.Examples;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
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
 * One full training step of the nn models, the path a user's {@code fit} takes ({@link Trainer#step}: forward
 * in training mode, loss, backward, Adam, zeroed gradients): the MNIST CNN at batch 32 and the 10->64->64->1 MLP
 * at batch 32. Time per step; images/s = 32 / step time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TrainBench {
    /** A model with its trainer and one fixed batch. */
    abstract static class Setup0 {
        Scope scope;
        Trainer trainer;
        Tensor x, y;

        void init(String backend, int threads) {
            Backends.use(backend);
            Parallel.setThreads(threads);
            scope = Scope.shared();
        }

        void close() { scope.close(); }
    }

    /** The MNIST CNN at batch 32. Not on scalar: the oracle takes tens of seconds per step. */
    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Mnist extends Setup0 {
        @Param({"vector"})
        public String backend;

        @Param({"1", "2"})
        public int threads;

        @Setup(Level.Trial)
        public void setup() {
            init(backend, threads);
            Rng rng = new Rng(42);
            Sequential model = Examples.mnistModel(scope, rng);
            trainer = new Trainer(model, Losses.crossEntropy(), Optimizer.adam(model.parameters(), 1e-3), Trainer.Task.MULTICLASS);
            x = Ops.uniform(Tensor.zeros(scope, DType.F32, 32, 1, 28, 28), 0, 1, rng);
            int[] lab = new int[32];
            for (int i = 0; i < lab.length; i++) lab[i] = rng.nextInt(10);
            y = Tensor.ofInts(scope, lab, 32);
        }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    /** The 10->64->64->1 MLP at batch 32, MSE. */
    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Mlp extends Setup0 {
        @Param({"vector", "scalar"})
        public String backend;

        @Param({"1", "2"})
        public int threads;

        @Setup(Level.Trial)
        public void setup() {
            init(backend, threads);
            Rng rng = new Rng(42);
            Sequential model = mlp(scope, rng);
            trainer = new Trainer(model, Losses.mse(), Optimizer.adam(model.parameters(), 1e-3), Trainer.Task.REGRESSION);
            x = Ops.uniform(Tensor.zeros(scope, DType.F32, 32, 10), -1, 1, rng);
            y = Ops.uniform(Tensor.zeros(scope, DType.F32, 32, 1), -1, 1, rng);
        }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    /** Dense(10->64) -> ReLU -> Dense(64->64) -> ReLU -> Dense(64->1). */
    static Sequential mlp(Scope p, Rng rng) {
        return new Sequential(new Linear(p, 10, 64, rng), new ReLU(), new Linear(p, 64, 64, rng), new ReLU(), new Linear(p, 64, 1, rng));
    }

    @Benchmark
    public double mnistTrainStep(Mnist s) {
        return s.trainer.step(s.x, s.y);
    }

    @Benchmark
    public double mlpTrainStep(Mlp s) {
        return s.trainer.step(s.x, s.y);
    }
}
