package dev.vectorgrad.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU a benchmark ran on, so that runs on different hosts are not compared as if on one. This project's 2-core
 * build VMs report "AMD EPYC" with AVX-512 on hosts of two kinds: Zen 4 (family 25, model 17), which runs a 512-bit FMA
 * as two 256-bit halves (F32 FMA peak ~118 GFLOPS per core), and one with whole 512-bit FMAs (~230; earlier notes call
 * it Zen 5). The same GEMM ran at ~100 GFLOPS per core on the first and ~180 on the second (bench/README.md, session
 * 23), and which of the two a session had decided whether issue 3's large sizes met their target.
 * {@link #fmaPeakGflops()} measures the difference directly: the F32 multiply-add rate of one thread with independent
 * accumulators in the preferred species, the ceiling any F32 kernel's GFLOPS sits under on that host (0 bits and NaN
 * when the JVM runs without {@code jdk.incubator.vector}).
 */
public record Machine(String modelName, String vendor, int family, int model, String microarchitecture, int cpus,
        long l1dBytes, long l2Bytes, int vectorBits, double fmaPeakGflops) {

    /** Reads /proc/cpuinfo and sysfs where they exist (fields stay empty, -1 or 0 elsewhere) and measures the FMA peak. */
    public static Machine detect() {
        Map<String, String> cpu = cpuinfo(read(Path.of("/proc/cpuinfo")));
        String vendor = cpu.getOrDefault("vendor_id", "");
        int family = parseInt(cpu.get("cpu family")), model = parseInt(cpu.get("model"));
        String name = cpu.getOrDefault("model name", System.getProperty("os.arch"));
        Path cache = Path.of("/sys/devices/system/cpu/cpu0/cache");
        int bits = 0;
        double peak = Double.NaN;
        try {
            bits = Fma.bits();
            peak = Fma.peakGflops(0.3);
        } catch (LinkageError e) {
            // no jdk.incubator.vector in this JVM: identify the CPU without the measurement
        }
        return new Machine(name, vendor, family, model, microarchitecture(vendor, family, model),
                Runtime.getRuntime().availableProcessors(), cacheBytes(cache, 1, "Data"), cacheBytes(cache, 2, "Unified"), bits,
                peak);
    }

    /** One line for a benchmark's notes and {@code ./vectorgrad info}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("cpu: ").append(modelName);
        if (family >= 0) sb.append(String.format(Locale.ROOT, " (%s family %d model %d", vendor, family, model))
                .append(microarchitecture.isEmpty() ? "" : ", " + microarchitecture).append(')');
        sb.append(", ").append(cpus).append(cpus == 1 ? " cpu" : " cpus");
        if (l1dBytes > 0) sb.append(", L1d ").append(l1dBytes >> 10).append(" KiB");
        if (l2Bytes > 0) sb.append(", L2 ").append(l2Bytes >> 10).append(" KiB");
        if (Double.isNaN(fmaPeakGflops)) sb.append("; FMA peak not measured (no jdk.incubator.vector)");
        else sb.append(String.format(Locale.ROOT, "; F32 FMA peak %.0f GFLOPS per thread (%d-bit vectors, measured)", fmaPeakGflops,
                vectorBits));
        return sb.toString();
    }

    /**
     * The microarchitecture that a vendor, family and model name, for the families these benchmarks have met or are
     * likely to (AMD Zen, Intel's AVX-2 and AVX-512 server cores); empty when not known. Numbers as /proc/cpuinfo
     * gives them (decimal there, hexadecimal here as in the vendors' tables).
     */
    static String microarchitecture(String vendor, int family, int model) {
        if ("AuthenticAMD".equals(vendor)) {
            return switch (family) {
                case 0x17 -> model >= 0x30 ? "Zen 2" : "Zen / Zen+";
                case 0x19 -> model <= 0x0f || model >= 0x20 && model <= 0x5f ? "Zen 3" : "Zen 4";
                case 0x1a -> "Zen 5";
                default -> "";
            };
        }
        if ("GenuineIntel".equals(vendor) && family == 6) {
            return switch (model) {
                case 0x3f, 0x3c, 0x45, 0x46 -> "Haswell";
                case 0x4f, 0x56, 0x3d, 0x47 -> "Broadwell";
                case 0x55 -> "Skylake-SP / Cascade Lake";
                case 0x6a, 0x6c -> "Ice Lake-SP";
                case 0x8f -> "Sapphire Rapids";
                case 0xcf -> "Emerald Rapids";
                case 0xad, 0xae -> "Granite Rapids";
                default -> "";
            };
        }
        return "";
    }

    static Map<String, String> cpuinfo(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) break; // the first processor's block
            int colon = line.indexOf(':');
            if (colon > 0) out.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        return out;
    }

    /** The size of cpu0's cache of a level and type, from sysfs ("48K", "1024K"); 0 when not there. */
    private static long cacheBytes(Path dir, int level, String type) {
        for (int i = 0; i < 8; i++) {
            Path idx = dir.resolve("index" + i);
            if (!Files.isDirectory(idx)) break;
            if (read(idx.resolve("level")).trim().equals(String.valueOf(level)) && read(idx.resolve("type")).trim().equals(type)) {
                return parseSize(read(idx.resolve("size")).trim());
            }
        }
        return 0;
    }

    static long parseSize(String s) {
        if (s.isEmpty()) return 0;
        char u = Character.toUpperCase(s.charAt(s.length() - 1));
        long mul = u == 'K' ? 1L << 10 : u == 'M' ? 1L << 20 : u == 'G' ? 1L << 30 : 1;
        try {
            return Long.parseLong(Character.isDigit(u) ? s : s.substring(0, s.length() - 1)) * mul;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int parseInt(String s) {
        try {
            return s == null ? -1 : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The measurement, apart so that {@link Machine} loads in a JVM without the Vector API module. */
    static final class Fma {
        private Fma() {}

        static volatile float sunk;

        static int bits() {
            return FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }

        /**
         * F32 multiply-adds per second of the calling thread, in GFLOPS (2 per lane): twelve independent accumulators
         * in the preferred species (enough to cover 4-cycle latency on two FMA pipes), after a warm-up that lets C2
         * compile the loop. About {@code seconds} of wall time.
         */
        static double peakGflops(double seconds) {
            VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
            float sink = 0;
            long n = 1 << 16;
            for (int i = 0; i < 20; i++) sink += fmaLoop(n);
            double best = 0;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            n = 1 << 20;
            do {
                long t = System.nanoTime();
                sink += fmaLoop(n);
                double sec = (System.nanoTime() - t) / 1e9;
                best = Math.max(best, 12.0 * 2 * s.length() * n / sec / 1e9);
            } while (System.nanoTime() < end);
            sunk = sink; // keeps the loops' results live
            return best;
        }

        private static float fmaLoop(long n) {
            VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
            FloatVector m = FloatVector.broadcast(s, 0.9999999f), c = FloatVector.broadcast(s, 1e-7f);
            FloatVector a0 = FloatVector.broadcast(s, 0.1f), a1 = FloatVector.broadcast(s, 0.2f), a2 = FloatVector.broadcast(s, 0.3f),
                    a3 = FloatVector.broadcast(s, 0.4f), a4 = FloatVector.broadcast(s, 0.5f), a5 = FloatVector.broadcast(s, 0.6f),
                    a6 = FloatVector.broadcast(s, 0.7f), a7 = FloatVector.broadcast(s, 0.8f), a8 = FloatVector.broadcast(s, 0.9f),
                    a9 = FloatVector.broadcast(s, 1.0f), a10 = FloatVector.broadcast(s, 1.1f), a11 = FloatVector.broadcast(s, 1.2f);
            for (long i = 0; i < n; i++) {
                a0 = a0.fma(m, c);
                a1 = a1.fma(m, c);
                a2 = a2.fma(m, c);
                a3 = a3.fma(m, c);
                a4 = a4.fma(m, c);
                a5 = a5.fma(m, c);
                a6 = a6.fma(m, c);
                a7 = a7.fma(m, c);
                a8 = a8.fma(m, c);
                a9 = a9.fma(m, c);
                a10 = a10.fma(m, c);
                a11 = a11.fma(m, c);
            }
            return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(
                    VectorOperators.ADD);
        }
    }

    /** For JSON output. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_name", modelName);
        m.put("vendor", vendor);
        m.put("family", family);
        m.put("model", model);
        m.put("microarchitecture", microarchitecture);
        m.put("cpus", cpus);
        m.put("l1d_bytes", l1dBytes);
        m.put("l2_bytes", l2Bytes);
        m.put("vector_bits", vectorBits);
        m.put("fma_peak_gflops", Double.isNaN(fmaPeakGflops) ? null : Math.round(fmaPeakGflops * 10) / 10.0);
        return m;
    }

    /** Prints {@link #describe()}. */
    public static void main(String[] args) {
        System.out.println(detect().describe());
    }
}
