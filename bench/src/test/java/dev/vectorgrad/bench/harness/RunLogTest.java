package dev.vectorgrad.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunLogTest {
    /** Shaped like JMH 1.37's NORMAL output: a setup that threw, one that ran, a fork that died. */
    static final String LOG = """
            # JMH version: 1.37
            # Benchmark: dev.vectorgrad.bench.GemmBench.gemm
            # Parameters: (backend = scalar, shape = 256, threads = 1)

            # Run progress: 0.00% complete, ETA 00:00:10
            # Fork: 1 of 1
            # Warmup Iteration   1: <failure>

            java.lang.IllegalArgumentException: scalar backend is only benchmarked up to 128^3 multiply-adds, got 256
            \tat dev.vectorgrad.bench.GemmBench.setup(GemmBench.java:67)

            # Benchmark: dev.vectorgrad.bench.GemmBench.gemm
            # Parameters: (backend = vector, shape = 256, threads = 1)
            # Warmup Iteration   1: 1488156443.000 ns/op
            Iteration   1: 412000.0 ns/op

            # Benchmark: dev.vectorgrad.bench.PeerDjlBench.gemm
            # Parameters: (shape = 64, threads = 1)
            # Warmup Iteration   1: <failure>

            ai.djl.engine.EngineException: Failed to load PyTorch native library
            \tat ai.djl.pytorch.engine.PtEngine.newInstance(PtEngine.java:85)
            Caused by: java.io.FileNotFoundException: /root/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64/libtorch.so (No space left on device)
            \t... 12 more

            # Benchmark: dev.vectorgrad.bench.PeerDjlBench.gemm
            # Parameters: (shape = 256, threads = 1)
            # Warmup Iteration   1: <failure>

            ai.djl.engine.EngineException: Failed to load PyTorch native library

            # Benchmark: dev.vectorgrad.bench.PeerNd4jBench.mnistInfer
            # Parameters: (threads = 2)
            java.lang.UnsatisfiedLinkError: no jnind4jcpu in java.library.path
            <forked VM failed with exit code 134>
            """;

    @Test
    void findsEachFailedConfigurationWithItsRootCause() {
        List<RunLog.Failure> f = RunLog.failures(LOG);
        assertEquals(4, f.size(), f.toString());
        assertEquals("dev.vectorgrad.bench.GemmBench.gemm", f.get(0).benchmark());
        assertEquals(Map.of("backend", "scalar", "shape", "256", "threads", "1"), f.get(0).params());
        assertEquals("java.lang.IllegalArgumentException: scalar backend is only benchmarked up to 128^3 multiply-adds, got 256",
                f.get(0).reason());
        assertEquals("java.io.FileNotFoundException: /root/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64/libtorch.so (No space left on device)",
                f.get(1).reason());
        assertEquals("ai.djl.engine.EngineException: Failed to load PyTorch native library", f.get(2).reason());
        assertEquals("java.lang.UnsatisfiedLinkError: no jnind4jcpu in java.library.path (<forked VM failed with exit code 134>)",
                f.get(3).reason());
    }

    @Test
    void oneLinePerBackendOrPeer() {
        List<String> notes = RunLog.notes(RunLog.failures(LOG));
        assertEquals(List.of(
                "backend scalar could not run 1 configuration (e.g. GemmBench.gemm shape=256 threads=1): "
                        + "java.lang.IllegalArgumentException: scalar backend is only benchmarked up to 128^3 multiply-adds, got 256",
                "peer djl-pytorch could not run 2 configurations (e.g. PeerDjlBench.gemm shape=64 threads=1): "
                        + "java.io.FileNotFoundException: /root/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64/libtorch.so (No space left on device)",
                "peer nd4j could not run 1 configuration (e.g. PeerNd4jBench.mnistInfer threads=2): "
                        + "java.lang.UnsatisfiedLinkError: no jnind4jcpu in java.library.path (<forked VM failed with exit code 134>)"),
                notes);
        assertEquals(List.of(), RunLog.notes(RunLog.failures("# Benchmark: a.B.c\nIteration   1: 3.0 ns/op\n")));
    }
}
