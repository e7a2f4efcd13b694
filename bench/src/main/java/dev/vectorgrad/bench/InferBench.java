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
 * Batch-1 inference (forward pass only, preallocated buffers) of the MNIST CNN and of the 10->64->64->1 MLP:
 * the latency a request-serving application sees.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class InferBench {
    @Param({"vector", "scalar"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Scope scope;
    private KernelModels.MnistCnn cnn;
    private KernelModels.Mlp mlp;

    @Setup(Level.Trial)
    public void setup() {
        Backends.use(backend);
        Parallel.setThreads(threads);
        scope = Scope.shared();
        cnn = new KernelModels.MnistCnn(scope, 1, 42);
        mlp = new KernelModels.Mlp(scope, 1, 42);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
    }

    @Benchmark
    public Object mnistInfer() {
        return cnn.forward(false);
    }

    @Benchmark
    public Object mlpInfer() {
        return mlp.forward();
    }
}
