package dev.vectorgrad.nativ.jni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library cache: extraction is idempotent and safe when several loaders race (as two JVMs would). */
class NativeLibExtractTest {
    @Test
    void racingExtractionsLeaveOneCompleteFileAndNoTemporaries(@TempDir Path dir) throws Exception {
        byte[] lib = new byte[3 << 20];
        new SplittableRandom(1).nextBytes(lib);
        int racers = 6;
        CyclicBarrier start = new CyclicBarrier(racers);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    Path p = NativeLib.extract(dir.resolve("v1-abc"), lib);
                    // Whatever a racer gets back must already be complete.
                    assertArrayEquals(lib, Files.readAllBytes(p));
                    return p;
                }));
            }
            Path first = results.get(0).get();
            for (Future<Path> f : results) assertEquals(first, f.get());
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> s = Files.list(dir.resolve("v1-abc"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertEquals(List.of(NativeLib.LIB), names, "only the library is left, no temporary files");
        }
        // A second run with the file already there does not rewrite it.
        Path p = dir.resolve("v1-abc").resolve(NativeLib.LIB);
        long before = Files.getLastModifiedTime(p).toMillis();
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(before - 60_000));
        NativeLib.extract(dir.resolve("v1-abc"), lib);
        assertEquals(before - 60_000, Files.getLastModifiedTime(p).toMillis());
        // A corrupt (truncated) cached file is replaced.
        Files.write(p, new byte[10]);
        NativeLib.extract(dir.resolve("v1-abc"), lib);
        assertArrayEquals(lib, Files.readAllBytes(p));
    }

    @Test
    void reasonIsNeverEmpty() {
        assertTrue(NativeLib.reason() != null && !NativeLib.reason().isBlank());
    }
}
