package dev.vectorgrad.bench.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GemmShapeTest {
    @Test
    void parsesSquareRectangularAndTransposedShapes() {
        assertEquals(new GemmShape(256, 256, 256, false, false), GemmShape.parse("256"));
        assertEquals(new GemmShape(32, 5408, 64, false, false), GemmShape.parse("32x5408x64"));
        GemmShape tn = GemmShape.parse("5408x32x64:TN");
        assertEquals(new GemmShape(5408, 32, 64, true, false), tn);
        assertArrayEquals(new int[] {32, 5408}, tn.storedA()); // A is stored KxM and used transposed
        assertArrayEquals(new int[] {32, 64}, tn.storedB());
        GemmShape nt = GemmShape.parse("32x64x5408:NT");
        assertArrayEquals(new int[] {32, 64}, nt.storedA());
        assertArrayEquals(new int[] {5408, 64}, nt.storedB());
        assertEquals(2L * 32 * 5408 * 64, GemmShape.parse("32x5408x64").flops());
    }

    @Test
    void parsesBatches() {
        assertEquals(new GemmShape(64, 16, 16, 16, false, false), GemmShape.parse("64*16"));
        GemmShape b = GemmShape.parse("32*64x48x80:NT");
        assertEquals(new GemmShape(32, 64, 48, 80, false, true), b);
        assertEquals(2L * 32 * 64 * 48 * 80, b.flops());
        assertEquals(1, GemmShape.parse("1*8").batch());
    }

    @Test
    void rejectsMalformedShapesNamingThem() {
        for (String bad : new String[] {"", "0", "32x64", "32x64x10:XN", "32x64x10:N", "axbxc", "4x4x4:NN:TT", "-3", "0*16", "x*16", "*16", "4*"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmShape.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") || e.getMessage().contains(">= 1"), e.getMessage());
        }
    }
}
