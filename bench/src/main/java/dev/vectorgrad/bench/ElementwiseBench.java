package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.UnaryOp;
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
 * Elementwise kernels, vector vs scalar backend, F32 contiguous: add into a preallocated output, exp into a
 * preallocated output, sum over all elements. Run:
 * {@code java --add-modules jdk.incubator.vector -cp ... org.openjdk.jmh.Main ElementwiseBench -f 1 -wi 2 -i 3}.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dvectorgrad.quiet=true"})
public class ElementwiseBench {
    @Param({"vector", "scalar"})
    public String backend;

    @Param({"1024", "65536", "1048576"})
    public int size;

    private Kernels k;
    private Scope scope;
    private Tensor a, b, out;

    @Setup(Level.Trial)
    public void setup() {
        k = Backends.get(backend);
        scope = Scope.shared();
        a = Tensor.zeros(scope, DType.F32, size);
        b = Tensor.zeros(scope, DType.F32, size);
        out = Tensor.zeros(scope, DType.F32, size);
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < size; i++) {
            a.write(i, r.nextFloat() * 4 - 2);
            b.write(i, r.nextFloat() * 4 - 2);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
    }

    @Benchmark
    public Tensor add() {
        k.binary(BinaryOp.ADD, a, b, out);
        return out;
    }

    @Benchmark
    public Tensor exp() {
        k.unary(UnaryOp.EXP, a, out);
        return out;
    }

    @Benchmark
    public double sum() {
        return k.reduceAll(ReduceOp.SUM, a);
    }
}
