package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Without jdk.incubator.vector the library still works, on the scalar backend, and says why in one line. */
class NoVectorModuleTest {
    @Test
    void runsOnScalarWithoutTheIncubatorModule() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = Files.createTempFile("vectorgrad-novector", ".err");
        try {
            // Deliberately no --add-modules jdk.incubator.vector; native access enabled only to keep stderr clean.
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    ScalarOnlyMain.class.getName())
                    .redirectError(err.toFile())
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "forked JVM did not finish");
            List<String> errLines = Files.readAllLines(err);
            assertEquals(0, p.exitValue(), "forked JVM failed: " + out + "\n" + String.join("\n", errLines));
            // 1..6 plus (10, 20, 30) twice: 21 + 120 = 141; each softmax row sums to 1.
            assertEquals("backend=scalar sum=141.0 softmaxRows=2", out);
            List<String> reasons = errLines.stream().filter(l -> l.contains("jdk.incubator.vector")).toList();
            assertEquals(1, reasons.size(), "expected exactly one line naming the reason, stderr was:\n" + String.join("\n", errLines));
            assertTrue(reasons.get(0).contains("--add-modules jdk.incubator.vector"), reasons.get(0));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
