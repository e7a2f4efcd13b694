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
        Path from,
        boolean dryRun) {

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
              --from FILE        summarise an existing raw JMH JSON instead of running""";

    public static BenchOptions parse(String[] args) {
        String suite = null;
        boolean peers = false, quick = false, json = false, dryRun = false;
        List<Integer> threads = List.of(1, 2);
        Path out = Path.of("bench-results");
        String include = null;
        Path from = null;
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
                case "--from" -> from = Path.of(value(args, ++i, a));
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
        return new BenchOptions(suite, peers, threads, quick, json, out, include, params, from, dryRun);
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) throw new IllegalArgumentException(opt + " needs a value");
        return args[i];
    }

    static List<Integer> parseThreads(String s) {
        List<Integer> t = new ArrayList<>();
        for (String p : s.split(",")) {
            int n;
            try {
                n = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--threads takes a list like 1,2, got '" + s + "'");
            }
            if (n < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + n);
            t.add(n);
        }
        return List.copyOf(t);
    }
}
