package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.tensor.Scope;
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
 * One full training step (forward, loss, backward, Adam) on preallocated buffers: the MNIST CNN at batch 32
 * and the 10->64->64->1 MLP at batch 32. Time per step; images/s = 32 / step time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TrainBench {
    /** The MNIST CNN at batch 32. Not on scalar: the oracle takes tens of seconds per step. */
    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Mnist {
        @Param({"vector"})
        public String backend;

        @Param({"1", "2"})
        public int threads;

        Scope scope;
        KernelModels.MnistCnn model;

        @Setup(Level.Trial)
        public void setup() {
            Backends.use(backend);
            Parallel.setThreads(threads);
            scope = Scope.shared();
            model = new KernelModels.MnistCnn(scope, 32, 42);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            scope.close();
        }
    }

    /** The 10->64->64->1 MLP at batch 32. */
    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Mlp {
        @Param({"vector", "scalar"})
        public String backend;

        @Param({"1", "2"})
        public int threads;

        Scope scope;
        KernelModels.Mlp model;

        @Setup(Level.Trial)
        public void setup() {
            Backends.use(backend);
            Parallel.setThreads(threads);
            scope = Scope.shared();
            model = new KernelModels.Mlp(scope, 32, 42);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            scope.close();
        }
    }

    @Benchmark
    public double mnistTrainStep(Mnist s) {
        return s.model.trainStep();
    }

    @Benchmark
    public double mlpTrainStep(Mlp s) {
        return s.model.trainStep();
    }
}
