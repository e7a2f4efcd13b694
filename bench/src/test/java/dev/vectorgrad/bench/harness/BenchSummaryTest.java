package dev.vectorgrad.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSummaryTest {
    static String entry(String fq, String params, double score, String unit, Double alloc) {
        String sec = alloc == null ? "{}" : "{\"gc.alloc.rate.norm\":{\"score\":" + alloc + ",\"scoreUnit\":\"B/op\"}}";
        return "{\"benchmark\":\"" + fq + "\",\"mode\":\"avgt\",\"params\":" + params + ",\"primaryMetric\":{\"score\":" + score
                + ",\"scoreError\":\"NaN\",\"scoreUnit\":\"" + unit + "\"},\"secondaryMetrics\":" + sec + "}";
    }

    static final String P = "dev.vectorgrad.bench.";

    @Test
    void ratiosAgainstBestPeerElseOpenblasElseScalar() {
        String json = "[" + String.join(",",
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"n\":\"256\",\"threads\":\"2\"}", 100, "us/op", 0.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"openblas\",\"n\":\"256\",\"threads\":\"2\"}", 80, "us/op", 16.0),
                entry(P + "PeerDjlBench.gemm", "{\"n\":\"256\",\"threads\":\"2\"}", 50, "us/op", 400.0),
                entry(P + "PeerNd4jBench.gemm", "{\"n\":\"256\",\"threads\":\"2\"}", 200, "us/op", 900.0),
                // Other thread count: no peer, so openblas is the reference.
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"n\":\"256\",\"threads\":\"1\"}", 150, "us/op", 0.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"openblas\",\"n\":\"256\",\"threads\":\"1\"}", 120, "us/op", null),
                // No threads param: default threads; only scalar as reference.
                entry(P + "ElementwiseBench.add", "{\"backend\":\"vector\",\"size\":\"1024\"}", 0.1, "us/op", 0.0),
                entry(P + "ElementwiseBench.add", "{\"backend\":\"scalar\",\"size\":\"1024\"}", 0.8, "us/op", 0.0),
                // Lone row: no reference at all.
                entry(P + "TrainBench.mlpTrainStep", "{\"backend\":\"vector\",\"threads\":\"1\"}", 30, "us/op", 0.0)) + "]";
        BenchSummary s = BenchSummary.fromJmhJson("all", json, 2);
        assertEquals(9, s.rows().size());
        BenchSummary.Row vec2 = find(s, "gemm", "vector", 2);
        assertEquals("djl-pytorch", vec2.ref());
        assertEquals(0.5, vec2.ratio(), 1e-12);
        assertEquals(Map.of("n", "256"), vec2.params());
        BenchSummary.Row nd4j = find(s, "gemm", "nd4j", 2);
        assertTrue(nd4j.peer());
        assertEquals(900.0, nd4j.allocBytesPerOp());
        BenchSummary.Row vec1 = find(s, "gemm", "vector", 1);
        assertEquals("openblas", vec1.ref());
        assertEquals(0.8, vec1.ratio(), 1e-12);
        assertTrue(Double.isNaN(find(s, "gemm", "openblas", 1).allocBytesPerOp()));
        BenchSummary.Row add = find(s, "add", "vector", 2);
        assertEquals("scalar", add.ref());
        assertEquals(8.0, add.ratio(), 1e-9);
        BenchSummary.Row lone = find(s, "mlpTrainStep", "vector", 1);
        assertNull(lone.ref());

        JsonObject root = JsonParser.parseString(s.toJson()).getAsJsonObject();
        assertEquals("all", root.get("suite").getAsString());
        JsonObject first = root.getAsJsonArray("results").get(0).getAsJsonObject();
        for (String k : List.of("bench", "backend", "params", "threads", "score", "unit", "alloc_bytes_per_op")) assertTrue(first.has(k), k);
        assertTrue(s.table().contains("0.50x djl-pytorch"), s.table());
        assertTrue(s.markdown().startsWith("| bench"), s.markdown());
        // Numeric params sort numerically: threads 1 before 2, and rows are deterministic.
        assertEquals(s.toJson(), BenchSummary.fromJmhJson("all", json, 2).toJson());
    }

    @Test
    void peersPairWithOursOnTheSameShapeAcrossTimeUnits() {
        // GemmBench reports ns/op, the peers us/op: the ratio converts, so 400,000 ns vs 200 us is 0.5x.
        String json = "[" + String.join(",",
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"256\",\"threads\":\"1\"}", 400_000, "ns/op", 0.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"openblas\",\"shape\":\"256\",\"threads\":\"1\"}", 100_000, "ns/op", 0.0),
                entry(P + "PeerDjlBench.gemm", "{\"shape\":\"256\",\"threads\":\"1\"}", 200, "us/op", 1500.0),
                entry(P + "PeerNd4jBench.gemm", "{\"shape\":\"256\",\"threads\":\"1\"}", 150, "us/op", 4000.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"32x5408x64\",\"threads\":\"1\"}", 90_000, "ns/op", 0.0),
                entry(P + "PeerDjlBench.gemm", "{\"shape\":\"32x5408x64\",\"threads\":\"1\"}", 45, "us/op", 1500.0)) + "]";
        BenchSummary s = BenchSummary.fromJmhJson("gemm", json, 2);
        BenchSummary.Row vec = s.rows().stream().filter(r -> r.backend().equals("vector") && r.params().get("shape").equals("256"))
                .findFirst().orElseThrow();
        assertEquals("nd4j", vec.ref()); // the best peer (150 us < 200 us), compared in seconds
        assertEquals(150e-6 / 400e-6, vec.ratio(), 1e-12);
        assertEquals(1.5, find(s, "gemm", "openblas", 1).ratio(), 1e-12);
        BenchSummary.Row fc1 = s.rows().stream().filter(r -> r.backend().equals("vector") && r.params().get("shape").equals("32x5408x64"))
                .findFirst().orElseThrow();
        assertEquals(0.5, fc1.ratio(), 1e-12);
        assertTrue(Double.isNaN(BenchSummary.speedup(vec.withRatio(null, 1), new BenchSummary.Row("x", "gemm", "b", false, Map.of(), 1,
                3, 0, "ops/s", 0, null, Double.NaN, 1, 3, 3))), "time and throughput do not compare");
    }

    @Test
    void theSingleThreadedScalarRowIsTheReferenceForOtherThreadCountsWithoutOne() {
        String json = "[" + String.join(",",
                entry(P + "ElementwiseBench.exp", "{\"backend\":\"scalar\",\"size\":\"1024\",\"threads\":\"1\"}", 16, "us/op", 0.0),
                entry(P + "ElementwiseBench.exp", "{\"backend\":\"vector\",\"size\":\"1024\",\"threads\":\"1\"}", 2, "us/op", 0.0),
                entry(P + "ElementwiseBench.exp", "{\"backend\":\"vector\",\"size\":\"1024\",\"threads\":\"2\"}", 4, "us/op", 0.0),
                entry(P + "ElementwiseBench.exp", "{\"backend\":\"vector\",\"size\":\"65536\",\"threads\":\"2\"}", 4, "us/op", 0.0)) + "]";
        BenchSummary s = BenchSummary.fromJmhJson("elementwise", json, 2);
        assertEquals("scalar", find(s, "exp", "vector", 1).ref());
        assertEquals(8.0, find(s, "exp", "vector", 1).ratio(), 1e-12);
        BenchSummary.Row two = s.rows().stream().filter(r -> r.threads() == 2 && r.params().get("size").equals("1024")).findFirst().orElseThrow();
        assertEquals("scalar 1t", two.ref());
        assertEquals(4.0, two.ratio(), 1e-12);
        BenchSummary.Row other = s.rows().stream().filter(r -> r.params().get("size").equals("65536")).findFirst().orElseThrow();
        assertNull(other.ref()); // no scalar row of that size at all
    }

    @Test
    void headlineComparesOurBestBackendWithTheBestPeerPerThreadCount() {
        String json = "[" + String.join(",",
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"1024\",\"threads\":\"2\"}", 16_000_000, "ns/op", 0.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"openblas\",\"shape\":\"1024\",\"threads\":\"2\"}", 12_000_000, "ns/op", 0.0),
                entry(P + "PeerDjlBench.gemm", "{\"shape\":\"1024\",\"threads\":\"2\"}", 13_000, "us/op", 2000.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"64\",\"threads\":\"2\"}", 9_000, "ns/op", 0.0),
                entry(P + "TrainBench.mnistTrainStep", "{\"backend\":\"vector\",\"threads\":\"1\"}", 20_000, "us/op", 0.0),
                entry(P + "PeerDjlBench.mnistTrainStep", "{\"threads\":\"1\"}", 8_000, "us/op", 30000.0),
                entry(P + "InferBench.mlpInfer", "{\"backend\":\"vector\",\"threads\":\"1\"}", 1.5, "us/op", 624.0),
                entry(P + "InferBench.mlpInfer", "{\"backend\":\"scalar\",\"threads\":\"1\"}", 7.9, "us/op", 624.0),
                entry(P + "PeerNd4jBench.mlpInfer", "{\"threads\":\"1\"}", 210, "us/op", 43000.0),
                entry(P + "PeerDjlBench.mlpInfer", "{\"threads\":\"1\"}", 30, "us/op", 4600.0),
                entry(P + "InferBench.mnistInfer", "{\"backend\":\"vector\",\"threads\":\"1\"}", 300, "us/op", 1000.0)) + "]";
        BenchSummary s = BenchSummary.fromJmhJson("all", json, 2).withNotes(List.of("backend native could not run 2 configurations: x"));
        List<BenchSummary.Headline> h = s.headline();
        assertEquals(List.of("GEMM 1024x1024x1024 F32", "MNIST CNN training step, batch 32", "MNIST CNN inference, batch 1",
                "MLP 10-64-64-1 inference, batch 1"), h.stream().map(BenchSummary.Headline::workload).toList());
        BenchSummary.Headline gemm = h.get(0);
        assertEquals("openblas", gemm.ours().backend()); // our best backend, not just vector
        assertEquals(13.0 / 12.0, gemm.ratio(), 1e-12);
        assertEquals("openblas 12.0 ms (179 GFLOPS)", gemm.oursText());
        assertEquals("djl-pytorch 13.0 ms (165 GFLOPS)", gemm.peerText());
        assertEquals(0.4, h.get(1).ratio(), 1e-12);
        assertEquals("djl-pytorch 8.00 ms (4,000 img/s)", h.get(1).peerText());
        assertEquals("-", h.get(2).peerText());
        assertTrue(Double.isNaN(h.get(2).ratio()));
        assertEquals("djl-pytorch", h.get(3).peer().backend());
        assertEquals(20.0, h.get(3).ratio(), 1e-9);
        assertEquals(List.of("backend native could not run 2 configurations: x",
                "peer nd4j: " + BenchSummary.KNOWN_GAPS.get("nd4j")), s.notes());
        String md = s.markdown();
        assertTrue(md.contains("### Headline: our best backend vs the best peer (same run)"), md);
        assertTrue(md.lines().anyMatch(l -> l.matches("\\| MLP 10-64-64-1 inference, batch 1 \\| 1 +\\| vector 1\\.50 us +\\| "
                + "djl-pytorch 30\\.0 us +\\| +20\\.00x \\|")), md);
        assertTrue(md.contains("- peer nd4j: no training step"), md);
        assertTrue(s.table().contains("headline: our best backend vs the best peer"), s.table());
        JsonObject root = JsonParser.parseString(s.toJson()).getAsJsonObject();
        JsonObject first = root.getAsJsonArray("headline").get(0).getAsJsonObject();
        assertEquals("GEMM 1024x1024x1024 F32", first.get("workload").getAsString());
        assertEquals(13.0 / 12.0, first.get("ours_vs_peer").getAsDouble(), 1e-12);
        assertEquals("openblas", first.getAsJsonObject("ours").get("backend").getAsString());
        assertEquals(2, root.getAsJsonArray("notes").size());
    }

    @Test
    void timesReadWithAUnitThatFits() {
        assertEquals("9.57 us", BenchSummary.time(9.57e-6));
        assertEquals("412 us", BenchSummary.time(412e-6));
        assertEquals("19.3 ms", BenchSummary.time(19.3e-3));
        assertEquals("2.00 s", BenchSummary.time(2));
        assertEquals("850 ns", BenchSummary.time(850e-9));
    }

    static BenchSummary.Row find(BenchSummary s, String method, String backend, int threads) {
        return s.rows().stream().filter(r -> r.method().equals(method) && r.backend().equals(backend) && r.threads() == threads)
                .findFirst().orElseThrow();
    }

    @Test
    void ratioIsReferenceTimeOverOurTime() {
        qt().forAll(doubles().between(1e-3, 1e6), doubles().between(1e-3, 1e6)).checkAssert((ours, ref) -> {
            String json = "[" + entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"n\":\"64\"}", ours, "us/op", 0.0) + ","
                    + entry(P + "GemmBench.gemm", "{\"backend\":\"scalar\",\"n\":\"64\"}", ref, "us/op", 0.0) + "]";
            BenchSummary.Row r = find(BenchSummary.fromJmhJson("gemm", json, 1), "gemm", "vector", 1);
            assertEquals(ref / ours, r.ratio(), 1e-9 * (ref / ours));
        });
    }

    @Test
    void throughputUnitsInvertTheRatio() {
        String json = "[" + entry(P + "GemmBench.gemm", "{\"backend\":\"vector\"}", 300, "ops/s", 0.0) + ","
                + entry(P + "GemmBench.gemm", "{\"backend\":\"scalar\"}", 100, "ops/s", 0.0) + "]";
        assertEquals(3.0, find(BenchSummary.fromJmhJson("gemm", json, 1), "gemm", "vector", 1).ratio(), 1e-12);
    }

    @Test
    void chartsAreWrittenAsPng(@TempDir Path dir) throws Exception {
        String json = "[" + String.join(",",
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"n\":\"64\",\"threads\":\"1\"}", 5, "us/op", 0.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"n\":\"256\",\"threads\":\"1\"}", 200, "us/op", 0.0),
                entry(P + "InferBench.mnistInfer", "{\"backend\":\"vector\",\"threads\":\"1\"}", 90, "us/op", 0.0),
                entry(P + "InferBench.mnistInfer", "{\"backend\":\"scalar\",\"threads\":\"1\"}", 900, "us/op", 0.0)) + "]";
        List<Path> charts = BenchChart.write(BenchSummary.fromJmhJson("all", json, 1), dir);
        assertEquals(2, charts.size());
        for (Path c : charts) {
            byte[] b = Files.readAllBytes(c);
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', c.toString());
        }
    }

    @Test
    void gemmShapesChartSquareSizesInGflopsAcrossUnitsAndTheRestAsBars(@TempDir Path dir) throws Exception {
        String json = "[" + String.join(",",
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"64\",\"threads\":\"1\"}", 9_000, "ns/op", 0.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"256\",\"threads\":\"1\"}", 400_000, "ns/op", 0.0),
                entry(P + "PeerDjlBench.gemm", "{\"shape\":\"64\",\"threads\":\"1\"}", 20, "us/op", 0.0),
                entry(P + "PeerDjlBench.gemm", "{\"shape\":\"256\",\"threads\":\"1\"}", 390, "us/op", 0.0),
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"32x5408x64\",\"threads\":\"1\"}", 90_000, "ns/op", 0.0)) + "]";
        BenchSummary s = BenchSummary.fromJmhJson("gemm", json, 1);
        assertEquals("shape", BenchChart.sizeParam(s.rows()));
        assertTrue(BenchChart.plotsGflops("gemm", "shape", "ns/op"));
        BenchSummary.Row peer = find(s, "gemm", "djl-pytorch", 1);
        assertEquals(peer.score() * 1000, BenchChart.scoreIn(peer, "ns/op"), 1e-6);
        assertTrue(Double.isNaN(BenchChart.scoreIn(peer, "ops/s")));
        List<Path> charts = BenchChart.write(s, dir);
        assertEquals(List.of(dir.resolve("chart-gemm.png"), dir.resolve("chart-gemm-shapes.png")), charts);
        for (Path c : charts) assertTrue(Files.size(c) > 1000, c.toString());
    }

    @Test
    void runnerSummarisesARawJmhFileIntoJsonMarkdownAndCharts(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("raw.json");
        Files.writeString(raw, "[" + String.join(",",
                entry(P + "InferBench.mnistInfer", "{\"backend\":\"vector\",\"threads\":\"1\"}", 90, "us/op", 0.0),
                entry(P + "PeerDjlBench.mnistInfer", "{\"threads\":\"1\"}", 150, "us/op", 8860.0)) + "]");
        BenchOptions o = BenchOptions.parse(new String[] {"infer", "--from", raw.toString(), "--out", dir.resolve("out").toString()});
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(sink);
        BenchRunner.Outcome r = BenchRunner.run(o, ps, ps);
        assertEquals(raw.toFile().length(), Files.size(r.dir().resolve("jmh.json")));
        JsonObject sum = JsonParser.parseString(Files.readString(r.dir().resolve("summary.json"))).getAsJsonObject();
        assertEquals("infer", sum.get("suite").getAsString());
        JsonObject ours = sum.getAsJsonArray("results").get(0).getAsJsonObject();
        assertEquals("vector", ours.get("backend").getAsString());
        assertEquals(150.0 / 90.0, ours.get("speedup_vs_ref").getAsDouble(), 1e-12);
        assertTrue(Files.readString(r.dir().resolve("summary.md")).contains("| InferBench.mnistInfer"));
        assertEquals(List.of(r.dir().resolve("chart-mnistInfer.png")), r.charts());
        assertTrue(Files.size(r.charts().get(0)) > 1000);
    }

    @Test
    void runnerPoolsSeveralRawFilesIntoMedians(@TempDir Path dir) throws Exception {
        String[] files = new String[6];
        double[] ours = {100, 300, 120}, ref = {90, 95, 400};
        for (int i = 0; i < 3; i++) {
            Path raw = dir.resolve("raw" + i + ".json");
            Files.writeString(raw, "[" + String.join(",",
                    entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"64\",\"threads\":\"1\"}", ours[i], "us/op", 0.0),
                    entry(P + "GemmBench.gemm", "{\"backend\":\"openblas\",\"shape\":\"64\",\"threads\":\"1\"}", ref[i], "us/op", 8.0 * i)) + "]");
            files[2 * i] = "--from";
            files[2 * i + 1] = raw.toString();
        }
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("gemm", "--out", dir.resolve("out").toString()),
                java.util.Arrays.stream(files)).toArray(String[]::new);
        BenchOptions o = BenchOptions.parse(args);
        assertEquals(3, o.from().size());
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(sink);
        BenchRunner.Outcome r = BenchRunner.run(o, ps, ps);
        assertEquals(6, JsonParser.parseString(Files.readString(r.dir().resolve("jmh.json"))).getAsJsonArray().size());
        BenchSummary.Row vec = find(r.summary(), "gemm", "vector", 1);
        assertEquals(2, r.summary().rows().size());
        assertEquals(120, vec.score());
        assertEquals(3, vec.runs());
        assertEquals(100, vec.scoreMin());
        assertEquals(300, vec.scoreMax());
        assertEquals(95.0 / 120, vec.ratio(), 1e-12); // a ratio of medians: the slow outliers (300, 400) drop out
        assertEquals(8.0, find(r.summary(), "gemm", "openblas", 1).allocBytesPerOp());
        assertTrue(r.summary().table().contains("3: 100.0-300.0"), r.summary().table());
        JsonObject row = JsonParser.parseString(r.summary().toJson()).getAsJsonObject().getAsJsonArray("results").get(1).getAsJsonObject();
        assertEquals("vector", row.get("backend").getAsString());
        assertEquals(3, row.get("runs").getAsInt());
        assertEquals(300, row.get("score_max").getAsDouble());
    }

    @Test
    void anEvenNumberOfRunsTakesTheMeanOfTheMiddleTwo() {
        String json = "[" + String.join(",",
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"64\",\"threads\":\"1\"}", 200, "us/op", null),
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"64\",\"threads\":\"1\"}", 100, "us/op", null),
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"64\",\"threads\":\"2\"}", 70, "us/op", null)) + "]";
        BenchSummary s = BenchSummary.fromJmhJson("gemm", json, 1);
        assertEquals(150, find(s, "gemm", "vector", 1).score());
        assertTrue(Double.isNaN(find(s, "gemm", "vector", 1).allocBytesPerOp()));
        assertEquals(1, find(s, "gemm", "vector", 2).runs()); // other threads: its own row
        assertTrue(Double.isNaN(BenchSummary.median(new double[0])));
    }

    @Test
    void gemmResultsInJsonGiveTheirDimensionsGflopsAndNanoseconds() {
        String json = "[" + String.join(",",
                entry(P + "GemmBench.gemm", "{\"backend\":\"vector\",\"shape\":\"32x64x10\",\"threads\":\"1\"}", 640, "ns/op", 0.0),
                entry(P + "PeerDjlBench.gemm", "{\"shape\":\"5408x32x64:TN\",\"threads\":\"2\"}", 200, "us/op", 0.0),
                entry(P + "InferBench.mnistInfer", "{\"backend\":\"vector\",\"threads\":\"1\"}", 90, "us/op", 0.0)) + "]";
        JsonObject root = JsonParser.parseString(BenchSummary.fromJmhJson("gemm", json, 1).toJson()).getAsJsonObject();
        Map<String, JsonObject> byBench = new java.util.HashMap<>();
        for (var e : root.getAsJsonArray("results")) byBench.put(e.getAsJsonObject().get("bench").getAsString(), e.getAsJsonObject());
        JsonObject small = byBench.get("GemmBench.gemm");
        assertEquals(32, small.get("m").getAsInt());
        assertEquals(10, small.get("n").getAsInt());
        assertEquals(64, small.get("k").getAsInt());
        assertEquals(640, small.get("ns_per_op").getAsDouble(), 1e-9);
        assertEquals(2.0 * 32 * 64 * 10 / 640, small.get("gflops").getAsDouble(), 1e-9);
        JsonObject peer = byBench.get("PeerDjlBench.gemm");
        assertEquals(5408, peer.get("m").getAsInt());
        assertEquals(200_000, peer.get("ns_per_op").getAsDouble(), 1e-6);
        assertEquals(2.0 * 5408 * 32 * 64 / 200e-6 / 1e9, peer.get("gflops").getAsDouble(), 1e-9);
        assertTrue(!byBench.get("InferBench.mnistInfer").has("gflops"));
        assertTrue(!small.has("runs"));
    }

    @Test
    void squareGemmIsChartedInGflops() {
        assertTrue(BenchChart.plotsGflops("gemm", "n", "us/op"));
        assertTrue(!BenchChart.plotsGflops("gemm", "size", "us/op"));
        assertTrue(!BenchChart.plotsGflops("add", "n", "us/op"));
        assertTrue(!BenchChart.plotsGflops("gemm", "n", "ops/s"));
        assertEquals(1e-6, BenchChart.toSeconds("us/op"));
    }

    @Test
    void suitesSelectClassesByNameAndPeersByMethod() {
        List<String> inc = Suites.includes("gemm", true);
        assertTrue(matches(inc, P + "GemmBench.gemm"));
        assertTrue(matches(inc, P + "GemmBench.mnistShapes"));
        assertTrue(matches(inc, P + "PeerNd4jBench.gemm"));
        assertTrue(!matches(inc, P + "PeerNd4jBench.add"));
        assertTrue(!matches(inc, P + "ConvBench.forward"));
        assertTrue(!matches(Suites.includes("gemm", false), P + "PeerDjlBench.gemm"));
        List<String> all = Suites.includes("all", true);
        for (String b : List.of("ConvBench.forward", "ElementwiseBench.add", "TrainBench.mnistTrainStep", "InferBench.mlpInfer",
                "PeerDjlBench.mnistTrainStep", "PeerDjlBench.mnistInfer", "PeerDjlBench.add")) {
            assertTrue(matches(all, P + b), b);
        }
    }

    static boolean matches(List<String> includes, String fq) {
        return includes.stream().anyMatch(r -> Pattern.compile(r).matcher(fq).find());
    }

    @Test
    void badOptionsAreRejectedWithTheReason() {
        assertEquals("unknown suite 'gem'; known: gemm, conv, elementwise, train, infer, all",
                assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"gem"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"gemm", "--threads", "0"}))
                .getMessage().contains(">= 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"gemm", "--out"}))
                .getMessage().contains("--out needs a value"));
        BenchOptions o = BenchOptions.parse(new String[] {"train", "--quick", "--peers", "--threads", "2", "-p", "n=64,256", "--json"});
        assertEquals(List.of(2), o.threads());
        assertEquals(Map.of("n", List.of("64", "256")), o.params());
        assertTrue(o.quick() && o.peers() && o.json());
        assertEquals(1, o.repeat());
        assertEquals(3, BenchOptions.parse(new String[] {"gemm", "--repeat", "3"}).repeat());
        assertEquals("--repeat must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"gemm", "--repeat", "0"})).getMessage());
        assertEquals("--repeat takes a count like 3, got 'x'",
                assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"gemm", "--repeat", "x"})).getMessage());
        assertEquals("--threads takes a list like 1,2, got '1,a'",
                assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"gemm", "--threads", "1,a"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parse(new String[] {"gemm", "--repeat", "2", "--from", "a.json"})).getMessage().contains("not both"));
    }
}
