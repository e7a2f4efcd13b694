package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Same inputs, same bits, whether the kernels run interpreted or compiled by C2: a forked {@code -Xint} JVM and
 * this JVM after warming the kernels up must agree bit for bit. (With {@code reduceLanes(ADD)}, whose lane order
 * is unspecified, they did not, and seeded training runs drifted apart.)
 */
class DeterminismTest {
    @Test
    void interpretedAndCompiledKernelsGiveTheSameBits() throws Exception {
        int saved = Parallel.threads();
        Parallel.setThreads(1);
        Map<String, String> compiled;
        try {
            long end = System.nanoTime() + 8_000_000_000L;
            for (int i = 0; i < 400 && System.nanoTime() < end; i++) DeterminismProbe.run();
            compiled = DeterminismProbe.run();
        } finally {
            Parallel.setThreads(saved);
        }
        assertEquals("vector", Backends.kernels().name(), "the probe must exercise the vector kernels");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xint", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Dvectorgrad.quiet=true",
                "-cp", System.getProperty("java.class.path"), DeterminismProbe.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "forked JVM did not finish");
        assertEquals(0, p.exitValue(), "forked JVM failed:\n" + out);
        Map<String, String> interpreted = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("backend=")) assertEquals("backend=vector", line.trim());
            else if (eq > 0 && !line.startsWith("WARNING")) interpreted.put(line.substring(0, eq), line.substring(eq + 1).trim());
        }
        assertTrue(out.contains("backend=vector"), out);
        assertEquals(compiled, interpreted);
    }
}
