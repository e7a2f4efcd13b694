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
 * The kernels use vectors of one shape, the preferred one (DESIGN, "one shape"). The JDK's Vector API code is shared
 * by every caller in the JVM, and so are its type profiles: when a second shape's vector classes (Float256Vector
 * next to Float512Vector on AVX-512) went through it, C2 compiled our kernels against mixed profiles, some Vector API
 * intrinsics were left as calls and boxed (ConvTrainingAllocationTest on AVX-512: 8.7 KB to 3.4 MB per call in a
 * different kernel each run, in 7 of 7 runs without diagnostic JVM flags; 0 of 9 after the F32/F64 conversions and
 * the conv transpose went to the preferred shape). A fixed species or shape in the sources is what brings a second shape in, so this reads them.
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
