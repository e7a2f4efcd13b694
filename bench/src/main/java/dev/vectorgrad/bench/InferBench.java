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
// 5 s of warm-up: the fused conv kernel's single-channel 3x3 path runs under C1 (boxing its vectors) until C2
// compiles it, ~2-3 s into a run on a loaded 2-core machine.
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class InferBench {
    @Param({"vector", "scalar"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Scope scope;
    private Inference cnn, cnnUnfused, mlp;
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
        cnnUnfused = Inference.withoutFusedConvPool(cnnModel, 1, 1, 28, 28);
        mlp = new Inference(mlpModel, 1, 10);
        cnnX = Ops.uniform(Tensor.zeros(scope, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        mlpX = Ops.uniform(Tensor.zeros(scope, DType.F32, 1, 10), -1, 1, rng);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cnn.close();
        cnnUnfused.close();
        mlp.close();
        scope.close();
    }

    @Benchmark
    public Object mnistInfer() {
        return cnn.run(cnnX);
    }

    /** mnistInfer with Conv2d, ReLU and MaxPool2d as separate layers (the path before the fused kernel; same bits). */
    @Benchmark
    public Object mnistInferUnfused() {
        return cnnUnfused.run(cnnX);
    }

    @Benchmark
    public Object mlpInfer() {
        return mlp.run(mlpX);
    }

    /**
     * Per-layer profile of batch-1 MNIST inference (not JMH): {@code java --add-modules jdk.incubator.vector
     * --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.vectorgrad.bench.InferBench [rounds]}.
     * For 1 and 2 threads, the fused and the unfused session alternate in rounds of 2,000 timed calls (after a
     * warm-up); prints each step's median over the rounds' medians, in microseconds, and the whole call's (wall
     * clock, and the calling thread's CPU time: on a loaded machine the latter leaves out the time it was not
     * scheduled).
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Backends.use("vector");
        Scope scope = Scope.shared();
        Rng rng = new Rng(42);
        Sequential model = Examples.mnistModel(scope, rng);
        model.eval();
        Tensor x = Ops.uniform(Tensor.zeros(scope, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        for (int t : new int[] {1, 2}) {
            Parallel.setThreads(t);
            try (Inference fused = new Inference(model, 1, 1, 28, 28); Inference unfused = Inference.withoutFusedConvPool(model, 1, 1, 28, 28)) {
                Inference[] sessions = {fused, unfused};
                double[][][] med = new double[2][rounds][];
                double[][] whole = new double[2][rounds], cpu = new double[2][rounds];
                var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                for (Inference s : sessions) for (int i = 0; i < 20_000; i++) s.run(x);
                for (int r = 0; r < rounds; r++) {
                    for (int v = 0; v < 2; v++) {
                        med[v][r] = sessions[v].profile(x, 2000);
                        long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < 2000; i++) sessions[v].run(x);
                        whole[v][r] = (System.nanoTime() - t0) / 2000.0;
                        cpu[v][r] = (mx.getCurrentThreadCpuTime() - c0) / 2000.0;
                    }
                }
                for (int v = 0; v < 2; v++) {
                    System.out.printf("threads %d, %s (medians of %d rounds x 2000 calls, us):%n", t, v == 0 ? "fused" : "unfused", rounds);
                    java.util.List<String> names = sessions[v].stepNames();
                    for (int i = 0; i < names.size(); i++) {
                        double[] col = new double[rounds];
                        for (int r = 0; r < rounds; r++) col[r] = med[v][r][i];
                        System.out.printf("  %-45s %8.2f%n", names.get(i), median(col) / 1000);
                    }
                    System.out.printf("  %-45s %8.2f%n", "whole call (mean of 2000, median of rounds)", median(whole[v]) / 1000);
                    System.out.printf("  %-45s %8.2f%n", "calling thread's CPU time per call (same)", median(cpu[v]) / 1000);
                }
            }
        }
        scope.close();
        System.exit(0);
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
