package dev.vectorgrad.bench.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts with XChart, one per benchmark method: score against size (log-log) with one line per
 * backend and thread count when the benchmark has a numeric size parameter, else a bar chart.
 */
public final class BenchChart {
    private BenchChart() {}

    /** Writes the charts into dir and returns their paths. */
    public static List<Path> write(BenchSummary summary, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<BenchSummary.Row>> byBench = new LinkedHashMap<>();
        for (BenchSummary.Row r : summary.rows()) byBench.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, List<BenchSummary.Row>> e : byBench.entrySet()) {
            List<BenchSummary.Row> rows = e.getValue();
            String xParam = sizeParam(rows);
            String base = "chart-" + e.getKey().replaceAll("[^A-Za-z0-9_-]", "_");
            Path file = dir.resolve(base + ".png");
            if (xParam == null) {
                BitmapEncoder.saveBitmap(barChart(e.getKey(), rows), file.toString(), BitmapEncoder.BitmapFormat.PNG);
                out.add(file);
                continue;
            }
            BitmapEncoder.saveBitmap(xyChart(e.getKey(), xParam, rows), file.toString(), BitmapEncoder.BitmapFormat.PNG);
            out.add(file);
            // Rows whose size is not a number (GEMM shapes like 32x5408x64) get a bar chart of their own.
            List<BenchSummary.Row> other = rows.stream().filter(r -> number(r.params().get(xParam)) == null).toList();
            if (!other.isEmpty()) {
                Path f2 = dir.resolve(base + "-" + xParam + "s.png");
                BitmapEncoder.saveBitmap(barChart(e.getKey() + " (" + xParam + "s)", other), f2.toString(), BitmapEncoder.BitmapFormat.PNG);
                out.add(f2);
            }
        }
        return out;
    }

    /**
     * The parameter with at least two distinct positive numeric values (n, size, a GEMM shape list with square
     * sizes, ...), or null; rows with a non-numeric value of it are charted separately.
     */
    static String sizeParam(List<BenchSummary.Row> rows) {
        Map<String, java.util.Set<Double>> values = new TreeMap<>();
        for (BenchSummary.Row r : rows) {
            for (Map.Entry<String, String> p : r.params().entrySet()) {
                Double v = number(p.getValue());
                java.util.Set<Double> set = values.computeIfAbsent(p.getKey(), k -> new java.util.TreeSet<>());
                if (v != null && v > 0) set.add(v);
            }
        }
        for (String preferred : List.of("n", "size", "shape")) {
            if (values.get(preferred) != null && values.get(preferred).size() >= 2) return preferred;
        }
        for (Map.Entry<String, java.util.Set<Double>> v : values.entrySet()) if (v.getValue().size() >= 2) return v.getKey();
        return null;
    }

    static Double number(String s) {
        if (s == null) return null;
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The row's score in unit (converting between time units), or NaN when it does not convert. */
    static double scoreIn(BenchSummary.Row r, String unit) {
        if (r.unit().equals(unit)) return r.score();
        double from = toSeconds(r.unit()), to = toSeconds(unit);
        return from > 0 && to > 0 ? r.score() * from / to : Double.NaN;
    }

    static String seriesName(BenchSummary.Row r, String xParam) {
        Map<String, String> rest = new TreeMap<>(r.params());
        if (xParam != null) rest.remove(xParam);
        String extra = rest.isEmpty() ? "" : " " + BenchSummary.paramString(rest);
        return r.backend() + " " + r.threads() + "t" + extra;
    }

    /** Square GEMM (a size param n, time per op): GFLOPS = 2 n^3 / time, the usual way to compare GEMMs. */
    static boolean plotsGflops(String method, String xParam, String unit) {
        return (xParam.equals("n") || xParam.equals("shape")) && method.toLowerCase(java.util.Locale.ROOT).matches("(gemm|matmul).*") && toSeconds(unit) > 0;
    }

    /** Seconds per unit of a JMH time-per-op unit, or -1. */
    static double toSeconds(String unit) {
        return switch (unit) {
            case "ns/op" -> 1e-9;
            case "us/op" -> 1e-6;
            case "ms/op" -> 1e-3;
            case "s/op" -> 1.0;
            default -> -1;
        };
    }

    private static XYChart xyChart(String method, String xParam, List<BenchSummary.Row> rows) {
        String unit = rows.get(0).unit();
        boolean gflops = plotsGflops(method, xParam, unit);
        XYChart c = new XYChartBuilder().width(900).height(560)
                .title(method + (gflops ? " (GFLOPS = 2n^3/time, higher is better)" : " (" + unit + ", lower is better)"))
                .xAxisTitle(xParam.equals("shape") ? "n (square shapes)" : xParam).yAxisTitle(gflops ? "GFLOPS" : unit).build();
        c.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.OutsideE)
                .setMarkerSize(6);
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        for (BenchSummary.Row r : rows) {
            double score = scoreIn(r, unit);
            Double xv = number(r.params().get(xParam));
            if (!(score > 0) || xv == null || !(xv > 0)) continue;
            double x = xv;
            double y = gflops ? 2 * x * x * x / (score * toSeconds(unit)) / 1e9 : score;
            series.computeIfAbsent(seriesName(r, xParam), k -> new TreeMap<>()).put(x, y);
        }
        for (Map.Entry<String, TreeMap<Double, Double>> s : series.entrySet()) {
            List<Double> xs = new ArrayList<>(s.getValue().keySet()), ys = new ArrayList<>(s.getValue().values());
            c.addSeries(s.getKey(), xs, ys).setMarker(SeriesMarkers.CIRCLE);
        }
        return c;
    }

    private static CategoryChart barChart(String method, List<BenchSummary.Row> rows) {
        String unit = rows.get(0).unit();
        CategoryChart c = new CategoryChartBuilder().width(900).height(560).title(method + " (" + unit + ", lower is better)")
                .xAxisTitle("backend").yAxisTitle(unit).build();
        // XChart 3.8.8 refuses a log axis on bar charts, so this one is linear.
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        // One series per thread count; categories are backends (plus params when there are several).
        Map<Integer, Map<String, Double>> byThreads = new TreeMap<>();
        List<String> categories = new ArrayList<>();
        for (BenchSummary.Row r : rows) {
            double score = scoreIn(r, unit);
            if (!(score > 0)) continue;
            String cat = r.backend() + (r.params().isEmpty() ? "" : " " + BenchSummary.paramString(r.params()));
            if (!categories.contains(cat)) categories.add(cat);
            byThreads.computeIfAbsent(r.threads(), k -> new LinkedHashMap<>()).put(cat, score);
        }
        for (Map.Entry<Integer, Map<String, Double>> t : byThreads.entrySet()) {
            List<Double> ys = new ArrayList<>();
            for (String cat : categories) ys.add(t.getValue().getOrDefault(cat, 0.0));
            c.addSeries(t.getKey() + " thread" + (t.getKey() == 1 ? "" : "s"), categories, ys);
        }
        return c;
    }
}
