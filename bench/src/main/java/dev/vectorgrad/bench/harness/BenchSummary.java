package dev.vectorgrad.bench.harness;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns JMH's raw JSON into the summary {"suite":..,"results":[{"bench","backend","params","threads","score",
 * "unit","alloc_bytes_per_op",...}]} and computes each row's ratio against a reference: the best peer doing the
 * same work (same method name, same params, same threads), else openblas, else scalar.
 */
public final class BenchSummary {
    /** One benchmark result. ratio = how many times faster than ref (> 1 is faster); NaN without a ref. */
    public record Row(String bench, String method, String backend, boolean peer, Map<String, String> params, int threads,
                      double score, double error, String unit, double allocBytesPerOp, String ref, double ratio) {

        String workload() {
            return method + params;
        }

        boolean lowerIsBetter() {
            return unit.endsWith("/op");
        }

        Row withRatio(String r, double x) {
            return new Row(bench, method, backend, peer, params, threads, score, error, unit, allocBytesPerOp, r, x);
        }
    }

    private final String suite;
    private final List<Row> rows;

    private BenchSummary(String suite, List<Row> rows) {
        this.suite = suite;
        this.rows = rows;
    }

    public List<Row> rows() {
        return rows;
    }

    public String suite() {
        return suite;
    }

    /**
     * Parses JMH's JSON result. defaultThreads is what benchmarks without a 'threads' @Param ran with.
     */
    public static BenchSummary fromJmhJson(String suite, String json, int defaultThreads) {
        JsonArray arr = JsonParser.parseString(json).getAsJsonArray();
        List<Row> rows = new ArrayList<>();
        for (JsonElement e : arr) {
            JsonObject o = e.getAsJsonObject();
            String fq = o.get("benchmark").getAsString();
            int dot = fq.lastIndexOf('.');
            String method = fq.substring(dot + 1);
            String cls = fq.substring(0, dot);
            cls = cls.substring(cls.lastIndexOf('.') + 1);
            Map<String, String> params = new TreeMap<>();
            String backendParam = null;
            int threads = defaultThreads;
            if (o.has("params")) {
                for (Map.Entry<String, JsonElement> p : o.getAsJsonObject("params").entrySet()) {
                    String v = p.getValue().getAsString();
                    switch (p.getKey()) {
                        case "backend" -> backendParam = v;
                        case "threads" -> threads = Integer.parseInt(v.trim());
                        default -> params.put(p.getKey(), v);
                    }
                }
            }
            JsonObject pm = o.getAsJsonObject("primaryMetric");
            double score = pm.get("score").getAsDouble();
            double err = pm.has("scoreError") && pm.get("scoreError").isJsonPrimitive() ? parseDouble(pm.get("scoreError")) : Double.NaN;
            String unit = pm.get("scoreUnit").getAsString();
            double alloc = Double.NaN;
            if (o.has("secondaryMetrics")) {
                JsonObject sm = o.getAsJsonObject("secondaryMetrics");
                if (sm.has("gc.alloc.rate.norm")) alloc = sm.getAsJsonObject("gc.alloc.rate.norm").get("score").getAsDouble();
            }
            rows.add(new Row(cls + "." + method, method, Suites.backendOf(cls, backendParam), Suites.isPeer(cls),
                    Map.copyOf(params), threads, score, err, unit, alloc, null, Double.NaN));
        }
        return new BenchSummary(suite, withRatios(rows));
    }

    private static double parseDouble(JsonElement e) {
        try {
            return e.getAsDouble();
        } catch (RuntimeException ex) {
            return Double.NaN; // JMH writes "NaN" as a string when there is one iteration
        }
    }

