package dev.vectorgrad.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Vector conv vs im2col + OpenBLAS (the {@link ConvBench} setups and passes) for a machine that other work is
 * loading, where JMH's wall-clock scores swing by 2-5x between runs: both backends run interleaved in rounds
 * (5 calls each), and besides wall-clock min / median per call it reports the median of the calling thread's
 * CPU time per call, which other processes do not inflate. With {@code threads} = 1 all the work runs on the
 * calling thread (Parallel runs inline; OpenBLAS at 1 thread runs on the caller), so the CPU-time ratio is the
 * meaningful one there; at 2 threads only the wall-clock columns count (and a loaded machine delays waking the
 * workers). The B/call column is the heap allocation of all threads (the JVM-wide counter, so the kernel workers
 * count too) per vector call, from the rounds after the first (later warm-up compilations excluded).
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xbatch \
 *   -cp "cli/target/vectorgrad-cli.jar:cli/target/lib/*" dev.vectorgrad.bench.ConvCpuTimeCompare mnist,mid 1,2 fwd,bwdData,bwdWeight 11</pre>
 * Arguments: shapes, thread counts, passes, rounds (all optional, these defaults).
 */
public final class ConvCpuTimeCompare {
    private ConvCpuTimeCompare() {}

    private interface Pass {
        Object run(ConvBench b);
    }

    public static void main(String[] args) {
        String[] a = {"mnist,mid", "1,2", "fwd,bwdData,bwdWeight", "11"};
        System.arraycopy(args, 0, a, 0, Math.min(args.length, a.length));
        String[] shapes = a[0].split(","), passes = a[2].split(",");
        int rounds = Integer.parseInt(a[3]);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        System.out.println("# " + dev.vectorgrad.bench.harness.Machine.detect().describe());
        // 4 s by default: without -Xbatch, 1.5 s left the vector MNIST forward boxed (7.8 ms and 1.5 MB per call
        // against 0.60 ms and 0 B once C2 had compiled it).
        long warmNanos = (long) (Double.parseDouble(System.getProperty("warm", "4")) * 1e9);
        for (String shape : shapes)
            for (String th : a[1].split(","))
                for (String pass : passes) {
                    ConvBench v = mk(shape, "vector", th), o = mk(shape, "openblas", th);
                    Pass p = switch (pass) { case "fwd" -> ConvBench::forward; case "bwdData" -> ConvBench::backwardData; default -> ConvBench::backwardWeight; };
                    long t0 = System.nanoTime();
                    while (System.nanoTime() - t0 < warmNanos) { // warm-up: both reach C2 (-Dwarm=seconds; or -Xbatch)
                        p.run(v);
                        p.run(o);
                    }
                    double[] tv = new double[rounds], to = new double[rounds], cv = new double[rounds], co = new double[rounds];
                    long alloc = 0; int reps = 5;
                    for (int r = 0; r < rounds; r++) {
                        long al = mx.getTotalThreadAllocatedBytes();
                        long s = System.nanoTime(), c = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < reps; i++) p.run(v);
                        tv[r] = (System.nanoTime() - s) / 1e3 / reps;
                        cv[r] = (mx.getCurrentThreadCpuTime() - c) / 1e3 / reps;
                        if (r > 0) alloc += mx.getTotalThreadAllocatedBytes() - al;
                        s = System.nanoTime(); c = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < reps; i++) p.run(o);
                        to[r] = (System.nanoTime() - s) / 1e3 / reps;
                        co[r] = (mx.getCurrentThreadCpuTime() - c) / 1e3 / reps;
                    }
                    double mv = Arrays.stream(tv).min().getAsDouble(), mo = Arrays.stream(to).min().getAsDouble();
                    Arrays.sort(tv); Arrays.sort(to); Arrays.sort(cv); Arrays.sort(co);
                    System.out.printf("%-6s %-8s thr=%s  caller-thread CPU-time medians: vector %8.1f us openblas %8.1f us ratio %.2fx%n", shape, pass, th, cv[rounds / 2], co[rounds / 2], co[rounds / 2] / cv[rounds / 2]);
                    System.out.printf("%-6s %-8s thr=%s  vector min %8.1f us med %8.1f | openblas min %8.1f med %8.1f | ratio(min) %.2fx ratio(med) %.2fx | vector B/call(all threads) %d%n",
                            shape, pass, th, mv, tv[rounds / 2], mo, to[rounds / 2], mo / mv, to[rounds / 2] / tv[rounds / 2],
                            rounds > 1 ? alloc / ((long) reps * (rounds - 1)) : -1);
                    v.tearDown();
                }
    }
    private static ConvBench mk(String shape, String backend, String th) {
        ConvBench b = new ConvBench();
        b.shape = shape; b.backend = backend; b.threads = Integer.parseInt(th);
        b.setup();
        return b;
    }
}
