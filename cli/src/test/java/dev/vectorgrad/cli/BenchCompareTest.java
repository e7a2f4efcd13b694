package dev.vectorgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code ./vectorgrad bench compare}: the interleaved vector/OpenBLAS comparison prints one row per shape. */
class BenchCompareTest {
    private static String run(int expectCode, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bo, true, StandardCharsets.UTF_8));
        String warm = System.getProperty("warm");
        System.setProperty("warm", "0.3");
        try {
            assertEquals(expectCode, BenchCommand.run(args));
        } finally {
            System.setOut(out);
            if (warm == null) System.clearProperty("warm");
            else System.setProperty("warm", warm);
        }
        return bo.toString(StandardCharsets.UTF_8);
    }

    @Test
    void gemmRowsWithRatios() {
        String out = run(0, "compare", "gemm", "16,32x10x64:NT", "1", "3");
        for (String shape : new String[] {"16", "32x10x64:NT"}) {
            Pattern row = Pattern.compile("(?m)^" + Pattern.quote(shape) + " +1 \\|.*\\| \\d+\\.\\d\\dx \\d+\\.\\d\\dx \\| \\d+$");
            assertTrue(row.matcher(out).find(), "no result row for " + shape + " in:\n" + out);
        }
    }

    @Test
    void unknownKernelPrintsUsage() {
        String out = run(2, "compare", "pool");
        assertTrue(out.contains("usage: ./vectorgrad bench compare gemm"), out);
    }
}
