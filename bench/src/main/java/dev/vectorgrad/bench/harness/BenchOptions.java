package dev.vectorgrad.bench.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parsed arguments of {@code ./vectorgrad bench <suite> [options]}. */
public record BenchOptions(
        String suite,
        boolean peers,
        List<Integer> threads,
        boolean quick,
        boolean json,
        Path outDir,
        String include,
        Map<String, List<String>> params,
        List<Path> from,
        boolean dryRun,
        int repeat) {

    public static final String USAGE = """
            usage: ./vectorgrad bench <suite> [options]
                   ./vectorgrad bench compare gemm|conv [...]   (vector vs OpenBLAS interleaved in one JVM, not JMH)
              suites: gemm, conv, elementwise, train, infer, all
              --peers            also run the peer libraries (needs a build with -Ppeers: DJL/libtorch, ND4J)
              --threads 1,2      kernel threads to measure (benchmarks with a 'threads' @Param); default 1,2
              --quick            short run (under 10 min for 'all'): fewer @Param values per class, 1 fork, short
                                 iterations but seconds of warmup for Vector API code (see bench/README.md)
              --dry-run          print the plan (JMH runs, configurations, estimated time) and exit
              --json             print the summary JSON as the last stdout line (JMH's log goes to jmh.log)
              --out DIR          where results go (default bench-results); a <timestamp>/ folder is made in it
              --include REGEX    only benchmarks whose 'Class.method' matches (within the suite)
              -p NAME=V1,V2      override a JMH @Param (e.g. -p n=64,256,1024); ignored by classes without it
              --repeat N         run the whole plan N times in turn (pass 1 runs every configuration, then pass 2, ...);
                                 each row is the median of its N results, with their min-max, and ratios are ratios
                                 of medians: on a shared machine one fork can run 1.5x slower than the next
              --from FILE        summarise an existing raw JMH JSON instead of running; give it again to pool several
                                 runs (rows that repeat become medians, as with --repeat)""";

    public static BenchOptions parse(String[] args) {
        String suite = null;
        boolean peers = false, quick = false, json = false, dryRun = false;
        List<Integer> threads = List.of(1, 2);
        Path out = Path.of("bench-results");
        String include = null;
        List<Path> from = new ArrayList<>();
        int repeat = 1;
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--peers" -> peers = true;
                case "--quick" -> quick = true;
                case "--json" -> json = true;
                case "--dry-run" -> dryRun = true;
                case "--threads" -> threads = parseThreads(value(args, ++i, a));
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--include" -> include = value(args, ++i, a);
                case "--from" -> from.add(Path.of(value(args, ++i, a)));
                case "--repeat" -> repeat = positive(value(args, ++i, a), a, "a count like 3", null);
                case "-p" -> {
                    String kv = value(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0 || eq == kv.length() - 1) throw new IllegalArgumentException("-p needs NAME=V1,V2, got '" + kv + "'");
                    params.put(kv.substring(0, eq), List.of(kv.substring(eq + 1).split(",")));
                }
                default -> {
                    if (a.startsWith("-")) throw new IllegalArgumentException("unknown bench option '" + a + "'");
                    if (suite != null) throw new IllegalArgumentException("one suite only, got '" + suite + "' and '" + a + "'");
                    suite = a.toLowerCase(Locale.ROOT);
                }
            }
        }
        if (suite == null) throw new IllegalArgumentException("bench needs a suite: " + String.join(", ", Suites.NAMES));
        if (!Suites.NAMES.contains(suite)) {
            throw new IllegalArgumentException("unknown suite '" + suite + "'; known: " + String.join(", ", Suites.NAMES));
        }
        if (repeat > 1 && !from.isEmpty()) throw new IllegalArgumentException("--repeat runs the plan again; --from only summarises files, not both");
        return new BenchOptions(suite, peers, threads, quick, json, out, include, params, List.copyOf(from), dryRun, repeat);
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) throw new IllegalArgumentException(opt + " needs a value");
        return args[i];
    }

    static List<Integer> parseThreads(String s) {
        List<Integer> t = new ArrayList<>();
        for (String p : s.split(",")) t.add(positive(p, "--threads", "a list like 1,2", s));
        return List.copyOf(t);
    }

    /** part as an int >= 1; the message names opt, what it takes and the whole value (part when whole is null). */
    private static int positive(String part, String opt, String takes, String whole) {
        int n;
        try {
            n = Integer.parseInt(part.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " takes " + takes + ", got '" + (whole == null ? part : whole) + "'");
        }
        if (n < 1) throw new IllegalArgumentException(opt + " must be >= 1, got " + n);
        return n;
    }
}
