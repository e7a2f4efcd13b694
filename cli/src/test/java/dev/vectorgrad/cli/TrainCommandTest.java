package dev.vectorgrad.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    @TempDir
    Path dir;

    private static String[] run(int expectCode, String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream bo = new ByteArrayOutputStream(), be = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bo, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(be, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectCode, TrainCommand.run(args), be.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {bo.toString(StandardCharsets.UTF_8), be.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void jsonLastLineSaveLoadAndPlot() throws Exception {
        Path ck = dir.resolve("lin.safetensors"), png = dir.resolve("curves.png");
        String[] r = run(0, "dense-linreg", "--epochs", "20", "--seed", "3", "--save", ck.toString(), "--plot", png.toString(), "--json", "--quiet");
        String[] lines = r[0].strip().split("\n");
        JsonObject j = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        for (String k : new String[] {"model", "epochs", "train_loss", "test_loss", "test_accuracy", "samples_per_s", "backend", "threads"}) {
            assertTrue(j.has(k), "missing " + k + " in " + j);
        }
        assertEquals("dense-linreg", j.get("model").getAsString());
        assertEquals(20, j.get("epochs").getAsInt());
        assertEquals(2.0, j.get("w").getAsDouble(), 0.1);
        assertTrue(Files.size(ck) > 8 && Files.size(png) > 1000);
        // Loading the checkpoint and training zero epochs keeps the fitted line.
        String[] r2 = run(0, "dense-linreg", "--epochs", "0", "--load", ck.toString(), "--json", "--quiet");
        String[] l2 = r2[0].strip().split("\n");
        JsonObject j2 = JsonParser.parseString(l2[l2.length - 1]).getAsJsonObject();
        assertEquals(j.get("w").getAsDouble(), j2.get("w").getAsDouble(), 1e-12);
    }

    @Test
    void badArgumentsAreRejected() {
        assertTrue(run(2, "nosuch")[1].contains("unknown model"));
        assertTrue(run(2, "linreg", "--epochs")[1].contains("needs a value"));
        assertTrue(run(2, "linreg", "--frobnicate")[1].contains("unknown option"));
        assertTrue(run(1, "mlp", "--data", "/nonexistent.csv", "--quiet")[1].contains("nonexistent"));
    }
}
