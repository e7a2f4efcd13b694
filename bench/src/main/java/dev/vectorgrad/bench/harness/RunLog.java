package dev.vectorgrad.bench.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads JMH's human-readable output (jmh.log) for configurations that failed (a setup that threw: a backend or a
 * peer library not available, a shape a backend refuses) and turns them into one line per backend or peer with
 * the reason, so a run says why a row is missing instead of leaving it out silently.
 */
public final class RunLog {
    private RunLog() {}

    /** One failed configuration: 'package.Class.method', its parameters as JMH prints them, and the reason. */
    public record Failure(String benchmark, Map<String, String> params, String reason) {
        String simpleClass() {
            String[] p = benchmark.split("\\.");
            return p.length >= 2 ? p[p.length - 2] : benchmark;
        }

        /** The backend (param) or the peer this failure belongs to. */
        String who() {
            String c = simpleClass();
            if (Suites.isPeer(c)) return "peer " + Suites.peerName(c);
            String b = params.get("backend");
            return b == null ? c : "backend " + b;
        }
    }

    private static final Pattern PARAMS = Pattern.compile("# Parameters: \\((.*)\\)");

    public static List<Failure> failures(String log) {
        List<Failure> out = new ArrayList<>();
        String bench = null;
        Map<String, String> params = Map.of();
        String first = null, cause = null, lastError = null;
        boolean failing = false;
        for (String raw : log.split("\\R")) {
            String line = raw.strip();
            if (line.startsWith("# Benchmark: ")) {
                if (failing) out.add(new Failure(bench, params, reason(first, cause)));
                failing = false;
                first = cause = lastError = null;
                bench = line.substring("# Benchmark: ".length()).strip();
                params = Map.of();
            } else if (line.startsWith("# Parameters: ")) {
                Matcher m = PARAMS.matcher(line);
                if (m.matches()) params = parseParams(m.group(1));
            } else if (line.startsWith("<forked VM failed")) { // the fork died (a crash in native code, an exit)
                if (bench != null && !failing) {
                    failing = true;
                    first = lastError != null ? lastError + " (" + line + ")" : line;
                }
            } else if (line.endsWith("<failure>")) { // "# Warmup Iteration   1: <failure>" or a line of its own
                failing = bench != null;
            } else if (!failing && (line.contains("Exception") || line.contains("Error:")) && !line.startsWith("at ")) {
                lastError = line;
            } else if (failing && !line.isEmpty()) {
                if (first == null) first = line;
                if (line.startsWith("Caused by: ")) cause = line.substring("Caused by: ".length());
            }
        }
        if (failing) out.add(new Failure(bench, params, reason(first, cause)));
        return out;
    }

    private static String reason(String first, String cause) {
        String r = cause != null ? cause : first != null ? first : "failed (no reason in the log)";
        return r.length() > 240 ? r.substring(0, 237) + "..." : r;
    }

    static Map<String, String> parseParams(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : s.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) m.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        return m;
    }

    /**
     * One line per backend or peer: "peer djl-pytorch: 16 configurations failed (e.g. PeerDjlBench.gemm shape=64
     * threads=1): reason" with the first failure's reason.
     */
    public static List<String> notes(List<Failure> failures) {
        Map<String, List<Failure>> byWho = new LinkedHashMap<>();
        for (Failure f : failures) byWho.computeIfAbsent(f.who(), k -> new ArrayList<>()).add(f);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<Failure>> e : byWho.entrySet()) {
            Failure f = e.getValue().get(0);
            int n = e.getValue().size();
            Map<String, String> shown = new java.util.TreeMap<>(f.params());
            shown.remove("backend"); // named at the start of the line
            String where = f.simpleClass() + "." + f.benchmark().substring(f.benchmark().lastIndexOf('.') + 1)
                    + (shown.isEmpty() ? "" : " " + BenchSummary.paramString(shown));
            out.add(e.getKey() + " could not run " + n + " configuration" + (n == 1 ? "" : "s") + " (e.g. " + where + "): " + f.reason());
        }
        return out;
    }
}
