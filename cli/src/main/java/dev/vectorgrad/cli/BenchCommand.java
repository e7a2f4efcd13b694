package dev.vectorgrad.cli;

import dev.vectorgrad.bench.harness.BenchOptions;
import dev.vectorgrad.bench.harness.BenchRunner;
import java.nio.file.Path;

/**
 * {@code ./vectorgrad bench <suite> [--peers] [--threads 1,2] [--quick] [--repeat N] [--json] [--out DIR]}: runs the JMH
 * suite (dev.vectorgrad.bench.harness), prints the table with ratios against the best peer (or the
 * openblas/scalar reference), writes raw and summary JSON and PNG charts; with --json the summary JSON is
 * the last stdout line. {@code ./vectorgrad bench compare gemm|conv ...} runs the interleaved CPU-time
 * comparisons instead (see {@link #COMPARE_USAGE}).
 */
final class BenchCommand {
    private BenchCommand() {}

    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("compare")) return compare(args);
        if (Main.hasFlag(args, "--help") || Main.hasFlag(args, "-h")) {
            System.out.println(BenchOptions.USAGE);
            return 0;
        }
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            return 2;
        }
        if (o.dryRun()) {
            System.out.print(BenchRunner.plan(o).describe());
            return 0;
        }
        try {
            BenchRunner.Outcome r = BenchRunner.run(o, System.out, System.err);
            System.out.println();
            System.out.println("suite " + o.suite() + (o.quick() ? " (quick)" : "") + ": speedup = reference time / our time (> 1: faster than the reference)");
            System.out.print(r.summary().table());
            System.out.println("results: " + r.dir().toAbsolutePath());
            for (Path c : r.charts()) System.out.println("chart:   " + c.toAbsolutePath());
            if (o.json()) System.out.println(r.summary().toJson());
            return r.summary().rows().isEmpty() ? 1 : 0;
        } catch (Exception e) {
            System.err.println("bench failed: " + e);
            return 1;
        }
    }

    static final String COMPARE_USAGE = """
            usage: ./vectorgrad bench compare gemm [shapes] [threads] [rounds]
                   ./vectorgrad bench compare conv [shapes] [threads] [passes] [rounds]
              Vector backend vs OpenBLAS interleaved call by call in one JVM (not JMH): medians of the calling
              thread's CPU time and of wall time per call, and their ratio. For a loaded machine, where JMH forks
              that run minutes apart are not comparable. Defaults: gemm 256,512,1024 1 15; conv mnist,mid 1,2
              fwd,bwdData,bwdWeight 11. Warm-up seconds per shape: VECTORGRAD_JAVA_OPTS=-Dwarm=N (default 4;
              -Xbatch there makes the compiler finish before the timing starts). At 2 threads run it with
              OPENBLAS_THREAD_TIMEOUT=4: OpenBLAS's workers otherwise spin for ~2^28 cycles after each call and take
              the second core from our batch (gemm 1024 measured slower on 2 threads than on 1).""";

    /** {@code bench compare gemm|conv ...}: the interleaved CPU-time comparisons of the bench module. */
    private static int compare(String[] args) {
        String[] rest = java.util.Arrays.copyOfRange(args, Math.min(args.length, 2), args.length);
        switch (args.length > 1 ? args[1] : "") {
            case "gemm" -> dev.vectorgrad.bench.GemmCpuTimeCompare.main(rest);
            case "conv" -> dev.vectorgrad.bench.ConvCpuTimeCompare.main(rest);
            default -> {
                System.out.println(COMPARE_USAGE);
                return args.length > 1 && (args[1].equals("--help") || args[1].equals("-h")) ? 0 : 2;
            }
        }
        return 0;
    }
}
