package dev.vectorgrad.nativ.jni;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;

/**
 * Quick ratio check native vs vector backends in one JVM (not JMH, not a test; the bench module owns the real
 * benchmarks). Best of 5 timed rounds after a warm-up. Run from the repository root after a test-compile:
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 *   -cp kernels-vector/target/classes:kernels-native/target/classes:kernels-native/target/test-classes
 *   dev.vectorgrad.nativ.jni.NativeBenchMain
 */
public final class NativeBenchMain {
    private NativeBenchMain() {}

    static double time(Runnable r, int reps) {
        for (int i = 0; i < Math.max(2, reps / 3); i++) r.run();
        double best = Double.MAX_VALUE;
        for (int t = 0; t < 5; t++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9 / reps);
        }
        return best;
    }

    static Tensor filled(DType dt, int... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, Math.sin(i * 0.37));
        return t;
    }

    public static void main(String[] args) {
        Kernels nat = Backends.get("native"), vec = Backends.get("vector");
        Backends.statuses().forEach(s -> System.out.println(s.name() + ": " + s.available() + " " + s.reason()));
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int n : new int[] {64, 256, 1024}) {
                Tensor x = filled(dt, n, n), y = filled(dt, n, n), c = Tensor.zeros(dt, n, n);
                double flop = 2.0 * n * n * n;
                int reps = Math.max(1, (int) (2e8 / flop));
                StringBuilder sb = new StringBuilder("gemm " + dt + " n=" + n + ":");
                for (int th : new int[] {1, 2}) {
                    Parallel.setThreads(th);
                    sb.append(String.format("  native %dthr %.1f GFLOPS", th, flop / time(() -> nat.gemm(1, x, y, 0, c), reps) / 1e9));
                    if (n <= 256) sb.append(String.format(", vector %dthr %.2f GFLOPS", th, flop / time(() -> vec.gemm(1, x, y, 0, c), Math.max(1, reps / 50)) / 1e9));
                }
                System.out.println(sb);
            }
        }
        Tensor x = filled(DType.F32, 32, 16, 28, 28), w = filled(DType.F32, 32, 16, 3, 3), b = filled(DType.F32, 32);
        Tensor o = Tensor.zeros(DType.F32, 32, 32, 26, 26), gx = Tensor.zeros(DType.F32, 32, 16, 28, 28), gw = Tensor.zeros(DType.F32, 32, 16, 3, 3);
        for (int th : new int[] {1, 2}) {
            Parallel.setThreads(th);
            double f = time(() -> nat.conv2d(x, w, b, Conv2dSpec.DEFAULT, o), 5), fv = time(() -> vec.conv2d(x, w, b, Conv2dSpec.DEFAULT, o), 1);
            double d = time(() -> nat.conv2dBackwardData(o, w, Conv2dSpec.DEFAULT, gx), 5);
            double g = time(() -> nat.conv2dBackwardWeight(x, o, Conv2dSpec.DEFAULT, gw, null), 5);
            System.out.printf("conv2d F32 x[32,16,28,28] w[32,16,3,3] %dthr: native fwd %.2f ms (vector %.1f ms, %.0fx), bwd data %.2f ms, bwd weight %.2f ms%n",
                    th, f * 1e3, fv * 1e3, fv / f, d * 1e3, g * 1e3);
        }
    }
}
