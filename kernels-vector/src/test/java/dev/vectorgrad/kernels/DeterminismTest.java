package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Same inputs, same bits, whether the kernels run interpreted, under C1 or compiled by C2: a forked {@code -Xint}
 * JVM, a forked C2-only JVM ({@code -XX:-TieredCompilation -Xbatch}: a kernel is compiled by C2 after 100 calls, and
 * the caller waits for the compilation, so after the warm-up every kernel runs C2 code whatever the load on the
 * machine) and this JVM (tiered, mostly C1 at this point) must agree bit for bit. With {@code reduceLanes(ADD)}
 * (lane order unspecified) or {@code lanewise(EXP/LOG/LOG1P/TANH)} (a vector stub under C2, Math.* per lane before)
 * they did not, and seeded training runs drifted apart (checked: lanewise(TANH) back in the fused bias+tanh loops, or
 * lanewise(LOG1P) back in F32 BCE, fails this test). (An in-process warm-up is not enough: on a loaded 2-core machine
 * C2's queue left the kernels at tier 2/3 for over 20 s, and the test passed on the old code.)
 */
class DeterminismTest {
    @Test
    void interpretedC1AndC2KernelsGiveTheSameBits() throws Exception {
        CompletableFuture<Map<String, String>> interpreted = fork("-Xint");
        CompletableFuture<Map<String, String>> compiled = fork("-XX:-TieredCompilation", "-Xbatch", "-XX:CompileThreshold=100", "400");
        int saved = Parallel.threads();
        Parallel.setThreads(1);
        Map<String, String> here;
        try {
            here = DeterminismProbe.run();
        } finally {
            Parallel.setThreads(saved);
        }
        assertEquals("vector", Backends.kernels().name(), "the probe must exercise the vector kernels");
        Map<String, String> xint = interpreted.get(300, TimeUnit.SECONDS), c2 = compiled.get(300, TimeUnit.SECONDS);
        assertEquals(xint, c2, "-Xint vs C2");
        assertEquals(xint, here, "-Xint vs this JVM");
    }

    /** Runs DeterminismProbe in a new JVM with these options (a trailing number: its warm-up calls); its lines. */
    private static CompletableFuture<Map<String, String>> fork(String... opts) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        String warm = null;
        for (String o : opts) {
            if (o.startsWith("-")) cmd.add(o);
            else warm = o;
        }
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dvectorgrad.quiet=true", "-cp", System.getProperty("java.class.path"), DeterminismProbe.class.getName()));
        if (warm != null) cmd.add(warm);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        return CompletableFuture.supplyAsync(() -> {
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(300, TimeUnit.SECONDS), "forked JVM did not finish: " + cmd);
                assertEquals(0, p.exitValue(), "forked JVM failed: " + cmd + "\n" + out);
                assertTrue(out.contains("backend=vector"), out);
                Map<String, String> lines = new LinkedHashMap<>();
                for (String line : out.split("\n")) {
                    int eq = line.indexOf('=');
                    if (eq > 0 && !line.startsWith("WARNING") && !line.startsWith("backend=")) {
                        lines.put(line.substring(0, eq), line.substring(eq + 1).trim());
                    }
                }
                return lines;
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
    }
}
