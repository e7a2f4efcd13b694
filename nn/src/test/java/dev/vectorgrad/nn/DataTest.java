package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.nn.data.Csv;
import dev.vectorgrad.nn.data.DataLoader;
import dev.vectorgrad.nn.data.Dataset;
import dev.vectorgrad.nn.data.Idx;
import dev.vectorgrad.nn.examples.Examples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class DataTest {
    private static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.writeInt(0x0800 | dims.length);
        for (int x : dims) d.writeInt(x);
        d.write(data);
        return bo.toByteArray();
    }

    @Test
    void idxPlainAndGzip() throws IOException {
        byte[] data = {0, 1, 2, (byte) 255, 4, 5};
        byte[] raw = idx(new int[] {2, 3}, data);
        Idx.UBytes a = Idx.read(new ByteArrayInputStream(raw), "plain");
        assertArrayEquals(new int[] {2, 3}, a.dims());
        assertEquals(255, a.get(3));
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) { gz.write(raw); }
        Idx.UBytes b = Idx.read(new ByteArrayInputStream(bo.toByteArray()), "gz");
        assertArrayEquals(data, b.data());
        byte[] truncated = java.util.Arrays.copyOf(raw, raw.length - 2);
        var e = assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(truncated), "t"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(IOException.class, () -> Idx.read(new ByteArrayInputStream(new byte[] {1, 2, 3, 4}), "bad"));
    }

    @Test
    void bundledDigits() throws IOException {
        Dataset d = Examples.digits();
        assertEquals(10000, d.size());
        assertArrayEquals(new int[] {1, 28, 28}, d.featureShape());
        int[] counts = new int[10];
        for (int i = 0; i < d.size(); i++) counts[d.label(i)]++;
        for (int c : counts) assertTrue(c > 800 && c < 1200, "class count " + c);
        // Standardised pixels: 0 maps to -0.1307/0.3081, 255 to (1-0.1307)/0.3081.
        float max = -10, min = 10;
        for (int j = 0; j < 784; j++) {
            max = Math.max(max, d.feature(0, j));
            min = Math.min(min, d.feature(0, j));
        }
        assertEquals(-0.1307f / 0.3081f, min, 1e-5f);
        assertTrue(max > 1.5f && max <= (1 - 0.1307f) / 0.3081f + 1e-5f, "max " + max);
    }

    @Test
    void csvWithHeader() throws IOException {
        Csv c = Csv.read(new StringReader("a, b,y\n1,2,3\n\n4,5.5,-6\n"), "t");
        assertEquals(java.util.List.of("a", "b", "y"), c.header());
        Dataset d = c.toRegression("y");
        assertEquals(2, d.size());
        assertEquals(5.5f, d.feature(1, 1));
        assertEquals(-6f, d.target(1, 0));
        Dataset d2 = c.toRegression("a");
        assertEquals(2f, d2.feature(0, 0));
        var e = assertThrows(IOException.class, () -> Csv.read(new StringReader("a,b\n1,x\n"), "t"));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(IOException.class, () -> Csv.read(new StringReader("a,b\n1\n"), "t"));
        assertThrows(IllegalArgumentException.class, () -> c.toRegression("nope"));
    }

    @Test
    void loaderVisitsEverySampleOncePerEpoch() {
        qt().withExamples(40).forAll(integers().between(1, 60), integers().between(1, 17), longs().all()).checkAssert((n, batch, seed) -> {
            float[] x = new float[n * 2];
            int[] l = new int[n];
            for (int i = 0; i < n; i++) { x[2 * i] = i; x[2 * i + 1] = -i; l[i] = i; }
            Dataset ds = Dataset.classification(x, new int[] {2}, l);
            try (DataLoader dl = new DataLoader(ds, batch, true, new Rng(seed))) {
                for (int epoch = 0; epoch < 2; epoch++) {
                    boolean[] seen = new boolean[n];
                    int batches = 0;
                    for (DataLoader.Batch b : dl) {
                        batches++;
                        assertEquals(b.size(), b.x().dim(0));
                        for (int i = 0; i < b.size(); i++) {
                            int id = b.y().getInt(i);
                            assertTrue(!seen[id]);
                            seen[id] = true;
                            assertEquals(id, b.x().getFloat(i, 0));
                            assertEquals(-id, b.x().getFloat(i, 1));
                        }
                    }
                    assertEquals(dl.batchCount(), batches);
                    for (boolean s : seen) assertTrue(s);
                }
            }
        });
    }

    @Test
    void seededShuffleSplitAndStandardisation() {
        int n = 50;
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) { x[i] = 3 * i + 7; y[i] = i; }
        Dataset ds = Dataset.regression(x, new int[] {1}, y, 1);
        Dataset[] a = ds.split(0.2, new Rng(4)), b = ds.split(0.2, new Rng(4));
        assertEquals(40, a[0].size());
        assertEquals(10, a[1].size());
        for (int i = 0; i < 10; i++) assertEquals(a[1].target(i, 0), b[1].target(i, 0));
        Dataset s = ds.standardize(ds.fitStandardizer());
        double mean = 0, sq = 0;
        for (int i = 0; i < n; i++) mean += s.feature(i, 0);
        for (int i = 0; i < n; i++) sq += s.feature(i, 0) * s.feature(i, 0);
        assertEquals(0, mean / n, 1e-5);
        assertEquals(1, sq / n, 1e-5);
    }
}
