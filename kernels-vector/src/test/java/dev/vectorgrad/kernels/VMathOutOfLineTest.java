package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every VMath-using kernel (and the fused RELU/IDENTITY activations beside them) allocates nothing once warm, even
 * where C2 compiled it with a VMath call out of line. Two forked JVMs run {@link ShortRowsProfileProbe} (rows
 * shorter than a vector first, so the vector loops' call sites look cold to C2, then rows of 100, measured until
 * quiet): one as it comes, one with {@code -XX:CompileCommand=dontinline} on VMath, which makes every VMath call a
 * real call. Before VMath took its vectors through memory, the first reported 16 ops boxing (2-10 KB per call) and
 * a full suite could fail ConvTrainingAllocationTest at random; a vector passed to an out-of-line VMath function
 * fails the second outright. Each JVM takes a few seconds when nothing allocates, at most a minute otherwise.
 */
class VMathOutOfLineTest {
    @Test
    void kernelsAllocateNothingWithColdCallSitesOrVMathNeverInlined() throws Exception {
        CompletableFuture<String> asIs = fork(), outOfLine = fork("-XX:CompileCommand=quiet",
                "-XX:CompileCommand=dontinline,dev.vectorgrad.kernels.VMath::*");
        assertEquals("none", asIs.get(300, TimeUnit.SECONDS), "ops allocating (B/call) after a short-row warm-up");
        assertEquals("none", outOfLine.get(300, TimeUnit.SECONDS), "ops allocating (B/call) with VMath never inlined");
    }

    /** Runs ShortRowsProfileProbe 5 10 in a new JVM with these options; what it reports as allocating. */
    private static CompletableFuture<String> fork(String... opts) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(List.of(opts));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dvectorgrad.quiet=true", "-cp", System.getProperty("java.class.path"), ShortRowsProfileProbe.class.getName(), "5", "10"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        return CompletableFuture.supplyAsync(() -> {
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(300, TimeUnit.SECONDS), "forked JVM did not finish: " + cmd);
                assertEquals(0, p.exitValue(), "forked JVM failed: " + cmd + "\n" + out);
                String mark = "allocating after warm-up (B/call): ";
                int at = out.lastIndexOf(mark);
                assertTrue(at >= 0, "no report from the probe:\n" + out);
                return out.substring(at + mark.length()).trim();
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
    }
}
