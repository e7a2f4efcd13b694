package dev.vectorgrad.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MachineTest {
    @Test
    void namesTheHostsTheBuildVmsLandOn() {
        assertEquals("Zen 4", Machine.microarchitecture("AuthenticAMD", 25, 17)); // Genoa: sessions 21-23
        assertEquals("Zen 5", Machine.microarchitecture("AuthenticAMD", 26, 2)); // Turin
        assertEquals("Zen 3", Machine.microarchitecture("AuthenticAMD", 25, 1)); // Milan
        assertEquals("Zen 3", Machine.microarchitecture("AuthenticAMD", 25, 0x21));
        assertEquals("Zen 4", Machine.microarchitecture("AuthenticAMD", 25, 0x61)); // Raphael
        assertEquals("Zen 2", Machine.microarchitecture("AuthenticAMD", 23, 0x31)); // Rome
        assertEquals("Skylake-SP / Cascade Lake", Machine.microarchitecture("GenuineIntel", 6, 0x55));
        assertEquals("Sapphire Rapids", Machine.microarchitecture("GenuineIntel", 6, 0x8f));
        assertEquals("", Machine.microarchitecture("GenuineIntel", 6, 0x01));
        assertEquals("", Machine.microarchitecture("", -1, -1));
    }

    @Test
    void readsTheFirstProcessorsBlockOfCpuinfo() {
        String text = """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                cpu family\t: 25
                model\t\t: 17
                model name\t: AMD EPYC 9R14

                processor\t: 1
                vendor_id\t: Other
                model name\t: not this one
                """;
        Map<String, String> m = Machine.cpuinfo(text);
        assertEquals("AuthenticAMD", m.get("vendor_id"));
        assertEquals("25", m.get("cpu family"));
        assertEquals("17", m.get("model"));
        assertEquals("AMD EPYC 9R14", m.get("model name"));
    }

    @Test
    void parsesSysfsCacheSizes() {
        assertEquals(48L << 10, Machine.parseSize("48K"));
        assertEquals(1L << 20, Machine.parseSize("1024K"));
        assertEquals(32L << 20, Machine.parseSize("32M"));
        assertEquals(512, Machine.parseSize("512"));
        assertEquals(0, Machine.parseSize(""));
        assertEquals(0, Machine.parseSize("lots"));
    }

    @Test
    void measuresAPlausibleFmaPeakAndSaysWhatItMeasured() {
        // At least one 128-bit FMA per 2 ns, far below any AVX2 or AVX-512 core and far above a broken count.
        double g = Machine.Fma.peakGflops(0.05);
        assertTrue(Double.isFinite(g) && g > 4 && g < 2000, "FMA peak " + g + " GFLOPS");
        Machine m = new Machine("Test CPU", "AuthenticAMD", 25, 17, "Zen 4", 2, 32 << 10, 1 << 20, 512, 117.6);
        assertEquals("cpu: Test CPU (AuthenticAMD family 25 model 17, Zen 4), 2 cpus, L1d 32 KiB, L2 1024 KiB; "
                + "F32 FMA peak 118 GFLOPS per thread (512-bit vectors, measured)", m.describe());
        assertEquals(117.6, m.toMap().get("fma_peak_gflops"));
    }
}
