package dev.vectorgrad.bench.harness;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * What a {@code bench} run will execute, as a list of JMH runs (steps), each with its own include regex, @Param
 * overrides and iteration settings, and an estimate of its wall time computed from the benchmark list JMH
 * generated at build time: configurations (one forked JVM each) x (fork start + warmup + measurement).
 *
 * <p><b>Quick</b> ({@code --quick}) trims the @Param lists and iteration times per class, keeping enough warmup
 * for the Vector API model benchmarks to reach C2 (the MNIST training step gets 6 x 1 s; with 2 x 0.3 s it was
 * still interpreted/C1-compiled: 100 ms and 115 MB per step), and forks with -Xbatch ({@link #QUICK_JVM_ARGS}):
 * <ul>
 *   <li>GemmBench: vector and openblas at shape 64, 256, 1024 and the MNIST fc1 products (32x5408x64 and its
 *       two backward products); scalar at 64 and 32x64x10 on the first thread count only (the scalar oracle
 *       is single-threaded). Vector API code (vector backend rows, conv, optimizer) gets 4 x 0.5 s warmup and
 *       3 x 0.4 s measurement; native code (openblas, native, the peers) and scalar 2 x 0.4 s + 3 x 0.4 s.</li>
 *   <li>ConvBench at the MNIST layer (vector; openblas and native), PoolLossBench's max pooling and softmax
 *       cross-entropy at 32x10.</li>
 *   <li>ElementwiseBench: vector and native at size 1k and 1M (and both softmax shapes), scalar the same on the
 *       first thread count; OptimizerBench its own @Params.</li>
 *   <li>TrainBench: the MNIST step 6 x 1 s warmup, 3 x 1 s; the other vector steps 6 x 0.5 s, 3 x 0.5 s, scalar
 *       2 x 0.4 s + 3 x 0.4 s on the first thread count.</li>
 *   <li>InferBench: vector 6 x 0.5 s, 3 x 0.5 s; scalar 2 x 0.4 s, 3 x 0.4 s on the first thread count.</li>
 *   <li>Peers ({@code --peers}): gemm at 64, 256, 1024 (no gemmMmul), add/exp/sum at 1k, softmax at 32x10,
 *       the model steps; 2 x 0.4 s + 3 x 0.4 s for kernels, 3 x 0.6 s + 3 x 0.5 s for models.</li>
 * </ul>
 * Every quick step uses one fork. <b>Full</b> runs keep every @Param value and split each class by backend like
 * the quick plan: Vector API backends use the class's own annotations (or 1 fork, 3 x 1 s warmup and 5 x 1 s
 * measurement for classes without them, instead of JMH's 5 forks of 5 x 10 s + 5 x 10 s), native code (and the
 * peers' kernels) 2 x 1 s + 3 x 1 s, and the single-threaded scalar oracle runs on the first thread count only.
 */
public final class RunPlan {
    /** Seconds to start a forked benchmark JVM and set it up, for the estimate (quiet 2-core machine). */
    public static final double FORK_START_S = 2.0;
    /** The same for a peer: libtorch / ND4J's native libraries load in every fork. */
    public static final double PEER_FORK_START_S = 2.5;

    /** Forks and iterations; null fields mean "from the class's annotations". */
    public record Iter(int forks, int warmups, double warmupSec, int measurements, double measurementSec) {
        double seconds(double forkStart) {
            return forks * (forkStart + warmups * warmupSec + measurements * measurementSec);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d fork%s, %d x %s s warmup, %d x %s s", forks, forks == 1 ? "" : "s", warmups,
                    num(warmupSec), measurements, num(measurementSec));
        }
    }

    /** Native code (openblas, JNI, the peers' kernels) and the scalar oracle: little to warm up. */
    static final Iter LIGHT = new Iter(1, 2, 0.3, 3, 0.3);
    /**
     * Vector API kernels: until C2 compiles them every vector is a boxed object (a 64^3 GEMM took 214 ms in the
     * first warmup iteration, 0.46 ms in the fifth on the loaded machine, without -Xbatch), so they get 4 x 0.4 s.
     */
    static final Iter VEC = new Iter(1, 4, 0.4, 3, 0.3);
    static final Iter MODEL = new Iter(1, 6, 0.5, 3, 0.5);
    static final Iter HEAVY = new Iter(1, 6, 1.0, 3, 1.0);
    static final Iter PEER_MODEL = new Iter(1, 3, 0.6, 3, 0.5);
    /** Full runs of native code (openblas, JNI, CUDA) and the scalar oracle: 2 x 1 s warmup, 3 x 1 s. */
    static final Iter FULL_NATIVE = new Iter(1, 2, 1.0, 3, 1.0);
    static final java.util.Set<String> NATIVE_BACKENDS = java.util.Set.of("openblas", "native", "cuda");
    /**
     * Full runs of TrainBench: 10 x 1 s warmup, 5 x 1 s. The MNIST step reaches C2 slowly without -Xbatch: after 6 s
     * the run of 2026-11-23 16:40 UTC still averaged 7.56 ms and 39.8 KB per step (boxed vectors in the first
     * measurement iterations); with 8 s, 6.0-6.1 ms and 5.1-5.4 KB.
     */
    static final Iter FULL_TRAIN = new Iter(1, 10, 1.0, 5, 1.0);
    static final java.util.Set<String> PEER_KERNEL_SUITES = java.util.Set.of("gemm", "conv", "elementwise");
    /** For full runs of classes without @Fork/@Warmup/@Measurement. */
    static final Iter FULL_DEFAULT = new Iter(1, 3, 1.0, 5, 1.0);
    /** JMH's own defaults, used only to estimate a class that has no annotations when we do not override. */
    static final Iter JMH_DEFAULT = new Iter(5, 5, 10, 5, 10);

    /**
     * Extra flags of quick forks. -Xbatch: the benchmark thread waits for each JIT compilation instead of running
     * the interpreted code meanwhile. Interpreted Vector API code boxes every vector (the first MNIST training step
     * took 7-9 s on the loaded machine) and competes with the compiler threads for the 2 cores; with -Xbatch the
     * step was at its steady state (~24 MB/op, a property of the kernels) after 4-5 x 1 s of warmup instead of
     * still falling after 15. Steady-state code is the same; full runs do not use it.
     */
    public static final List<String> QUICK_JVM_ARGS = List.of("-Xbatch");

    static final List<String> QUICK_GEMM = List.of("64", "256", "1024", "32x5408x64", "5408x32x64:TN", "32x64x5408:NT");
    static final List<String> QUICK_SIZES = List.of("1024", "1048576");
    static final String QUICK_POOL_LOSS = "PoolLossBench\\.(maxPool|maxPoolBackward|softmaxCrossEntropy)$";
    static final String QUICK_OPTIMIZER = "OptimizerBench\\.(adam|sgdMomentum)$";

    /** One benchmark method as JMH's generated list describes it: default @Param values and annotated iterations. */
    public record Bench(String name, Map<String, List<String>> params, Iter annotated) {
        String simpleClass() {
            String[] p = name.split("\\.");
            return p[p.length - 2];
        }

        boolean peer() {
            return Suites.isPeer(simpleClass());
        }
    }

    /**
     * One JMH run. include is a regex (find() on 'package.Class.method'); params override @Params of the benchmarks
     * that have them; iter null = the classes' annotations.
     */
    public record Step(String label, String include, Map<String, List<String>> params, Iter iter, List<String> jvmArgs,
                       List<Bench> benches) {
        /** Forked JVMs (configurations x forks) this step starts. */
        public int configurations() {
            int n = 0;
            for (Bench b : benches) n += combinations(b, params);
            return n;
        }

        public double estimateSeconds() {
            double s = 0;
            for (Bench b : benches) {
                Iter it = iter != null ? iter : b.annotated();
                s += combinations(b, params) * it.seconds(b.peer() ? PEER_FORK_START_S : FORK_START_S);
            }
            return s;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-28s %3d configurations, est. %s (%s%s)", label, configurations(),
                    duration(estimateSeconds()), iter == null ? "class annotations" : iter, jvmArgs.isEmpty() ? "" : ", " + String.join(" ", jvmArgs));
        }
    }

    private final List<Step> steps;
    private final boolean quick;
    private final int passes;

    private RunPlan(List<Step> steps, boolean quick, int passes) {
        this.steps = List.copyOf(steps);
        this.quick = quick;
        this.passes = passes;
    }

    /** How many times the steps run in turn (--repeat). */
    public int passes() {
        return passes;
    }

    public List<Step> steps() {
        return steps;
    }

    public int configurations() {
        return steps.stream().mapToInt(Step::configurations).sum();
    }

    /** All passes together. */
    public double estimateSeconds() {
        return passes * steps.stream().mapToDouble(Step::estimateSeconds).sum();
    }

    /** The plan as printed at the start of a run. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        String each = passes > 1 ? " per pass" : "";
        sb.append(String.format(Locale.ROOT, "plan (%s%s): %d JMH runs%s, %d configurations%s (one forked JVM each), estimated %s%s "
                + "(%s s per fork start, %s s for a peer, + warmup + measurement; a loaded machine takes longer)%n",
                quick ? "quick" : "full", passes > 1 ? ", " + passes + " passes" : "", steps.size(), each, configurations(), each,
                duration(estimateSeconds()), passes > 1 ? " in all" : "", num(FORK_START_S), num(PEER_FORK_START_S)));
        for (Step s : steps) sb.append("  ").append(s).append('\n');
        return sb.toString();
    }

    /** Combinations of @Param values a bench runs with under the overrides (overrides of params it lacks are ignored). */
    static int combinations(Bench b, Map<String, List<String>> overrides) {
        int n = 1;
        for (Map.Entry<String, List<String>> p : b.params().entrySet()) {
            List<String> o = overrides.get(p.getKey());
            n *= o != null ? o.size() : p.getValue().size();
        }
        return n;
    }

    /** The plan for these options over the benchmarks in this build. */
    public static RunPlan build(BenchOptions o, List<Bench> available) {
        List<Step> steps = new ArrayList<>();
        List<String> suites = o.suite().equals("all") ? Suites.NAMES.subList(0, Suites.NAMES.size() - 1) : List.of(o.suite());
        List<String> threads = new ArrayList<>();
        for (int t : o.threads()) threads.add(Integer.toString(t));
        List<String> firstThread = List.of(threads.get(0));
        for (String suite : suites) {
            List<Template> templates = new ArrayList<>();
            if (o.quick()) {
                templates.addAll(quickTemplates(suite, threads, firstThread));
                if (o.peers()) templates.addAll(quickPeerTemplates(suite, threads));
            } else {
                // One run per class, so classes without annotations get FULL_DEFAULT without overriding the others.
                List<String> classRegexes = new ArrayList<>(List.of(Suites.PKG + Suites.ours(suite) + "\\."));
                if (o.peers()) classRegexes.add(Suites.PKG + "Peer\\w*Bench\\." + Suites.peerMethods(suite) + "$");
                for (String rx : classRegexes) {
                    Map<String, List<Bench>> byClass = new TreeMap<>();
                    for (Bench b : matching(available, rx, o.include())) byClass.computeIfAbsent(b.simpleClass(), k -> new ArrayList<>()).add(b);
                    for (Map.Entry<String, List<Bench>> c : byClass.entrySet()) {
                        boolean annotated = c.getValue().stream().allMatch(b -> b.annotated() != null);
                        String inc = rx.endsWith("\\.") ? Suites.PKG + c.getKey() + "\\." : rx.replace("Peer\\w*Bench", c.getKey());
                        // A peer's kernels are native code; its model steps (train, infer) keep their longer warmup.
                        // The MNIST training step needs more warmup than TrainBench's annotations give without -Xbatch.
                        Iter it = !annotated ? FULL_DEFAULT : Suites.isPeer(c.getKey()) && PEER_KERNEL_SUITES.contains(suite) ? FULL_NATIVE
                                : c.getKey().equals("TrainBench") ? FULL_TRAIN : null;
                        templates.addAll(fullTemplates(suite + " " + c.getKey(), inc, c.getValue(), it, threads, firstThread));
                    }
                }
            }
            if (o.quick()) {
                // A class of the suite that no quick template covers (added later) still runs, with its own @Params.
                List<String> covered = new ArrayList<>();
                for (Template t : templates) for (Bench b : matching(available, t.include, null)) covered.add(b.simpleClass());
                java.util.Set<String> missing = new java.util.TreeSet<>();
                for (Bench b : matching(available, Suites.PKG + Suites.ours(suite) + "\\.", null)) {
                    if (!covered.contains(b.simpleClass())) missing.add(b.simpleClass());
                }
                for (String c : missing) templates.add(new Template(suite + " " + c, Suites.PKG + c + "\\.", Map.of("threads", threads), VEC));
            }
            for (Template t : templates) {
                List<Bench> benches = matching(available, t.include, o.include());
                if (benches.isEmpty()) continue;
                Map<String, List<String>> params = declaredOnly(t.params, benches);
                if (params == null) continue; // e.g. a 'native' run for a class without that backend
                if (!narrow(params, o.params())) continue; // the user's -p leaves this step nothing to run
                if (t.include.contains("GemmBench") && params.get("shape") != null && List.of("scalar").equals(params.get("backend"))) {
                    params.put("shape", scalarGemmShapes(params.get("shape")));
                    if (params.get("shape").isEmpty()) continue;
                }
                List<Bench> resolved = new ArrayList<>();
                for (Bench b : benches) resolved.add(b.annotated() == null ? new Bench(b.name(), b.params(), JMH_DEFAULT) : b);
                steps.add(new Step(t.label, combine(t.include, o.include()), Map.copyOf(params), t.iter,
                        o.quick() ? QUICK_JVM_ARGS : List.of(), List.copyOf(resolved)));
            }
        }
        return new RunPlan(steps, o.quick(), o.repeat());
    }

    /**
     * The template's @Param values that the step's benchmarks declare (JMH would run an undeclared value too, e.g.
     * a backend the class does not support); null when a param that all of them have keeps no value.
     */
    static Map<String, List<String>> declaredOnly(Map<String, List<String>> wanted, List<Bench> benches) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> w : wanted.entrySet()) {
            java.util.Set<String> declared = new java.util.HashSet<>();
            boolean anyHas = false, allHave = true;
            for (Bench b : benches) {
                List<String> d = b.params().get(w.getKey());
                if (d == null) {
                    allHave = false;
                } else {
                    anyHas = true;
                    declared.addAll(d);
                }
            }
            if (!anyHas || w.getKey().equals("threads")) {
                out.put(w.getKey(), w.getValue());
                continue;
            }
            List<String> keep = w.getValue().stream().filter(declared::contains).toList();
            if (keep.isEmpty() && allHave) return null;
            if (!keep.isEmpty()) out.put(w.getKey(), keep);
        }
        return out;
    }

    private record Template(String label, String include, Map<String, List<String>> params, Iter iter) {}

    /**
     * Applies the user's -p values to a step's params. {@code backend}, the param plans split steps by, keeps only
     * the user's values this step has (else a run split by backend ran every backend once per step); other params
     * take the user's values, except that scalar GEMM keeps only shapes GemmBench accepts for it. False when the
     * step is left with nothing to run.
     */
    static boolean narrow(Map<String, List<String>> params, Map<String, List<String>> user) {
        for (Map.Entry<String, List<String>> u : user.entrySet()) {
            List<String> own = params.get(u.getKey());
            List<String> v = own != null && u.getKey().equals("backend") ? u.getValue().stream().filter(own::contains).toList() : u.getValue();
            if (v.isEmpty()) return false;
            params.put(u.getKey(), v);
        }
        return true;
    }

    /** Shapes the scalar oracle is benchmarked at in GemmBench (its setup refuses larger ones). */
    static List<String> scalarGemmShapes(List<String> shapes) {
        return shapes.stream().filter(s -> GemmShape.parse(s).flops() <= 2L * 128 * 128 * 128).toList();
    }

    /**
     * A full run of one class. Classes with a {@code backend} @Param are split like the quick plan but with full
     * @Param lists: Vector API backends with the class's iterations (or {@code vectorIter}), native code (OpenBLAS,
     * JNI, CUDA) with {@link #FULL_NATIVE}, and the single-threaded scalar oracle on the first thread count only
     * (GEMM only up to 128^3 multiply-adds, where GemmBench accepts it).
     */
    static List<Template> fullTemplates(String label, String include, List<Bench> benches, Iter vectorIter,
                                        List<String> threads, List<String> first) {
        java.util.Set<String> backends = new java.util.LinkedHashSet<>();
        for (Bench b : benches) {
            List<String> d = b.params().get("backend");
            if (d == null) return List.of(new Template(label, include, Map.of("threads", threads), vectorIter));
            backends.addAll(d);
        }
        List<String> vec = new ArrayList<>(), nat = new ArrayList<>();
        for (String b : backends) {
            if (NATIVE_BACKENDS.contains(b)) nat.add(b);
            else if (!b.equals("scalar")) vec.add(b);
        }
        List<Template> out = new ArrayList<>();
        if (!vec.isEmpty()) out.add(new Template(label, include, Map.of("backend", vec, "threads", threads), vectorIter));
        if (!nat.isEmpty()) out.add(new Template(label + " " + String.join("+", nat), include, Map.of("backend", nat, "threads", threads), FULL_NATIVE));
        if (backends.contains("scalar")) {
            Map<String, List<String>> p = new LinkedHashMap<>(Map.of("backend", List.of("scalar"), "threads", first));
            List<String> shapes = benches.get(0).params().get("shape");
            if (include.contains("GemmBench") && shapes != null) p.put("shape", scalarGemmShapes(shapes));
            out.add(new Template(label + " scalar", include, Map.copyOf(p), FULL_NATIVE));
        }
        return out;
    }

    private static List<Template> quickTemplates(String suite, List<String> threads, List<String> first) {
        String p = Suites.PKG;
        return switch (suite) {
            case "gemm" -> List.of(
                    new Template("gemm vector", p + "GemmBench\\.", Map.of("backend", List.of("vector"), "shape", QUICK_GEMM,
                            "threads", threads), VEC),
                    new Template("gemm openblas+native", p + "GemmBench\\.", Map.of("backend", List.of("openblas", "native"),
                            "shape", QUICK_GEMM, "threads", threads), LIGHT),
                    new Template("gemm scalar", p + "GemmBench\\.", Map.of("backend", List.of("scalar"),
                            "shape", List.of("64", "32x64x10"), "threads", first), LIGHT));
            case "conv" -> List.of(
                    // The MNIST model's layer; the mid layer in full runs only.
                    new Template("conv vector", p + "ConvBench\\.", Map.of("backend", List.of("vector"), "shape", List.of("mnist"),
                            "threads", threads), VEC),
                    new Template("conv openblas+native", p + "ConvBench\\.", Map.of("backend", List.of("openblas", "native"),
                            "shape", List.of("mnist"), "threads", threads), LIGHT),
                    // The MNIST model's pooling and loss; the other pools and losses in full runs only.
                    new Template("pool+loss vector", p + QUICK_POOL_LOSS, Map.of("backend", List.of("vector"), "shape", List.of("32x10"),
                            "threads", threads), VEC),
                    new Template("pool+loss native", p + QUICK_POOL_LOSS, Map.of("backend", List.of("native"), "shape", List.of("32x10"),
                            "threads", threads), LIGHT),
                    new Template("pool+loss scalar", p + QUICK_POOL_LOSS, Map.of("backend", List.of("scalar"), "shape", List.of("32x10"),
                            "threads", first), LIGHT));
            case "elementwise" -> List.of(
                    new Template("elementwise vector", p + "ElementwiseBench\\.", Map.of("backend", List.of("vector"),
                            "size", QUICK_SIZES, "shape", List.of("32x10"), "threads", threads), VEC),
                    new Template("elementwise native", p + "ElementwiseBench\\.", Map.of("backend", List.of("native"),
                            "size", QUICK_SIZES, "shape", List.of("32x10"), "threads", threads), LIGHT),
                    new Template("elementwise scalar", p + "ElementwiseBench\\.", Map.of("backend", List.of("scalar"),
                            "size", QUICK_SIZES, "shape", List.of("32x10"), "threads", first), LIGHT),
                    // Adam (the MNIST model's) and SGD with momentum at about the MNIST model's parameter count.
                    new Template("optimizer vector", p + QUICK_OPTIMIZER, Map.of("backend", List.of("vector"), "size", List.of("350000"),
                            "threads", threads), VEC),
                    new Template("optimizer native", p + QUICK_OPTIMIZER, Map.of("backend", List.of("native"), "size", List.of("350000"),
                            "threads", threads), LIGHT),
                    new Template("optimizer scalar", p + QUICK_OPTIMIZER, Map.of("backend", List.of("scalar"), "size", List.of("350000"),
                            "threads", first), LIGHT));
            case "train" -> List.of(
                    new Template("train mnist step", p + "TrainBench\\.mnistTrainStep$", Map.of("threads", threads), HEAVY),
                    new Template("train vector", p + "TrainBench\\.(?!mnistTrainStep$)\\w+$", Map.of("backend", List.of("vector"),
                            "threads", threads), MODEL),
                    new Template("train scalar", p + "TrainBench\\.(?!mnistTrainStep$)\\w+$", Map.of("backend", List.of("scalar"),
                            "threads", first), LIGHT));
            case "infer" -> List.of(
                    new Template("infer vector", p + "InferBench\\.", Map.of("backend", List.of("vector"), "threads", threads), MODEL),
                    new Template("infer scalar", p + "InferBench\\.", Map.of("backend", List.of("scalar"), "threads", first), LIGHT));
            default -> throw new IllegalArgumentException("unknown suite " + suite);
        };
    }

    private static List<Template> quickPeerTemplates(String suite, List<String> threads) {
        String peer = Suites.PKG + "Peer\\w*Bench\\.";
        return switch (suite) {
            case "gemm" -> List.of(new Template("gemm peers", peer + "gemm$", Map.of("shape", List.of("64", "256", "1024"),
                    "threads", threads), LIGHT));
            case "conv" -> List.of(new Template("conv peers", peer + Suites.peerMethods("conv") + "$", Map.of("threads", threads), LIGHT));
            case "elementwise" -> List.of(new Template("elementwise peers", peer + Suites.peerMethods("elementwise") + "$",
                    Map.of("size", List.of("1024"), "shape", List.of("32x10"), "threads", threads), LIGHT));
            case "train" -> List.of(new Template("train peers", peer + Suites.peerMethods("train") + "$", Map.of("threads", threads), PEER_MODEL));
            case "infer" -> List.of(new Template("infer peers", peer + Suites.peerMethods("infer") + "$", Map.of("threads", threads), PEER_MODEL));
            default -> throw new IllegalArgumentException("unknown suite " + suite);
        };
    }

    /** JMH ORs its includes; the user's regex narrows the step, so both go into one pattern. */
    static String combine(String include, String user) {
        return user == null ? include : "^(?=.*(" + include + "))(?=.*(" + user + ")).*";
    }

    static List<Bench> matching(List<Bench> available, String include, String user) {
        Pattern p = Pattern.compile(combine(include, user));
        List<Bench> out = new ArrayList<>();
        for (Bench b : available) if (p.matcher(b.name()).find()) out.add(b);
        return out;
    }

    /** The benchmarks JMH's annotation processor listed in this build (META-INF/BenchmarkList on the class path). */
    public static List<Bench> available() {
        PrintStream devNull = new PrintStream(OutputStream.nullOutputStream());
        Collection<BenchmarkListEntry> entries = BenchmarkList.defaultList()
                .find(OutputFormatFactory.createFormatInstance(devNull, VerboseMode.SILENT), List.of(".*"), List.of());
        List<Bench> out = new ArrayList<>();
        for (BenchmarkListEntry e : entries) {
            Map<String, List<String>> params = new TreeMap<>();
            if (e.getParams().hasValue()) for (Map.Entry<String, String[]> p : e.getParams().get().entrySet()) params.put(p.getKey(), List.of(p.getValue()));
            Iter annotated = null;
            if (e.getForks().hasValue() && e.getWarmupIterations().hasValue() && e.getMeasurementIterations().hasValue()) {
                annotated = new Iter(e.getForks().get(), e.getWarmupIterations().get(), sec(e.getWarmupTime().orElse(TimeValue.seconds(10))),
                        e.getMeasurementIterations().get(), sec(e.getMeasurementTime().orElse(TimeValue.seconds(10))));
            }
            out.add(new Bench(e.getUsername(), Map.copyOf(params), annotated));
        }
        return out;
    }

    private static double sec(TimeValue t) {
        return t.convertTo(java.util.concurrent.TimeUnit.MILLISECONDS) / 1000.0;
    }

    static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** "7 min 40 s", "45 s". */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }
}
