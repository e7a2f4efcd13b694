package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.OptimizerSteps;
import dev.vectorgrad.kernels.Parallel;
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
 * Optimizer update kernels of issue 4 over one F32 parameter of {@code size} elements (350000 ~ the MNIST CNN,
 * 1000000), per backend ({@code vector}, {@code scalar} oracle, {@code native} JNI C++; skipped when missing) and
 * kernel threads: SGD with momentum 0.9 (nesterov), Adam (AdamW: decoupled weight decay), RMSprop with momentum,
 * Adadelta. ns per update of the whole parameter (one training step's worth). Run:
 * {@code ./vectorgrad bench elementwise --include OptimizerBench}.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dvectorgrad.quiet=true"})
public class OptimizerBench {
    @Param({"vector", "scalar", "native"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    @Param({"350000", "1000000"})
    public int size;

    /** Element type of parameter, gradient and state: F32 by default; {@code -p dtype=F64} runs the F64 loops. */
    @Param({"F32"})
    public String dtype;

    private Kernels k;
    private Scope scope;
    private int savedThreads;
    private Tensor p, g, s0, s1;
    private final OptimizerSteps.Sgd sgd = new OptimizerSteps.Sgd(1e-3, 0.9, 0, true, 1e-4);
    private final OptimizerSteps.Adam adam = new OptimizerSteps.Adam(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 10);
    private final OptimizerSteps.RmsProp rms = new OptimizerSteps.RmsProp(1e-3, 0.99, 1e-8, 0.9, 0);
    private final OptimizerSteps.Adadelta ada = new OptimizerSteps.Adadelta(1.0, 0.9, 1e-6, 0);

    @Setup(Level.Trial)
    public void setup() {
        if (!backend.equals("vector") && !backend.equals("scalar") && !Backends.isAvailable(backend)) {
            throw new IllegalStateException("skipped: " + backend + " backend not available in this build");
        }
        k = Backends.get(backend);
        savedThreads = Parallel.threads();
        Parallel.setThreads(threads);
        scope = Scope.shared();
        Random r = new Random(3);
        p = rand(r, -1, 1);
        g = rand(r, -1e-2f, 1e-2f);
        s0 = rand(r, 0, 1e-4f);
        s1 = rand(r, 0, 1e-4f);
    }

    private Tensor rand(Random r, float lo, float hi) {
        Tensor t = Tensor.zeros(scope, DType.valueOf(dtype), size);
        for (long i = 0; i < size; i++) t.setFlat(i, lo + r.nextFloat() * (hi - lo));
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(savedThreads);
        scope.close();
    }

    @Benchmark
    public Tensor sgdMomentum() {
        k.sgdUpdate(p, g, s0, sgd);
        return p;
    }

    @Benchmark
    public Tensor adam() {
        k.adamUpdate(p, g, s0, s1, adam);
        return p;
    }

    @Benchmark
    public Tensor rmsprop() {
        k.rmsPropUpdate(p, g, s0, s1, rms);
        return p;
    }

    @Benchmark
    public Tensor adadelta() {
        k.adadeltaUpdate(p, g, s0, s1, ada);
        return p;
    }
}
