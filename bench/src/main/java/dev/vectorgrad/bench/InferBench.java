package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.nn.Inference;
import dev.vectorgrad.nn.Sequential;
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
 * Batch-1 inference of the nn models in eval mode through a preallocated {@link Inference} session (the path
 * a request-serving application takes): the MNIST CNN and the 10->64->64->1 MLP.
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
    private Inference cnn, mlp;
    private Tensor cnnX, mlpX;

    @Setup(Level.Trial)
    public void setup() {
        Backends.use(backend);
        Parallel.setThreads(threads);
        scope = Scope.shared();
        Rng rng = new Rng(42);
        Sequential cnnModel = Examples.mnistModel(scope, rng);
        Sequential mlpModel = TrainBench.mlp(scope, rng);
        cnnModel.eval();
        mlpModel.eval();
        cnn = new Inference(cnnModel, 1, 1, 28, 28);
        mlp = new Inference(mlpModel, 1, 10);
        cnnX = Ops.uniform(Tensor.zeros(scope, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        mlpX = Ops.uniform(Tensor.zeros(scope, DType.F32, 1, 10), -1, 1, rng);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cnn.close();
        mlp.close();
        scope.close();
    }

    @Benchmark
    public Object mnistInfer() {
        return cnn.run(cnnX);
    }

    @Benchmark
    public Object mlpInfer() {
        return mlp.run(mlpX);
    }
}
