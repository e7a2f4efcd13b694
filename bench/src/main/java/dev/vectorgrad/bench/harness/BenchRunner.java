package dev.vectorgrad.bench.harness;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs a suite through JMH's Runner API in forked JVMs with the class path of the calling JVM (the CLI's) and
 * the flags our code needs, with the GC profiler on; writes jmh.json, summary.json, summary.md, the charts and
 * (with --json) jmh.log under OUT/&lt;timestamp&gt;/.
 */
public final class BenchRunner {
    /** JVM flags every forked benchmark JVM gets. */
    public static final List<String> FORK_JVM_ARGS = List.of(
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
            "--sun-misc-unsafe-memory-access=allow", // JMH's own use of Unsafe, keeps its warnings out of the log
            "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1", "-Djava.awt.headless=true");

    private BenchRunner() {}

    public record Outcome(Path dir, BenchSummary summary, List<Path> charts) {}

    public static Outcome run(BenchOptions o, PrintStream out, PrintStream err) throws IOException, RunnerException {
        Path dir = o.outDir().resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        Path raw = dir.resolve("jmh.json");
        int defaultThreads = Runtime.getRuntime().availableProcessors();
        List<String> notes = new ArrayList<>();
        if (o.peers() && !peersBuilt() && o.from().isEmpty()) {
            notes.add("peers djl-pytorch, nd4j: not in this build; build them once with 'mvn -Ppeers -pl cli -am -DskipTests package' "
                    + "(downloads DJL/libtorch and ND4J, ~330 MB; the ./vectorgrad launcher rebuilds without them when sources change)");
            err.println("[bench] " + notes.get(0));
        }
        if (o.from().size() == 1) {
            Files.copy(o.from().get(0), raw);
        } else if (!o.from().isEmpty()) {
            JsonArray merged = new JsonArray();
            for (Path f : o.from()) merged.addAll(JsonParser.parseString(Files.readString(f)).getAsJsonArray());
            writeRaw(raw, merged);
        } else {
            RunPlan plan = plan(o);
            if (plan.steps().isEmpty()) {
                throw new IOException("no benchmark of suite '" + o.suite() + "' is in this build (classes matching "
                        + Suites.includes(o.suite(), o.peers()) + (o.include() == null ? "" : " and '" + o.include() + "'") + ")");
            }
            err.print("[bench] " + plan.describe());
            // Which host: the build VMs land on hosts about 2x apart in F32 throughput (Machine).
            String cpu = Machine.detect().describe();
            notes.add(cpu);
            err.println("[bench] " + cpu);
            double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            if (load >= 0) {
                String machine = String.format(Locale.ROOT, "machine: %d cores, load average %.1f at the start%s", defaultThreads, load,
                        load > 0.5 * defaultThreads ? " (other work is running: timings are disturbed and the run takes longer than "
                                + "estimated; compare only ratios within this run)" : "");
                notes.add(machine);
                err.println("[bench] " + machine);
            }
            Path log = dir.resolve("jmh.log");
            JsonArray merged = new JsonArray();
            long t0 = System.nanoTime();
            try (OutputStream logFile = Files.newOutputStream(log)) {
                PrintStream jmhOut = new PrintStream(o.json() ? logFile : new TeeStream(logFile, out), true);
                if (o.json()) err.println("[bench] running JMH, log in " + log);
                int runs = plan.steps().size() * plan.passes(), i = 0;
                for (int pass = 1; pass <= plan.passes(); pass++) {
                    for (RunPlan.Step step : plan.steps()) {
                        i++;
                        long s0 = System.nanoTime();
                        err.printf(Locale.ROOT, "[bench] run %d/%d%s: %s%n", i, runs, plan.passes() > 1 ? " (pass " + pass + ")" : "", step);
                        Path stepJson = dir.resolve("jmh-" + i + ".json");
                        try {
                            new Runner(options(step, stepJson), OutputFormatFactory.createFormatInstance(jmhOut, VerboseMode.NORMAL)).run();
                        } catch (RunnerException e) {
                            if (String.valueOf(e.getMessage()).contains("JMH lock")) {
                                // JMH allows one run per machine (/tmp/jmh.lock): say so instead of an empty table.
                                throw new IOException("another JMH run holds /tmp/jmh.lock on this machine (two runs would disturb each "
                                        + "other's timings): wait for it to finish, or add -Djmh.ignoreLock=true to the java command line");
                            }
                            err.println("[bench] run " + i + " (" + step.label() + ") failed: " + e.getMessage());
                        }
                        if (Files.exists(stepJson)) {
                            merged.addAll(JsonParser.parseString(Files.readString(stepJson)).getAsJsonArray());
                            Files.delete(stepJson);
                        }
                        err.printf(Locale.ROOT, "[bench] run %d/%d took %s (estimated %s); %s so far of %s estimated%n", i, runs,
                                RunPlan.duration((System.nanoTime() - s0) / 1e9), RunPlan.duration(step.estimateSeconds()),
                                RunPlan.duration((System.nanoTime() - t0) / 1e9), RunPlan.duration(plan.estimateSeconds()));
                    }
                }
                jmhOut.flush();
            }
            writeRaw(raw, merged);
            List<String> failed = RunLog.notes(RunLog.failures(Files.readString(log)));
            for (String n : failed) err.println("[bench] " + n);
            notes.addAll(failed);
            err.println("[bench] all runs took " + RunPlan.duration((System.nanoTime() - t0) / 1e9) + " (estimated "
                    + RunPlan.duration(plan.estimateSeconds()) + ")");
        }
        BenchSummary summary = BenchSummary.fromJmhJson(o.suite(), Files.readString(raw), defaultThreads).withNotes(notes);
        if (summary.rows().isEmpty()) {
            err.println("[bench] no results: no benchmark of suite '" + o.suite() + "' ran (classes missing from this build?)");
        }
        Files.writeString(dir.resolve("summary.json"), summary.toJson() + "\n");
        Files.writeString(dir.resolve("summary.md"), summary.markdown());
        List<Path> charts = summary.rows().isEmpty() ? List.of() : BenchChart.write(summary, dir);
        return new Outcome(dir, summary, charts);
    }

    private static void writeRaw(Path raw, JsonArray merged) throws IOException {
        Files.writeString(raw, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(merged) + "\n");
    }

    /** What a run with these options would execute, over the benchmarks of this build. */
    public static RunPlan plan(BenchOptions o) {
        return RunPlan.build(o, RunPlan.available());
    }

    static org.openjdk.jmh.runner.options.Options options(RunPlan.Step step, Path result) {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(step.include())
                .shouldFailOnError(false)
                .jvmArgsAppend(java.util.stream.Stream.concat(FORK_JVM_ARGS.stream(), step.jvmArgs().stream()).toArray(String[]::new))
                .addProfiler(GCProfiler.class)
                .resultFormat(ResultFormatType.JSON)
                .result(result.toString());
        for (Map.Entry<String, List<String>> p : step.params().entrySet()) b.param(p.getKey(), p.getValue().toArray(String[]::new));
        RunPlan.Iter it = step.iter();
        if (it != null) {
            b.forks(it.forks()).warmupIterations(it.warmups()).warmupTime(millis(it.warmupSec()))
                    .measurementIterations(it.measurements()).measurementTime(millis(it.measurementSec()));
        }
        return b.build();
    }

    private static TimeValue millis(double seconds) {
        return TimeValue.milliseconds(Math.round(seconds * 1000));
    }

    /** Writes to two streams (JMH's output to the terminal and to jmh.log). */
    static final class TeeStream extends OutputStream {
        private final OutputStream a, b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
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
