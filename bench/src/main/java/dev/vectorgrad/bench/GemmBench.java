package dev.vectorgrad.bench;

import dev.vectorgrad.bench.harness.GemmShape;
import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
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
 * Float32 GEMM, c = a @ b, per backend and thread count. GFLOPS = 2 * m * n * k / (ns per op).
 *
 * <p>{@code shape} is {@code n} (square) or {@code MxKxN} or {@code MxKxN:AB}, A/B = N or T: a T operand is a
 * transposed view of a row-major matrix (how backward passes call it). The CNN shapes: fc1 (32x5408)*(5408x64),
 * fc2 (32x64)*(64x10), the conv im2col product (21632x9)*(9x32), and their backward products. {@code B*shape} is
 * a batch of B products through {@code gemmBatched} (A [B, M, K], B [B, K, N], C [B, M, N]; openblas: one
 * cblas_sgemm_batch_strided call where its small-matrix bug allows, else a call per matrix), e.g. {@code 64*16}.
 * Backends: {@code vector} (Vector API, GemmF32), {@code native} (the JNI C++ kernels of kernels-native; every
 * operand here is a plain or transposed row-major view, which it runs natively at every shape, rows split over
 * the {@code threads} workers), {@code openblas} (cblas_sgemm through FFM, the reference of the ratios) and
 * {@code scalar} (the oracle), only meant for n <= 128: its setup refuses bigger products. A backend whose
 * library is missing fails its setup with the reason (e.g. "native backend unavailable: ...").
 *
 * <p>Short run: {@code java -jar ... GemmBench -p shape=64,256,1024 -p backend=vector,native,openblas -f 1 -wi 3 -i 5}
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
// 4 s of warm-up: the Vector API code runs boxed (thousands of times slower) until C2 compiles it, which on a
// loaded 2-core machine took more than --quick's 0.6 s (a quick run showed shape=64 at 20-40 ms/op).
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GemmBench {
    @Param({"vector", "native", "openblas", "scalar"})
    public String backend;

    @Param({"4", "8", "16", "32", "64", "128", "256", "512", "1024", "2048",
            "32x5408x64", "5408x32x64:TN", "32x64x5408:NT",
            "32x64x10", "64x32x10:TN", "32x10x64:NT",
            "21632x9x32", "9x21632x32:TN", "21632x32x9:NT"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Scope scope;
    private Kernels kernels;
    private Tensor a, b, c;
    private boolean batched;
    private int savedThreads;
    public long flops;

    @Setup(Level.Trial)
    public void setup() {
        GemmShape g = GemmShape.parse(shape);
        int m = g.m(), k = g.k(), n = g.n();
        if (backend.equals("scalar") && g.flops() > 2L * 128 * 128 * 128) {
            throw new IllegalArgumentException("scalar backend is only benchmarked up to 128^3 multiply-adds, got " + shape);
        }
        savedThreads = Parallel.threads();
        Parallel.setThreads(threads);
        kernels = Backends.get(backend);
        scope = Scope.shared();
        Random r = new Random(1);
        batched = shape.contains("*");
        int[] lead = batched ? new int[] {g.batch()} : new int[0];
        a = g.transA() ? random(r, lead, k, m).transpose(-1, -2) : random(r, lead, m, k);
        b = g.transB() ? random(r, lead, n, k).transpose(-1, -2) : random(r, lead, k, n);
        c = Tensor.zeros(scope, DType.F32, shapeOf(lead, m, n));
        flops = g.flops();
    }

    private static int[] shapeOf(int[] lead, int rows, int cols) {
        int[] s = java.util.Arrays.copyOf(lead, lead.length + 2);
        s[lead.length] = rows;
        s[lead.length + 1] = cols;
        return s;
    }

    private Tensor random(Random r, int[] lead, int rows, int cols) {
        int[] s = shapeOf(lead, rows, cols);
        float[] v = new float[Math.toIntExact(dev.vectorgrad.tensor.Shapes.numel(s))];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        return Tensor.of(scope, v, s);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(savedThreads);
        scope.close();
    }

    @Benchmark
    public Tensor gemm() {
        if (batched) kernels.gemmBatched(1.0, a, b, 0.0, c);
        else kernels.gemm(1.0, a, b, 0.0, c);
        return c;
    }
}