    static List<Row> withRatios(List<Row> rows) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) groups.computeIfAbsent(new TreeMap<>(r.params()) + "|" + r.method() + "|" + r.threads(), k -> new ArrayList<>()).add(r);
        List<Row> out = new ArrayList<>();
        for (List<Row> g : groups.values()) {
            Row ref = reference(g);
            for (Row r : g) {
                if (ref == null || !ref.unit().equals(r.unit())) {
                    out.add(r);
                } else {
                    double ratio = r.lowerIsBetter() ? ref.score() / r.score() : r.score() / ref.score();
                    out.add(r.withRatio(ref.backend(), ratio));
                }
            }
        }
        out.sort(Comparator.comparing(Row::bench).thenComparing(r -> sortKey(r.params())).thenComparingInt(Row::threads)
                .thenComparing(Row::peer).thenComparing(Row::backend));
        return out;
    }

    /** Params sorted numerically where they are numbers, so n=64 comes before n=256. */
    private static String sortKey(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(params).entrySet()) {
            String v = e.getValue();
            try {
                sb.append(e.getKey()).append('=').append(String.format(Locale.ROOT, "%020.6f", Double.parseDouble(v))).append(';');
            } catch (NumberFormatException ex) {
                sb.append(e.getKey()).append('=').append(v).append(';');
            }
        }
        return sb.toString();
    }

    /** The best peer of the group, else openblas, else scalar; null when there is none. */
    static Row reference(List<Row> group) {
        Row best = null;
        for (Row r : group) {
            if (!r.peer()) continue;
            if (best == null || better(r, best)) best = r;
        }
        if (best != null) return best;
        for (String name : List.of("openblas", "scalar")) {
            for (Row r : group) if (r.backend().equals(name)) return r;
        }
        return null;
    }

    private static boolean better(Row a, Row b) {
        return a.lowerIsBetter() ? a.score() < b.score() : a.score() > b.score();
    }

    /** The summary as one JSON object (one line). */
    public String toJson() {
        JsonObject root = new JsonObject();
        root.addProperty("suite", suite);
        JsonArray results = new JsonArray();
        for (Row r : rows) {
            JsonObject o = new JsonObject();
            o.addProperty("bench", r.bench());
            o.addProperty("backend", r.backend());
            JsonObject p = new JsonObject();
            for (Map.Entry<String, String> e : new TreeMap<>(r.params()).entrySet()) p.addProperty(e.getKey(), e.getValue());
            o.add("params", p);
            o.addProperty("threads", r.threads());
            o.addProperty("score", r.score());
            o.addProperty("unit", r.unit());
            if (Double.isFinite(r.allocBytesPerOp())) o.addProperty("alloc_bytes_per_op", r.allocBytesPerOp());
            else o.add("alloc_bytes_per_op", null);
            o.addProperty("peer", r.peer());
            if (r.ref() != null) {
                o.addProperty("ref", r.ref());
                o.addProperty("speedup_vs_ref", r.ratio());
            }
            results.add(o);
        }
        root.add("results", results);
        Gson g = new GsonBuilder().serializeNulls().serializeSpecialFloatingPointValues().create();
        return g.toJson(root);
    }

    /** A plain-text table, one row per result, with the ratio against the reference. */
    public String table() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"bench", "params", "thr", "backend", "score", "unit", "alloc B/op", "vs ref"});
        for (Row r : rows) {
            lines.add(new String[] {
                r.bench(), paramString(r.params()), Integer.toString(r.threads()), r.backend(), fmt(r.score()), r.unit(),
                Double.isFinite(r.allocBytesPerOp()) ? String.format(Locale.ROOT, "%.0f", r.allocBytesPerOp()) : "-",
                r.ref() == null ? "-" : String.format(Locale.ROOT, "%.2fx %s", r.ratio(), r.ref())
            });
        }
        return render(lines, false);
    }

    /** The same table as GitHub markdown. */
    public String markdown() {
        List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"bench", "params", "threads", "backend", "score", "unit", "alloc B/op", "speedup vs ref"});
        for (Row r : rows) {
            lines.add(new String[] {
                r.bench(), paramString(r.params()), Integer.toString(r.threads()), r.backend(), fmt(r.score()), r.unit(),
                Double.isFinite(r.allocBytesPerOp()) ? String.format(Locale.ROOT, "%.0f", r.allocBytesPerOp()) : "-",
                r.ref() == null ? "-" : String.format(Locale.ROOT, "%.2fx %s", r.ratio(), r.ref())
            });
        }
        return render(lines, true);
    }

    static String paramString(Map<String, String> p) {
        if (p.isEmpty()) return "-";
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(p).entrySet()) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) return "NaN";
        double a = Math.abs(v);
        if (a >= 1000) return String.format(Locale.ROOT, "%.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 0.1) return String.format(Locale.ROOT, "%.3f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String render(List<String[]> lines, boolean markdown) {
        int cols = lines.get(0).length;
        int[] w = new int[cols];
        for (String[] l : lines) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], l[i].length());
        StringBuilder sb = new StringBuilder();
        for (int li = 0; li < lines.size(); li++) {
            String[] l = lines.get(li);
            if (markdown) sb.append("| ");
            for (int i = 0; i < cols; i++) {
                boolean right = i >= 4 && i != 5;
                String cell = right ? " ".repeat(w[i] - l[i].length()) + l[i] : l[i] + " ".repeat(w[i] - l[i].length());
                sb.append(cell).append(markdown ? " | " : "  ");
            }
            sb.setLength(sb.length() - (markdown ? 1 : 2));
            sb.append('\n');
            if (li == 0) {
                if (markdown) {
                    sb.append('|');
                    for (int i = 0; i < cols; i++) sb.append(i >= 4 && i != 5 ? "-".repeat(w[i] + 1) + ":|" : "-".repeat(w[i] + 2) + "|");
                } else {
                    int total = 0;
                    for (int x : w) total += x + 2;
                    sb.append("-".repeat(total - 2));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
