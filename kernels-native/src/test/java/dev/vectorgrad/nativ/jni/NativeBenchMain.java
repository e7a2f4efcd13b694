package dev.vectorgrad.nativ.jni;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;

/**
 * Quick ratio check vector vs native vs openblas (GEMM and conv2d forward) in one JVM, interleaved twice (not
 * JMH, not a test; the bench module owns the real benchmarks). Best of 5 timed rounds after a warm-up. Run from
 * the repository root after a test-compile (argument: thread counts, default 1):
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 *   -cp "kernels-vector/target/classes:kernels-native/target/classes:kernels-native/target/test-classes:$(cat /tmp/cp.txt)"
 *   dev.vectorgrad.nativ.jni.NativeBenchMain 1,2
 * with /tmp/cp.txt from {@code mvn -o -q -pl kernels-native dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt}
 * (OpenBLAS and JavaCPP jars).
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
        Backends.statuses().forEach(s -> System.out.println(s.name() + ": " + s.available() + " " + s.reason()));
        java.util.List<Kernels> ks = new java.util.ArrayList<>();
        for (String name : new String[] {"vector", "native", "openblas"}) if (Backends.isAvailable(name)) ks.add(Backends.get(name));
        int[] threads = args.length > 0 ? java.util.Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1};
        for (int th : threads) {
            Parallel.setThreads(th);
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                for (int n : new int[] {64, 256, 1024}) {
                    Tensor x = filled(dt, n, n), y = filled(dt, n, n), c = Tensor.zeros(dt, n, n);
                    double flop = 2.0 * n * n * n;
                    int reps = Math.max(1, (int) (4e8 / flop));
                    StringBuilder sb = new StringBuilder(String.format("gemm %s n=%d %dthr GFLOPS:", dt, n, th));
                    for (int round = 0; round < 2; round++) { // interleaved twice: the ratios, not the absolute values, count on a loaded machine
                        for (Kernels k : ks) sb.append(String.format("  %s %.1f", k.name(), flop / time(() -> k.gemm(1, x, y, 0, c), reps) / 1e9));
                        sb.append(" |");
                    }
                    System.out.println(sb);
                }
            }
            // The ConvBench shapes, F32 batch 32: mnist 1x28x28 -> 32, 3x3; mid 32x14x14 -> 64, 3x3 pad 1.
            for (String shape : new String[] {"mnist", "mid"}) {
                boolean mnist = shape.equals("mnist");
                int C = mnist ? 1 : 32, K = mnist ? 32 : 64, H = mnist ? 28 : 14, pad = mnist ? 0 : 1;
                Conv2dSpec sp = Conv2dSpec.of(1, pad);
                int OH = sp.outH(H, 3), OW = sp.outW(H, 3);
                Tensor x = filled(DType.F32, 32, C, H, H), w = filled(DType.F32, K, C, 3, 3), b = filled(DType.F32, K);
                Tensor o = Tensor.zeros(DType.F32, 32, K, OH, OW);
                double flop = 2.0 * 32 * K * C * 9 * OH * OW;
                StringBuilder sb = new StringBuilder(String.format("conv2d fwd F32 %s %dthr GFLOPS:", shape, th));
                for (int round = 0; round < 2; round++) {
                    for (Kernels k : ks) sb.append(String.format("  %s %.1f", k.name(), flop / time(() -> k.conv2d(x, w, b, sp, o), 10) / 1e9));
                    sb.append(" |");
                }
                System.out.println(sb);
            }
        }
    }
}
