package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Im2col;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.tensor.DType;
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
 * Convolution layers of issue 4, F32, batch 32: the MNIST layer (1x28x28 -> 32x26x26, 3x3) and a mid layer
 * (32 -> 64 channels, 14x14, 3x3, pad 1). Forward, backward-data and backward-weight, each for
 * <ul>
 *   <li>{@code backend=vector}: the Vector API backend's conv kernels,</li>
 *   <li>{@code backend=native}: the JNI C++ backend's conv kernels (skipped when its library is not built),</li>
 *   <li>{@code backend=openblas}: im2col (the same routine) + OpenBLAS sgemm per image, col2im for
 *       backward-data. When the openblas backend is not available the setup fails with a one-line
 *       "skipped" reason and JMH moves on to the next parameter set.</li>
 * </ul>
 * at {@code threads} = 1 and 2 kernel threads (OpenBLAS gets the same count).
 * GFLOPS = 2*N*K*C*KH*KW*OH*OW / time (the same count for all three passes).
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// 6 s of warm-up: the vector MNIST forward ran 52.9 ms, 10.2 ms, 1.29 ms, then 0.54 ms per op in its first four
// 1 s iterations (C2 still compiling, the vectors boxed until then); with 3 the full run of 2026-11-23 16:40 UTC
// measured 1.05 ms for a 0.52-0.54 ms steady state.
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ConvBench {
    @Param({"mnist", "mid"})
    public String shape;

    @Param({"vector", "native", "openblas"})
    public String backend;

    /** Kernel threads ({@link Parallel#setThreads}); OpenBLAS follows the same count. */
    @Param({"1", "2"})
    public int threads;

    private int savedThreads;

    private Kernels k;
    private Conv2dSpec spec;
    private Tensor x, w, bias, out, gradOut, gradIn, gradW, gradB, col;
    private int N, C, K, KH, KW, OH, OW, R, P;

    @Setup(Level.Trial)
    public void setup() {
        int H, W, pad;
        if (shape.equals("mnist")) {
            N = 32; C = 1; K = 32; H = W = 28; pad = 0;
        } else {
            N = 32; C = 32; K = 64; H = W = 14; pad = 1;
        }
        KH = KW = 3;
        spec = Conv2dSpec.of(1, pad);
        OH = spec.outH(H, KH);
        OW = spec.outW(W, KW);
        R = C * KH * KW;
        P = OH * OW;
        if (!backend.equals("vector") && !Backends.isAvailable(backend)) {
            throw new IllegalStateException("skipped: " + backend + " backend not available in this build");
        }
        k = Backends.get(backend);
        savedThreads = Parallel.threads();
        Parallel.setThreads(threads);
        dev.vectorgrad.tensor.Scope g = dev.vectorgrad.tensor.Scope.global();
        Random r = new Random(1);
        x = rand(g, r, N, C, H, W);
        w = rand(g, r, K, C, KH, KW);
        bias = rand(g, r, K);
        out = Tensor.zeros(g, DType.F32, N, K, OH, OW);
        gradOut = rand(g, r, N, K, OH, OW);
        gradIn = Tensor.zeros(g, DType.F32, N, C, H, W);
        gradW = Tensor.zeros(g, DType.F32, K, C, KH, KW);
        gradB = Tensor.zeros(g, DType.F32, K);
        col = Tensor.zeros(g, DType.F32, R * P);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(savedThreads);
    }

    private static Tensor rand(dev.vectorgrad.tensor.Scope s, Random r, int... shape) {
        Tensor t = Tensor.zeros(s, DType.F32, shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, r.nextFloat() * 2 - 1);
        return t;
    }

    /** FLOPs of one pass (multiply-adds counted as 2). */
    public long flops() {
        return 2L * N * K * R * P;
    }

    private boolean blas() {
        return backend.equals("openblas");
    }

    private Tensor image(Tensor t, int n, int rows, int cols) {
        return t.view(new int[] {rows, cols}, new long[] {t.stride(1), t.stride(3)}, t.offset() + n * t.stride(0));
    }

    private Tensor colMat() {
        return col.view(new int[] {R, P}, new long[] {P, 1}, 0);
    }

    @Benchmark
    public Tensor forward() {
        if (!blas()) {
            k.conv2d(x, w, bias, spec, out);
            return out;
        }
        Tensor wm = w.view(new int[] {K, R}, new long[] {R, 1}, 0);
        for (int n = 0; n < N; n++) {
            Im2col.im2col(x, n, spec, KH, KW, OH, OW, col, 0);
            k.gemm(1, wm, colMat(), 0, image(out, n, K, P));
        }
        return out;
    }

    @Benchmark
    public Tensor backwardData() {
        if (!blas()) {
            k.conv2dBackwardData(gradOut, w, spec, gradIn);
            return gradIn;
        }
        Tensor wt = w.view(new int[] {R, K}, new long[] {1, R}, 0);
        for (int n = 0; n < N; n++) {
            k.gemm(1, wt, image(gradOut, n, K, P), 0, colMat());
            Im2col.col2im(col, 0, spec, KH, KW, OH, OW, gradIn, n);
        }
        return gradIn;
    }

    @Benchmark
    public Tensor backwardWeight() {
        if (!blas()) {
            k.conv2dBackwardWeight(x, gradOut, spec, gradW, gradB);
            return gradW;
        }
        Tensor gw = gradW.view(new int[] {K, R}, new long[] {R, 1}, 0);
        Tensor colT = col.view(new int[] {P, R}, new long[] {1, P}, 0);
        for (int n = 0; n < N; n++) {
            Im2col.im2col(x, n, spec, KH, KW, OH, OW, col, 0);
            k.gemm(1, image(gradOut, n, K, P), colT, n == 0 ? 0 : 1, gw);
        }
        return gradW;
    }
}
