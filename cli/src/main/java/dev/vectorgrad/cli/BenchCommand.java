package dev.vectorgrad.cli;

import dev.vectorgrad.bench.harness.BenchOptions;
import dev.vectorgrad.bench.harness.BenchRunner;
import java.nio.file.Path;

/**
 * {@code ./vectorgrad bench <suite> [--peers] [--threads 1,2] [--quick] [--json] [--out DIR]}: runs the JMH
 * suite (dev.vectorgrad.bench.harness), prints the table with ratios against the best peer (or the
 * openblas/scalar reference), writes raw and summary JSON and PNG charts; with --json the summary JSON is
 * the last stdout line.
 */
final class BenchCommand {
    private BenchCommand() {}

    static int run(String[] args) {
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
}
