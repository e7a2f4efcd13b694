package dev.vectorgrad.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RunPlanTest {
    static final String P = "dev.vectorgrad.bench.";
    static final List<String> T = List.of("1", "2");
    static final RunPlan.Iter ANNOTATED = new RunPlan.Iter(1, 3, 1, 5, 1);

    static RunPlan.Bench bench(String name, RunPlan.Iter it, Object... kv) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            @SuppressWarnings("unchecked") List<String> v = (List<String>) kv[i + 1];
            m.put((String) kv[i], v);
        }
        return new RunPlan.Bench(P + name, m, it);
    }

    /** A build like ours: GemmBench without iteration annotations, the others with them, both peers. */
    static List<RunPlan.Bench> build() {
        List<String> shapes = List.of("4", "64", "256", "1024", "2048", "32x5408x64", "5408x32x64:TN", "32x64x5408:NT", "32x64x10");
        List<RunPlan.Bench> b = new ArrayList<>();
        b.add(bench("GemmBench.gemm", null, "backend", List.of("vector", "openblas", "scalar"), "shape", shapes, "threads", T));
        for (String m : List.of("add", "exp", "sum")) {
            b.add(bench("ElementwiseBench." + m, ANNOTATED, "backend", List.of("vector", "native", "scalar"),
                    "size", List.of("1024", "65536", "1048576"), "threads", T));
        }
        b.add(bench("ElementwiseBench.softmax", ANNOTATED, "backend", List.of("vector", "native", "scalar"),
                "shape", List.of("32x10", "1024x1024"), "threads", T));
        for (String m : List.of("forward", "backwardData", "backwardWeight")) {
            b.add(bench("ConvBench." + m, ANNOTATED, "backend", List.of("vector", "openblas"), "shape", List.of("mnist", "mid")));
        }
        b.add(bench("TrainBench.mnistTrainStep", ANNOTATED, "backend", List.of("vector"), "threads", T));
        b.add(bench("TrainBench.mlpTrainStep", ANNOTATED, "backend", List.of("vector", "scalar"), "threads", T));
        b.add(bench("InferBench.mnistInfer", ANNOTATED, "backend", List.of("vector", "scalar"), "threads", T));
        b.add(bench("InferBench.mlpInfer", ANNOTATED, "backend", List.of("vector", "scalar"), "threads", T));
        for (String peer : List.of("PeerDjlBench", "PeerNd4jBench")) {
            b.add(bench(peer + ".gemm", ANNOTATED, "shape", shapes.subList(1, shapes.size()), "threads", T));
            b.add(bench(peer + ".add", ANNOTATED, "size", List.of("1024", "65536", "1048576"), "threads", T));
            b.add(bench(peer + ".softmax", ANNOTATED, "shape", List.of("32x10", "1024x1024"), "threads", T));
            b.add(bench(peer + ".mnistInfer", ANNOTATED, "threads", T));
        }
        b.add(bench("PeerNd4jBench.gemmMmul", ANNOTATED, "shape", shapes.subList(1, shapes.size()), "threads", T));
        b.add(bench("PeerDjlBench.mnistTrainStep", ANNOTATED, "threads", T));
        return b;
    }

    static RunPlan plan(String... args) {
        return RunPlan.build(BenchOptions.parse(args), build());
    }

    @Test
    void quickGemmSplitsVectorOpenblasAndScalarWithTheirOwnParamsAndWarmup() {
        RunPlan p = plan("gemm", "--quick");
        assertEquals(List.of("gemm vector", "gemm openblas+native", "gemm scalar"), p.steps().stream().map(RunPlan.Step::label).toList());
        RunPlan.Step vec = p.steps().get(0);
        assertEquals(List.of("vector"), vec.params().get("backend"));
        assertEquals(RunPlan.QUICK_GEMM, vec.params().get("shape"));
        assertEquals(12, vec.configurations()); // 6 shapes x 2 thread counts
        assertEquals(RunPlan.VEC, vec.iter());
        assertEquals(List.of("-Xbatch"), vec.jvmArgs()); // quick forks compile in the foreground
        // configurations x (fork start + warmup + measurement)
        assertEquals(12 * (RunPlan.FORK_START_S + 4 * 0.4 + 3 * 0.3), vec.estimateSeconds(), 1e-9);
        // This build's GemmBench has no 'native' backend: only the declared value is passed to JMH.
        assertEquals(List.of("openblas"), p.steps().get(1).params().get("backend"));
        RunPlan.Step scalar = p.steps().get(2);
        assertEquals(List.of("1"), scalar.params().get("threads")); // the oracle is single-threaded
        assertEquals(2, scalar.configurations());
        assertEquals(26, p.configurations());
        assertEquals(p.steps().stream().mapToDouble(RunPlan.Step::estimateSeconds).sum(), p.estimateSeconds(), 1e-9);
        assertTrue(p.describe().contains("26 configurations"), p.describe());
    }

    @Test
    void repeatRunsTheSameStepsSeveralPassesAndSaysSo() {
        RunPlan once = plan("gemm", "--quick"), thrice = plan("gemm", "--quick", "--repeat", "3");
        assertEquals(1, once.passes());
        assertEquals(3, thrice.passes());
        assertEquals(once.steps(), thrice.steps());
        assertEquals(3 * once.estimateSeconds(), thrice.estimateSeconds(), 1e-9);
        assertTrue(thrice.describe().startsWith("plan (quick, 3 passes): 3 JMH runs per pass, 26 configurations per pass"), thrice.describe());
        assertTrue(thrice.describe().contains("estimated " + RunPlan.duration(thrice.estimateSeconds()) + " in all"), thrice.describe());
        assertTrue(once.describe().startsWith("plan (quick): 3 JMH runs, 26 configurations (one"), once.describe());
    }

    @Test
    void userParamsThreadsAndIncludeOverrideTheQuickPlan() {
        RunPlan p = plan("all", "--quick", "--threads", "2", "--include", "GemmBench", "-p", "shape=64");
        assertEquals(List.of("gemm vector", "gemm openblas+native", "gemm scalar"), p.steps().stream().map(RunPlan.Step::label).toList());
        for (RunPlan.Step s : p.steps()) {
            assertEquals(List.of("64"), s.params().get("shape"));
            assertEquals(List.of("2"), s.params().get("threads"));
            assertTrue(Pattern.compile(s.include()).matcher(P + "GemmBench.gemm").find());
            assertTrue(!Pattern.compile(s.include()).matcher(P + "ConvBench.forward").find());
        }
        assertEquals(3, p.configurations());
    }

    @Test
    void quickPeersUseTheSameParamNamesAndSkipTheAllocatingMmul() {
        RunPlan p = plan("gemm", "--quick", "--peers");
        RunPlan.Step peers = p.steps().get(p.steps().size() - 1);
        assertEquals("gemm peers", peers.label());
        assertEquals(List.of("64", "256", "1024"), peers.params().get("shape"));
        assertEquals(List.of(P + "PeerDjlBench.gemm", P + "PeerNd4jBench.gemm"), peers.benches().stream().map(RunPlan.Bench::name).toList());
        assertEquals(12, peers.configurations());
        assertEquals(12 * (RunPlan.PEER_FORK_START_S + 2 * 0.3 + 3 * 0.3), peers.estimateSeconds(), 1e-9);
    }

    @Test
    void quickTrainingWarmsTheMnistStepUpForSeconds() {
        RunPlan p = plan("train", "--quick");
        RunPlan.Step mnist = p.steps().get(0);
        assertEquals(List.of(P + "TrainBench.mnistTrainStep"), mnist.benches().stream().map(RunPlan.Bench::name).toList());
        assertTrue(mnist.iter().warmups() * mnist.iter().warmupSec() >= 6, mnist.toString());
        assertEquals(List.of(P + "TrainBench.mlpTrainStep"), p.steps().get(1).benches().stream().map(RunPlan.Bench::name).toList());
    }

    @Test
    void quickConvRunsEachBackendTheClassHasAndClassesWithoutAQuickPlanStillRun() {
        List<RunPlan.Bench> b = new ArrayList<>(build());
        b.add(bench("PoolLossBench.maxPool", ANNOTATED, "backend", List.of("vector", "scalar", "native"), "threads", T));
        b.add(bench("PoolLossBench.avgPool", ANNOTATED, "backend", List.of("vector", "scalar", "native"), "threads", T));
        b.add(bench("PoolLossBench.softmaxCrossEntropy", ANNOTATED, "backend", List.of("vector", "scalar", "native"), "threads", T,
                "shape", List.of("32x10", "256x1000")));
        RunPlan p = RunPlan.build(BenchOptions.parse(new String[] {"conv", "--quick"}), b);
        assertEquals(List.of("conv vector", "conv openblas+native", "pool+loss vector", "pool+loss native", "pool+loss scalar"),
                p.steps().stream().map(RunPlan.Step::label).toList());
        RunPlan.Step conv = p.steps().get(0);
        assertEquals(3, conv.configurations()); // this ConvBench has no threads @Param: 3 methods at the mnist shape
        assertEquals(List.of("openblas"), p.steps().get(1).params().get("backend")); // nor a native backend
        RunPlan.Step pool = p.steps().get(2);
        assertEquals(List.of(P + "PoolLossBench.maxPool", P + "PoolLossBench.softmaxCrossEntropy"),
                pool.benches().stream().map(RunPlan.Bench::name).toList()); // avgPool: full runs only
        assertEquals(2 + 2, pool.configurations());
        assertEquals(2, p.steps().get(4).configurations()); // scalar: first thread count
        // OptimizerBench with none of the quick methods (adam, sgdMomentum): it still runs, with its own @Params.
        b.add(bench("OptimizerBench.lamb", ANNOTATED, "backend", List.of("vector"), "threads", T));
        RunPlan e = RunPlan.build(BenchOptions.parse(new String[] {"elementwise", "--quick"}), b);
        RunPlan.Step last = e.steps().get(e.steps().size() - 1);
        assertEquals("elementwise OptimizerBench", last.label());
        assertEquals(RunPlan.VEC, last.iter());
        assertEquals(2, last.configurations());
    }

    @Test
    void declaredOnlyDropsValuesNoBenchmarkDeclares() {
        List<RunPlan.Bench> conv = List.of(bench("ConvBench.forward", ANNOTATED, "backend", List.of("vector", "openblas"), "shape", List.of("mnist")));
        assertEquals(null, RunPlan.declaredOnly(Map.of("backend", List.of("native")), conv));
        assertEquals(Map.of("backend", List.of("vector")), RunPlan.declaredOnly(Map.of("backend", List.of("vector", "native")), conv));
        assertEquals(Map.of("threads", List.of("2"), "size", List.of("9")),
                RunPlan.declaredOnly(Map.of("threads", List.of("2"), "size", List.of("9")), conv)); // params it lacks: left to JMH
    }

    @Test
    void fullRunsKeepAnnotationsAndGiveUnannotatedClassesOneForkNotJmhsFive() {
        RunPlan p = plan("all", "--peers");
        RunPlan.Step gemm = step(p, "gemm GemmBench");
        assertEquals(RunPlan.FULL_DEFAULT, gemm.iter());
        assertEquals(List.of(), gemm.jvmArgs());
        assertEquals(List.of("vector"), gemm.params().get("backend"));
        assertEquals(9 * 2, gemm.configurations());
        RunPlan.Step blas = step(p, "gemm GemmBench openblas");
        assertEquals(RunPlan.FULL_NATIVE, blas.iter());
        assertEquals(9 * 2, blas.configurations());
        // The scalar oracle: single-threaded, and only the shapes GemmBench accepts for it (<= 128^3).
        RunPlan.Step scalar = step(p, "gemm GemmBench scalar");
        assertEquals(List.of("1"), scalar.params().get("threads"));
        assertEquals(List.of("4", "64", "32x64x10"), scalar.params().get("shape"));
        RunPlan.Step elem = step(p, "elementwise ElementwiseBench");
        assertNull(elem.iter());
        assertEquals((3 * 3 + 2) * 2 * (RunPlan.FORK_START_S + 3 + 5), elem.estimateSeconds(), 1e-9);
        assertEquals((3 * 3 + 2) * 2, step(p, "elementwise ElementwiseBench native").configurations());
        assertEquals(3 * 3 + 2, step(p, "elementwise ElementwiseBench scalar").configurations());
        // Classes without a backend param (the peers) run as one step: kernels as native code, models with their annotations.
        assertEquals(RunPlan.FULL_NATIVE, step(p, "gemm PeerDjlBench").iter());
        assertNull(step(p, "infer PeerDjlBench").iter());
        RunPlan.Step djl = p.steps().stream().filter(s -> s.label().equals("gemm PeerDjlBench")).findFirst().orElseThrow();
        assertTrue(Pattern.compile(djl.include()).matcher(P + "PeerDjlBench.gemm").find());
        assertTrue(!Pattern.compile(djl.include()).matcher(P + "PeerNd4jBench.gemm").find());
        assertTrue(!Pattern.compile(djl.include()).matcher(P + "PeerDjlBench.add").find());
    }

    static RunPlan.Step step(RunPlan p, String label) {
        return p.steps().stream().filter(s -> s.label().equals(label)).findFirst().orElseThrow(() -> new AssertionError(label + " in " + p.describe()));
    }

    @Test
    void aUserBackendListNarrowsTheSplitStepsInsteadOfRepeatingThem() {
        RunPlan p = plan("gemm", "--quick", "-p", "backend=vector,openblas", "-p", "shape=1000");
        assertEquals(List.of("gemm vector", "gemm openblas+native"), p.steps().stream().map(RunPlan.Step::label).toList());
        assertEquals(List.of("vector"), p.steps().get(0).params().get("backend"));
        assertEquals(List.of("openblas"), p.steps().get(1).params().get("backend"));
        assertEquals(List.of("1000"), p.steps().get(0).params().get("shape")); // other params: the user's values
        RunPlan full = plan("gemm", "-p", "shape=64,1024");
        assertEquals(List.of("64"), step(full, "gemm GemmBench scalar").params().get("shape"));
        assertEquals(List.of("64", "1024"), step(full, "gemm GemmBench").params().get("shape"));
    }

    @Test
    void aStepBecomesJmhOptionsWithItsParamsIterationsAndFlags() {
        RunPlan.Step vec = plan("gemm", "--quick", "--threads", "2").steps().get(0);
        org.openjdk.jmh.runner.options.Options o = BenchRunner.options(vec, Path.of("x.json"));
        assertEquals(List.of(vec.include()), o.getIncludes());
        assertEquals(List.of("vector"), List.copyOf(o.getParameter("backend").get()));
        assertEquals(List.of("2"), List.copyOf(o.getParameter("threads").get()));
        assertEquals(4, o.getWarmupIterations().get());
        assertEquals(400, o.getWarmupTime().get().convertTo(java.util.concurrent.TimeUnit.MILLISECONDS));
        assertEquals(3, o.getMeasurementIterations().get());
        assertEquals(1, o.getForkCount().get());
        List<String> jvm = List.copyOf(o.getJvmArgsAppend().get());
        assertTrue(jvm.containsAll(BenchRunner.FORK_JVM_ARGS) && jvm.contains("-Xbatch"), jvm.toString());
        assertEquals(1, o.getProfilers().size()); // the GC profiler, for alloc_bytes_per_op
    }

    /**
     * The classes as the other branches have them at the time of writing (GemmBench and ConvBench with a native
     * backend, ConvBench with threads, PoolLossBench with 8 methods, OptimizerBench with 4 at 2 sizes): after the merge, quick 'all' stays under the
     * 10 minutes of issue 8, with the estimate's 2 s per fork.
     */
    @Test
    void quickAllWithTheOtherBranchesClassesIsEstimatedUnderTenMinutes() {
        List<RunPlan.Bench> b = new ArrayList<>(build());
        b.removeIf(x -> x.name().equals(P + "GemmBench.gemm"));
        b.add(bench("GemmBench.gemm", null, "backend", List.of("vector", "native", "openblas", "scalar"),
                "shape", List.of("64", "256", "1024", "32x5408x64", "5408x32x64:TN", "32x64x5408:NT", "32x64x10"), "threads", T));
        b.removeIf(x -> x.name().startsWith(P + "ConvBench."));
        for (String m : List.of("forward", "backwardData", "backwardWeight")) {
            b.add(bench("ConvBench." + m, ANNOTATED, "backend", List.of("vector", "native", "openblas"), "shape", List.of("mnist", "mid"),
                    "threads", T));
        }
        for (String m : List.of("maxPool", "maxPoolBackward", "avgPool", "avgPoolBackward", "globalAvgPool")) {
            b.add(bench("PoolLossBench." + m, ANNOTATED, "backend", List.of("vector", "scalar", "native"), "threads", T));
        }
        for (String m : List.of("softmaxCrossEntropy", "bceWithLogits", "mse")) {
            b.add(bench("PoolLossBench." + m, ANNOTATED, "backend", List.of("vector", "scalar", "native"), "threads", T,
                    "shape", List.of("32x10", "256x1000")));
        }
        for (String m : List.of("sgdMomentum", "adam", "rmsprop", "adadelta")) {
            b.add(bench("OptimizerBench." + m, ANNOTATED, "backend", List.of("vector", "scalar", "native"), "threads", T,
                    "size", List.of("350000", "1000000")));
        }
        RunPlan p = RunPlan.build(BenchOptions.parse(new String[] {"all", "--quick"}), b);
        assertTrue(p.estimateSeconds() < 600, p.describe());
        assertEquals(24, p.steps().stream().filter(s -> s.label().equals("gemm openblas+native")).findFirst().orElseThrow().configurations());
        assertEquals(4, p.steps().stream().filter(s -> s.label().equals("optimizer vector")).findFirst().orElseThrow().configurations());
        assertEquals(12, p.steps().stream().filter(s -> s.label().equals("conv openblas+native")).findFirst().orElseThrow().configurations());
    }

    /** The real benchmark list of this build: the quick plan of 'all' must stay under the 10 minutes of issue 8. */
    @Test
    void quickAllOfThisBuildIsEstimatedUnderTenMinutes() {
        List<RunPlan.Bench> real = RunPlan.available();
        RunPlan p = RunPlan.build(BenchOptions.parse(new String[] {"all", "--quick"}), real);
        assertTrue(p.estimateSeconds() < 600, p.describe());
        for (String suite : List.of("gemm", "conv", "elementwise", "train", "infer")) {
            assertTrue(p.steps().stream().anyMatch(s -> s.label().startsWith(suite)), suite + " missing:\n" + p.describe());
        }
        RunPlan.Bench softmax = real.stream().filter(b -> b.name().equals(P + "ElementwiseBench.softmax")).findFirst().orElseThrow();
        assertEquals(List.of("32x10", "1024x1024"), softmax.params().get("shape"));
    }

    static final Pattern PARAM = Pattern.compile("@Param\\(\\{([^}]*)\\}\\)\\s*public\\s+\\w+\\s+(\\w+);");

    /**
     * The peers are compiled only with -Ppeers, so their sources are read here: every @Param they declare must have
     * the name and values of one of ours, or the summary cannot pair the rows (the old peers used 'n').
     */
    @Test
    void peerParamsUseOurNamesAndValues() throws Exception {
        Map<String, Set<String>> ours = new LinkedHashMap<>();
        for (RunPlan.Bench b : RunPlan.available()) {
            if (b.peer()) continue;
            for (Map.Entry<String, List<String>> e : b.params().entrySet()) ours.computeIfAbsent(e.getKey(), k -> new HashSet<>()).addAll(e.getValue());
        }
        int checked = 0;
        for (String peer : List.of("PeerDjlBench", "PeerNd4jBench")) {
            String src = Files.readString(Path.of("src/peers/java/dev/vectorgrad/bench/" + peer + ".java"));
            Matcher m = PARAM.matcher(src);
            while (m.find()) {
                String name = m.group(2);
                assertTrue(ours.containsKey(name), peer + " @Param '" + name + "' is not a param of any of our benchmarks");
                for (String v : m.group(1).split(",")) {
                    String value = v.strip().replace("\"", "");
                    assertTrue(ours.get(name).contains(value), peer + " " + name + "=" + value + " is not one of our values " + ours.get(name));
                    checked++;
                }
            }
        }
        assertTrue(checked >= 20, "only " + checked + " peer param values found");
    }
}
