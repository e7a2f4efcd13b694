package dev.vectorgrad.bench;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Peer: ND4J 1.0.0-M2.1 (nd4j-native, linux-x86_64-avx2 build; this machine has no AVX-512). gemm is
 * {@code Nd4j.gemm} into a preallocated output (ND4J's fastest path), gemmMmul the everyday {@code a.mmul(b)}
 * that allocates its result, add is in place ({@code a.addi(b)}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.platform.extension=-avx2"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeerNd4jBench {
    static void init(int threads) {
        // Only this fork loads ND4J, so the AVX2 native build can be selected here without touching our backends.
        System.setProperty("org.bytedeco.javacpp.platform.extension", "-avx2");
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    @State(Scope.Thread)
    public static class Gemm {
        @Param({"64", "256", "1024"})
        public int n;

        @Param({"1", "2"})
        public int threads;

        INDArray a, b, c;

        @Setup(Level.Trial)
        public void setup() {
            init(threads);
            a = Nd4j.rand(DataType.FLOAT, n, n);
            b = Nd4j.rand(DataType.FLOAT, n, n);
            c = Nd4j.create(DataType.FLOAT, n, n);
        }
    }

    @State(Scope.Thread)
    public static class Add {
        @Param({"1024"})
        public int size;

        @Param({"1", "2"})
        public int threads;

        INDArray a, b;

        @Setup(Level.Trial)
        public void setup() {
            init(threads);
            a = Nd4j.rand(DataType.FLOAT, size);
            b = Nd4j.rand(DataType.FLOAT, size).muli(1e-6);
        }
    }

    @Benchmark
    public INDArray gemm(Gemm s) {
        return Nd4j.gemm(s.a, s.b, s.c, false, false, 1.0, 0.0);
    }

    @Benchmark
    public INDArray gemmMmul(Gemm s) {
        return s.a.mmul(s.b);
    }

    @Benchmark
    public INDArray add(Add s) {
        return s.a.addi(s.b);
    }
}
