package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The kernels use vectors of one shape, the preferred one (the one-shape rule). The JDK's Vector API code is shared by
 * every caller in the JVM, and so are its type profiles. On AVX-512 the F32/F64 conversions and a conv transpose used
 * 256-bit vectors next to everyone else's 512-bit ones, and ConvTrainingAllocationTest found a boxing kernel in 7 of 7
 * runs without diagnostic JVM flags (8.7 KB to 3.4 MB per call, a different kernel each run; in the compilation log of
 * a failing one, C2 had left some Vector API intrinsics as calls); with those two on the preferred shape, 0 of 9. A
 * fixed species or shape in the sources is what brings a second shape in, so this test reads them.
 */
class OneShapeTest {
    private static final Pattern FIXED = Pattern.compile(
            "SPECIES_(?!PREFERRED\\b)\\w+|VectorShape\\.(forBitSize|S_\\w+)|VectorSpecies\\.of\\((?![^)]*vectorShape\\(\\))[^)]*\\)");

    @Test
    void mainSourcesUseThePreferredShapeOnly() throws IOException {
        Path src = Path.of("src/main/java");
        assertTrue(Files.isDirectory(src), "run from the kernels-vector module: " + src.toAbsolutePath());
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = FIXED.matcher(lines.get(i));
                    while (m.find()) found.add(src.relativize(f) + ":" + (i + 1) + " " + m.group());
                }
            }
        }
        assertTrue(found.isEmpty(), "vector species or shapes other than the preferred one: " + found);
    }

    @Test
    void thePatternFindsFixedShapes() {
        for (String bad : List.of("FloatVector.SPECIES_256", "IntVector.SPECIES_MAX", "VectorShape.forBitSize(256)",
                "VectorShape.S_128_BIT", "VectorSpecies.of(float.class, VectorShape.S_256_BIT)")) {
            assertTrue(FIXED.matcher(bad).find(), bad);
        }
        for (String ok : List.of("FloatVector.SPECIES_PREFERRED", "VectorSpecies.of(int.class, FS.vectorShape())")) {
            assertTrue(!FIXED.matcher(ok).find(), ok);
        }
    }
}
