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
    /**
     * One benchmark result. ratio = how many times faster than ref (> 1 is faster); NaN without a ref. A row that
     * JMH reported several times (--repeat, or several --from files) is their median: runs says how many, and
     * scoreMin / scoreMax their range (error is then NaN).
     */
    public record Row(String bench, String method, String backend, boolean peer, Map<String, String> params, int threads,
                      double score, double error, String unit, double allocBytesPerOp, String ref, double ratio,
                      int runs, double scoreMin, double scoreMax) {

        String workload() {
            return method + params;
        }

        boolean lowerIsBetter() {
            return unit.endsWith("/op");
        }

        /** Seconds per op for a time-per-op unit, else NaN. */
        double seconds() {
            double u = BenchChart.toSeconds(unit);
            return u > 0 ? score * u : Double.NaN;
        }

        Row withRatio(String r, double x) {
            return new Row(bench, method, backend, peer, params, threads, score, error, unit, allocBytesPerOp, r, x, runs, scoreMin, scoreMax);
        }

        /** The GEMM this row timed, from its {@code shape} param; null for other benchmarks. */
        GemmShape gemmShape() {
            String shape = params.get("shape");
            if (shape == null || !method.startsWith("gemm")) return null;
            try {
                return GemmShape.parse(shape);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    private final String suite;
    private final List<Row> rows;
    private final List<String> notes;

    private BenchSummary(String suite, List<Row> rows, List<String> notes) {
        this.suite = suite;
        this.rows = rows;
        this.notes = List.copyOf(notes);
    }

    /** The same results with lines that say what could not run and why (from the JMH log). */
    public BenchSummary withNotes(List<String> more) {
        List<String> n = new ArrayList<>(notes);
        n.addAll(more);
        return new BenchSummary(suite, rows, n);
    }

    public List<String> notes() {
        List<String> n = new ArrayList<>(notes);
        n.addAll(peerGaps());
        return n;
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
                    Map.copyOf(params), threads, score, err, unit, alloc, null, Double.NaN, 1, score, score));
        }
        return new BenchSummary(suite, withRatios(pooled(rows)), List.of());
    }

    /** Rows of the same benchmark, backend, params and threads become one: the median of their scores and allocations. */
    static List<Row> pooled(List<Row> rows) {
        Map<String, List<Row>> same = new LinkedHashMap<>();
        for (Row r : rows) same.computeIfAbsent(r.bench() + "|" + r.backend() + "|" + new TreeMap<>(r.params()) + "|" + r.threads() + "|" + r.unit(),
                k -> new ArrayList<>()).add(r);
        List<Row> out = new ArrayList<>();
        for (List<Row> g : same.values()) {
            Row r = g.get(0);
            if (g.size() == 1) {
                out.add(r);
                continue;
            }
            double[] scores = g.stream().mapToDouble(Row::score).sorted().toArray();
            double alloc = median(g.stream().mapToDouble(Row::allocBytesPerOp).filter(Double::isFinite).sorted().toArray());
            out.add(new Row(r.bench(), r.method(), r.backend(), r.peer(), r.params(), r.threads(), median(scores), Double.NaN, r.unit(),
                    alloc, null, Double.NaN, g.size(), scores[0], scores[scores.length - 1]));
        }
        return out;
    }

    /** The median of sorted values (the mean of the middle two for an even count); NaN for none. */
    static double median(double[] sorted) {
        int n = sorted.length;
        if (n == 0) return Double.NaN;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
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
        // The scalar oracle is single-threaded: its row at any thread count (the fewest) can stand for the others,
        // which the quick plan runs on the first thread count only.
        Map<String, Row> scalarAnyThreads = new LinkedHashMap<>();
        for (Row r : rows) {
            if (!r.backend().equals("scalar")) continue;
            scalarAnyThreads.merge(new TreeMap<>(r.params()) + "|" + r.method(), r, (a, b) -> a.threads() <= b.threads() ? a : b);
        }
        List<Row> out = new ArrayList<>();
        for (List<Row> g : groups.values()) {
            Row ref = reference(g);
            String refName = ref == null ? null : ref.backend();
            if (ref == null) {
                ref = scalarAnyThreads.get(new TreeMap<>(g.get(0).params()) + "|" + g.get(0).method());
                if (ref != null) refName = "scalar " + ref.threads() + "t";
            }
            for (Row r : g) {
                double ratio = ref == null ? Double.NaN : speedup(r, ref);
                out.add(Double.isNaN(ratio) ? r : r.withRatio(refName, ratio));
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
        return speedup(a, b) > 1;
    }

    /**
     * How many times faster row is than ref: time ratio for time-per-op units (converted, so ns/op compares with
     * us/op), score ratio for the same throughput unit, NaN when the units do not compare.
     */
    static double speedup(Row row, Row ref) {
        if (row.seconds() > 0 && ref.seconds() > 0) return ref.seconds() / row.seconds();
        if (!row.unit().equals(ref.unit())) return Double.NaN;
        return row.lowerIsBetter() ? ref.score() / row.score() : row.score() / ref.score();
    }

    /** A workload of the headline: its label, method name and @Params (backend and threads aside). */
    record Workload(String label, String method, Map<String, String> params, long flops, int batch) {}

    /** GEMM 256/1024, the MNIST training step, MNIST and MLP batch-1 inference (issue 8's headline). */
    static final List<Workload> HEADLINES = List.of(
            new Workload("GEMM 256x256x256 F32", "gemm", Map.of("shape", "256"), 2L * 256 * 256 * 256, 0),
            new Workload("GEMM 1024x1024x1024 F32", "gemm", Map.of("shape", "1024"), 2L * 1024 * 1024 * 1024, 0),
            new Workload("MNIST CNN training step, batch 32", "mnistTrainStep", Map.of(), 0, 32),
            new Workload("MNIST CNN inference, batch 1", "mnistInfer", Map.of(), 0, 0),
            new Workload("MLP 10-64-64-1 inference, batch 1", "mlpInfer", Map.of(), 0, 0));

    /** Peers known not to do a workload, and why (one line each in the notes when that peer ran at all). */
    static final Map<String, String> KNOWN_GAPS = Map.of(
            "nd4j", "no training step (mnistTrainStep, mlpTrainStep): ND4J needs SameDiff or DL4J for one, which the harness "
                    + "does not pull in");

    /** One headline line: our best backend and the best peer at one thread count; ratio > 1 = ours faster. */
    public record Headline(String workload, int threads, Row ours, Row peer, double ratio, String oursText, String peerText) {}

    public List<Headline> headline() {
        List<Headline> out = new ArrayList<>();
        for (Workload w : HEADLINES) {
            TreeMap<Integer, List<Row>> byThreads = new TreeMap<>();
            for (Row r : rows) {
                if (r.method().equals(w.method()) && r.params().equals(w.params())) byThreads.computeIfAbsent(r.threads(), k -> new ArrayList<>()).add(r);
            }
            for (Map.Entry<Integer, List<Row>> t : byThreads.entrySet()) {
                Row ours = null, peer = null;
                for (Row r : t.getValue()) {
                    if (!(r.score() > 0)) continue;
                    if (r.peer()) {
                        if (peer == null || better(r, peer)) peer = r;
                    } else if (ours == null || better(r, ours)) {
                        ours = r;
                    }
                }
                if (ours == null && peer == null) continue;
                double ratio = ours != null && peer != null ? speedup(ours, peer) : Double.NaN;
                out.add(new Headline(w.label(), t.getKey(), ours, peer, ratio, describe(ours, w), describe(peer, w)));
            }
        }
        return out;
    }

    /** "vector 412 us (81 GFLOPS)", "djl-pytorch 8.51 ms (3,762 img/s)", "-" for none. */
    static String describe(Row r, Workload w) {
        if (r == null) return "-";
        double sec = r.seconds();
        if (!(sec > 0)) return r.backend() + " " + fmt(r.score()) + " " + r.unit();
        String derived = "";
        if (w.flops() > 0) derived = String.format(Locale.ROOT, " (%.0f GFLOPS)", w.flops() / sec / 1e9);
        else if (w.batch() > 0) derived = String.format(Locale.ROOT, " (%,.0f img/s)", w.batch() / sec);
        return r.backend() + " " + time(sec) + derived;
    }

    /** A duration with a readable unit: "9.57 us", "412 us", "19.3 ms". */
    static String time(double sec) {
        String[] units = {"s", "ms", "us", "ns"};
        double v = sec;
        int u = 0;
        while (u < units.length - 1 && Math.abs(v) < 1) {
            v *= 1000;
            u++;
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f %s" : Math.abs(v) >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /** Lines for peers that ran but have no row for a headline workload they are known not to do. */
    List<String> peerGaps() {
        java.util.Set<String> peersRun = new java.util.TreeSet<>();
        for (Row r : rows) if (r.peer()) peersRun.add(r.backend());
        List<String> out = new ArrayList<>();
        boolean training = rows.stream().anyMatch(r -> r.method().endsWith("TrainStep"));
        for (String p : peersRun) {
            boolean trains = rows.stream().anyMatch(r -> r.peer() && r.backend().equals(p) && r.method().endsWith("TrainStep"));
            if (training && !trains && KNOWN_GAPS.containsKey(p)) out.add("peer " + p + ": " + KNOWN_GAPS.get(p));
        }
        return out;
    }

    private String headlineSection(boolean markdown) {
        List<Headline> h = headline();
        List<String> n = notes();
        if (h.isEmpty() && n.isEmpty()) return "";
        StringBuilder sb = new StringBuilder("\n");
        if (!h.isEmpty()) {
            sb.append(markdown ? "### Headline: our best backend vs the best peer (same run)\n\n"
                    : "headline: our best backend vs the best peer (same run; > 1 = ours faster)\n");
            List<String[]> lines = new ArrayList<>();
            lines.add(new String[] {"workload", "threads", "ours (best backend)", "best peer", "ours vs peer"});
            for (Headline x : h) {
                lines.add(new String[] {x.workload(), Integer.toString(x.threads()), x.oursText(), x.peerText(),
                        Double.isFinite(x.ratio()) ? String.format(Locale.ROOT, "%.2fx", x.ratio()) : "-"});
            }
            sb.append(render(lines, markdown, 4));
        }
        if (!n.isEmpty()) {
            sb.append(markdown ? "\nNotes:\n\n" : "notes:\n");
            for (String line : n) sb.append(markdown ? "- " : "  ").append(line).append('\n');
        }
        return sb.toString();
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
            if (r.runs() > 1) {
                o.addProperty("runs", r.runs());
                o.addProperty("score_min", r.scoreMin());
                o.addProperty("score_max", r.scoreMax());
            }
            GemmShape g = r.gemmShape();
            double sec = r.seconds();
            if (g != null && sec > 0) {
                if (g.batch() > 1) o.addProperty("batch", g.batch());
                o.addProperty("m", g.m());
                o.addProperty("n", g.n());
                o.addProperty("k", g.k());
                o.addProperty("gflops", g.flops() / sec / 1e9);
                o.addProperty("ns_per_op", sec * 1e9);
            }
            if (r.ref() != null) {
                o.addProperty("ref", r.ref());
                o.addProperty("speedup_vs_ref", r.ratio());
            }
            results.add(o);
        }
        root.add("results", results);
        JsonArray head = new JsonArray();
        for (Headline h : headline()) {
            JsonObject o = new JsonObject();
            o.addProperty("workload", h.workload());
            o.addProperty("threads", h.threads());
            o.add("ours", rowRef(h.ours()));
            o.add("peer", rowRef(h.peer()));
            if (Double.isFinite(h.ratio())) o.addProperty("ours_vs_peer", h.ratio());
            else o.add("ours_vs_peer", null);
            head.add(o);
        }
        root.add("headline", head);
        JsonArray ns = new JsonArray();
        for (String n : notes()) ns.add(n);
        root.add("notes", ns);
        Gson g = new GsonBuilder().serializeNulls().serializeSpecialFloatingPointValues().create();
        return g.toJson(root);
    }

    private static JsonElement rowRef(Row r) {
        if (r == null) return com.google.gson.JsonNull.INSTANCE;
        JsonObject o = new JsonObject();
        o.addProperty("bench", r.bench());
        o.addProperty("backend", r.backend());
        o.addProperty("score", r.score());
        o.addProperty("unit", r.unit());
        return o;
    }

    /** A plain-text table, one row per result, with the ratio against the reference. */
    public String table() {
        return render(resultLines("thr", "vs ref"), false, 4) + headlineSection(false);
    }

    /** The same table as GitHub markdown. */
    public String markdown() {
        return render(resultLines("threads", "speedup vs ref"), true, 4) + headlineSection(true);
    }

    /** The result table's lines; pooled results (runs > 1) add a last column with their count and range. */
    private List<String[]> resultLines(String threadsHead, String ratioHead) {
        boolean pooled = rows.stream().anyMatch(r -> r.runs() > 1);
        List<String[]> lines = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("bench", "params", threadsHead, "backend", "score", "unit", "alloc B/op", ratioHead));
        if (pooled) head.add("runs: min-max");
        lines.add(head.toArray(String[]::new));
        for (Row r : rows) {
            List<String> l = new ArrayList<>(List.of(
                r.bench(), paramString(r.params()), Integer.toString(r.threads()), r.backend(), fmt(r.score()), r.unit(),
                Double.isFinite(r.allocBytesPerOp()) ? String.format(Locale.ROOT, "%.0f", r.allocBytesPerOp()) : "-",
                r.ref() == null ? "-" : String.format(Locale.ROOT, "%.2fx %s", r.ratio(), r.ref())));
            if (pooled) l.add(r.runs() + ": " + fmt(r.scoreMin()) + "-" + fmt(r.scoreMax()));
            lines.add(l.toArray(String[]::new));
        }
        return lines;
    }

    private static boolean right(int col, int cols, int rightFrom) {
        return cols >= 8 ? col >= rightFrom && col != 5 : col >= rightFrom;
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

    /** Columns from rightFrom on are right-aligned, except column 5 of the result table (the unit). */
    private static String render(List<String[]> lines, boolean markdown, int rightFrom) {
        int cols = lines.get(0).length;
        int[] w = new int[cols];
        for (String[] l : lines) for (int i = 0; i < cols; i++) w[i] = Math.max(w[i], l[i].length());
        StringBuilder sb = new StringBuilder();
        for (int li = 0; li < lines.size(); li++) {
            String[] l = lines.get(li);
            if (markdown) sb.append("| ");
            for (int i = 0; i < cols; i++) {
                boolean right = right(i, cols, rightFrom);
                String cell = right ? " ".repeat(w[i] - l[i].length()) + l[i] : l[i] + " ".repeat(w[i] - l[i].length());
                sb.append(cell).append(markdown ? " | " : "  ");
            }
            sb.setLength(sb.length() - (markdown ? 1 : 2));
            sb.append('\n');
            if (li == 0) {
                if (markdown) {
                    sb.append('|');
                    for (int i = 0; i < cols; i++) sb.append(right(i, cols, rightFrom) ? "-".repeat(w[i] + 1) + ":|" : "-".repeat(w[i] + 2) + "|");
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
