package dev.vectorgrad.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Peer: DJL 0.35.1 with the PyTorch engine (libtorch 2.7.1 CPU from the pytorch-native-cpu jar, no download:
 * -Dai.djl.offline=true). Same workload names and params as ours so the harness pairs them: gemm (n x n, fresh
 * output as DJL has no out= variant) and add (in place, a += b).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeerDjlBench {
    static NDManager open(int threads) {
        // libtorch reads these when the engine starts: set them before the first Engine call of this fork.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        return Engine.getEngine("PyTorch").newBaseManager();
    }

    @State(Scope.Thread)
    public static class Gemm {
        @Param({"64", "256", "1024"})
        public int n;

        @Param({"1", "2"})
        public int threads;

        NDManager manager;
        NDArray a, b;

        @Setup(Level.Trial)
        public void setup() {
            manager = open(threads);
            a = manager.randomUniform(-1f, 1f, new Shape(n, n), DataType.FLOAT32);
            b = manager.randomUniform(-1f, 1f, new Shape(n, n), DataType.FLOAT32);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    @State(Scope.Thread)
    public static class Add {
        @Param({"1024"})
        public int size;

        @Param({"1", "2"})
        public int threads;

        NDManager manager;
        NDArray a, b;

        @Setup(Level.Trial)
        public void setup() {
            manager = open(threads);
            a = manager.randomUniform(-1f, 1f, new Shape(size), DataType.FLOAT32);
            b = manager.randomUniform(-1e-6f, 1e-6f, new Shape(size), DataType.FLOAT32);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    @Benchmark
    public float gemm(Gemm s) {
        try (NDArray c = s.a.matMul(s.b)) {
            return c.getFloat(0, 0);
        }
    }

    @Benchmark
    public NDArray add(Add s) {
        return s.a.addi(s.b);
    }
}
