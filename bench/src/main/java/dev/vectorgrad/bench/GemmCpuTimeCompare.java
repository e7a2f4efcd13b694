package dev.vectorgrad.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Vector GEMM vs OpenBLAS (the {@link GemmBench} setups) interleaved call by call, for a shared machine where
 * JMH's forks run minutes apart and other work moves their wall-clock scores by 1.5-2x (the full run of session 3
 * saw vector n = 1024 iterations from 35 to 51 ms in one fork while OpenBLAS's fork stayed within 26-27.5 ms).
 * After a timed warm-up of both (default 4 s per shape; {@code -Dwarm=seconds}), each round times a batch of
 * calls of one backend, then of the other; it reports the medians over the rounds of the calling thread's CPU
 * time per call (at 1 thread all the work runs on the caller, and time other processes take from it is not
 * counted; what they do to the shared caches and the other core still is) and of wall-clock time, with GFLOPS
 * and the ratio vector / OpenBLAS throughput (> 1: vector faster). At 2 threads only the wall-clock columns
 * mean anything, and only with {@code OPENBLAS_THREAD_TIMEOUT=4} in the environment: OpenBLAS's worker threads
 * otherwise spin for ~2^28 cycles after each call, taking the second core during the vector batch (vector n = 1024
 * on 2 threads measured 13.5 ms wall, slower than on 1; with the variable 6.8-7.2 ms, 0.95-1.01x OpenBLAS).
 * B/call is the calling thread's heap allocation per call in the last round.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp "cli/target/vectorgrad-cli.jar:cli/target/lib/*" dev.vectorgrad.bench.GemmCpuTimeCompare 256,512,1024 1 15</pre>
 * Arguments: shapes (GemmBench's notation), thread counts, rounds (all optional, these defaults).
 */
public final class GemmCpuTimeCompare {
    private GemmCpuTimeCompare() {}

    public static void main(String[] args) {
        String[] a = {"256,512,1024", "1", "15"};
        System.arraycopy(args, 0, a, 0, Math.min(args.length, a.length));
        int rounds = Integer.parseInt(a[2]);
        double warm = Double.parseDouble(System.getProperty("warm", "4"));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.println("# " + dev.vectorgrad.bench.harness.Machine.detect().describe());
        System.out.printf("%-16s %3s | %-30s | %-30s | %s%n", "shape", "thr", "vector: cpu us (GFLOPS), wall us",
                "openblas: cpu us (GFLOPS), wall", "ratio cpu, wall | vector B/call");
        for (String shape : a[0].split(","))
            for (String th : a[1].split(",")) {
                GemmBench v = mk(shape, "vector", th), o = mk(shape, "openblas", th);
                long end = System.nanoTime() + (long) (warm * 1e9);
                while (System.nanoTime() < end) {
                    v.gemm();
                    o.gemm();
                }
                // About 20 ms of work per batch, at least one call.
                int reps = (int) Math.max(1, Math.min(100_000, 20e-3 * 50e9 / v.flops));
                double[] cv = new double[rounds], co = new double[rounds], wv = new double[rounds], wo = new double[rounds];
                long alloc = 0;
                for (int r = 0; r < rounds; r++) {
                    long al = mx.getCurrentThreadAllocatedBytes();
                    long s = System.nanoTime(), c = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < reps; i++) v.gemm();
                    wv[r] = (System.nanoTime() - s) / 1e3 / reps;
                    cv[r] = (mx.getCurrentThreadCpuTime() - c) / 1e3 / reps;
                    alloc = mx.getCurrentThreadAllocatedBytes() - al;
                    s = System.nanoTime();
                    c = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < reps; i++) o.gemm();
                    wo[r] = (System.nanoTime() - s) / 1e3 / reps;
                    co[r] = (mx.getCurrentThreadCpuTime() - c) / 1e3 / reps;
                }
                double mcv = median(cv), mco = median(co), mwv = median(wv), mwo = median(wo);
                double g = v.flops / 1e3;
                System.out.printf("%-16s %3s | %9.3f (%5.1f) %9.3f | %9.3f (%5.1f) %9.3f | %.2fx %.2fx | %d%n",
                        shape, th, mcv, g / mcv, mwv, mco, g / mco, mwo, mco / mcv, mwo / mwv, alloc / reps);
                o.tearDown(); // reverse order: each restores the thread count it found
                v.tearDown();
            }
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static GemmBench mk(String shape, String backend, String th) {
        GemmBench b = new GemmBench();
        b.shape = shape;
        b.backend = backend;
        b.threads = Integer.parseInt(th);
        b.setup();
        return b;
    }
}
