package dev.vectorgrad.bench.harness;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a suite through JMH's Runner API in forked JVMs with the class path of the calling JVM (the CLI's) and
 * the flags our code needs, with the GC profiler on; writes jmh.json, summary.json, summary.md, the charts and
 * (with --json) jmh.log under OUT/&lt;timestamp&gt;/.
 */
public final class BenchRunner {
    /** JVM flags every forked benchmark JVM gets. */
    public static final List<String> FORK_JVM_ARGS = List.of(
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
            "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1", "-Djava.awt.headless=true");

    private BenchRunner() {}

    public record Outcome(Path dir, BenchSummary summary, List<Path> charts) {}

    public static Outcome run(BenchOptions o, PrintStream out, PrintStream err) throws IOException, RunnerException {
        Path dir = o.outDir().resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        Path raw = dir.resolve("jmh.json");
        int defaultThreads = Runtime.getRuntime().availableProcessors();
        if (o.peers() && !peersBuilt()) {
            err.println("[bench] --peers: the peer benchmarks are not in this build; build them once with "
                    + "'mvn -Ppeers -pl cli -am -DskipTests package' (downloads DJL/libtorch and ND4J, ~330 MB)");
        }
        if (o.from() != null) {
            Files.copy(o.from(), raw);
        } else {
            ChainedOptionsBuilder b = new OptionsBuilder()
                    .shouldFailOnError(false)
                    .jvmArgsAppend(FORK_JVM_ARGS.toArray(String[]::new))
                    .addProfiler(GCProfiler.class)
                    .resultFormat(ResultFormatType.JSON)
                    .result(raw.toString());
            List<String> includes = Suites.includes(o.suite(), o.peers());
            if (o.include() == null) {
                for (String inc : includes) b.include(inc);
            } else {
                // JMH ORs its includes; the user's regex narrows the suite, so both go into one pattern.
                b.include("^(?=.*(" + String.join("|", includes) + "))(?=.*(" + o.include() + ")).*");
            }
            List<String> t = new ArrayList<>();
            for (int x : o.threads()) t.add(Integer.toString(x));
            b.param("threads", t.toArray(String[]::new));
            for (Map.Entry<String, List<String>> p : o.params().entrySet()) b.param(p.getKey(), p.getValue().toArray(String[]::new));
            if (o.quick()) {
                b.forks(1).warmupIterations(2).warmupTime(TimeValue.milliseconds(300))
                        .measurementIterations(3).measurementTime(TimeValue.milliseconds(300));
            }
            if (o.json()) {
                b.output(dir.resolve("jmh.log").toString());
                err.println("[bench] running JMH, log in " + dir.resolve("jmh.log"));
            }
            try {
                new Runner(b.build()).run();
            } catch (RunnerException e) {
                if (String.valueOf(e.getMessage()).contains("No benchmarks to run")) {
                    throw new IOException("no benchmark of suite '" + o.suite() + "' is in this build (classes matching "
                            + includes + (o.include() == null ? "" : " and '" + o.include() + "'") + ")");
                }
                throw e;
            }
            if (!Files.exists(raw)) throw new IOException("JMH wrote no result file (no benchmark matched suite '" + o.suite() + "'?)");
        }
        BenchSummary summary = BenchSummary.fromJmhJson(o.suite(), Files.readString(raw), defaultThreads);
        if (summary.rows().isEmpty()) {
            err.println("[bench] no results: no benchmark of suite '" + o.suite() + "' ran (classes missing from this build?)");
        }
        Files.writeString(dir.resolve("summary.json"), summary.toJson() + "\n");
        Files.writeString(dir.resolve("summary.md"), summary.markdown());
        List<Path> charts = summary.rows().isEmpty() ? List.of() : BenchChart.write(summary, dir);
        return new Outcome(dir, summary, charts);
    }

    /** True when the peer classes (built only with -Ppeers) are on the class path. */
    static boolean peersBuilt() {
        try {
            Class.forName("dev.vectorgrad.bench.PeerDjlBench", false, BenchRunner.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
