package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static Sequential model(long seed) {
        Scope p = Scope.shared();
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(p, 3, 2, rng), new ReLU(), new Linear(p, 2, 1, rng), BatchNorm.batchNorm1d(p, 1));
    }

    @Test
    void roundTrip() throws IOException {
        Sequential a = model(1), b = model(2);
        Path f = dir.resolve("m.safetensors");
        Safetensors.save(f, a);
        long len = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, len % 8);
        assertTrue(!java.util.Arrays.equals(a.stateDict().get("0.weight").toFloatArray(), b.stateDict().get("0.weight").toFloatArray()));
        Safetensors.loadInto(f, b);
        for (var e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
    }

    /** A file laid out the way Python's safetensors writes it: keys sorted, "__metadata__", raw LE floats. */
    @Test
    void loadsAFileInPyTorchsLayout() throws IOException {
        String header = "{\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]},"
                + "\"2.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[32,36]},"
                + "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[36,44]},"
                + "\"__metadata__\":{\"format\":\"pt\"}}";
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 44).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        float[] vals = {0.5f, -0.5f, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        for (float v : vals) b.putFloat(v);
        Path f = dir.resolve("torch.safetensors");
        Files.write(f, b.array());
        Scope p = Scope.shared();
        Rng rng = new Rng(3);
        Sequential m = new Sequential(new Linear(p, 3, 2, rng), new ReLU(), new Linear(p, 2, 1, rng));
        Safetensors.loadInto(f, m);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, m.stateDict().get("0.weight").toFloatArray());
        assertArrayEquals(new float[] {0.5f, -0.5f}, m.stateDict().get("0.bias").toFloatArray());
        assertArrayEquals(new float[] {8, 9}, m.stateDict().get("2.weight").toFloatArray());
        try (Scope s = Scope.open()) {
            Map<String, Tensor> raw = Safetensors.load(f, s);
            assertEquals(4, raw.size());
            // relu(W x + b) for x = (1, 0, 0): (1.5, 3.5) -> 8 * 1.5 + 9 * 3.5 + 7
            m.eval();
            assertEquals(8 * 1.5 + 9 * 3.5 + 7, m.forward(Tensor.of(new float[] {1, 0, 0}, 1, 3)).getFlat(0), 1e-5);
        }
    }

    /** Written by Python's safetensors 0.8.0 (see README.txt next to the file). */
    @Test
    void loadsAFileWrittenByPythonSafetensors() throws Exception {
        Path f = Path.of(SafetensorsTest.class.getResource("python-written.safetensors").toURI());
        Scope p = Scope.shared();
        Rng rng = new Rng(3);
        Sequential m = new Sequential(new Linear(p, 3, 2, rng), new ReLU(), new Linear(p, 2, 1, rng));
        Safetensors.loadInto(f, m);
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, m.stateDict().get("0.weight").toFloatArray());
        assertArrayEquals(new float[] {0.5f, -0.5f}, m.stateDict().get("0.bias").toFloatArray());
        assertArrayEquals(new float[] {8, 9}, m.stateDict().get("2.weight").toFloatArray());
        assertArrayEquals(new float[] {7}, m.stateDict().get("2.bias").toFloatArray());
    }

    @Test
    void mismatchesAreListed() throws IOException {
        Path f = dir.resolve("m.safetensors");
        Safetensors.save(f, model(1));
        Scope p = Scope.shared();
        Rng rng = new Rng(3);
        Sequential other = new Sequential(new Linear(p, 4, 2, rng), new ReLU(), new Linear(p, 2, 1, rng));
        float[] before = other.stateDict().get("0.weight").toFloatArray();
        var e = assertThrows(IllegalArgumentException.class, () -> Safetensors.loadInto(f, other));
        String msg = e.getMessage();
        assertTrue(msg.contains("'0.weight': file has F32 [2, 3], model has F32 [2, 4]"), msg);
        assertTrue(msg.contains("unexpected '3.running_mean'"), msg);
        assertArrayEquals(before, other.stateDict().get("0.weight").toFloatArray());
        Files.write(f, new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> Safetensors.loadInto(f, other));
    }
}
