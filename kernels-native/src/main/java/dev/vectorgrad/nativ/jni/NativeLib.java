package dev.vectorgrad.nativ.jni;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The JNI entry points of {@code libvectorgrad_native.so} and its loader. The library travels in the jar under
 * {@code native/linux-x86_64/}; at first use it is extracted once into {@code ~/.cache/vectorgrad/<version>-<hash>/}
 * (written to a temporary file in that folder, then renamed atomically, so JVMs starting together never load a
 * half-written file) and loaded with {@link System#load}. {@code -Dvectorgrad.native.lib=/path/to/lib.so} loads a
 * given file instead. Loading never throws: {@link #available()} and {@link #reason()} say what happened.
 *
 * <p>The methods take raw addresses of off-heap segments and trust them completely: only {@link JniKernels},
 * which checks liveness, dtypes, contiguity and shapes first, calls them. dt is 0 for F32 and 1 for F64.
 */
final class NativeLib {
    static final String PLATFORM = "linux-x86_64";
    static final String LIB = "libvectorgrad_native.so";
    private static final boolean LOADED;
    private static final String REASON;

    static {
        boolean ok = false;
        String reason;
        try {
            Path p = locate();
            System.load(p.toString());
            reason = "C++ kernels via JNI, " + info() + " clones selected at load, from " + p;
            ok = true;
        } catch (Unavailable e) {
            reason = e.getMessage();
        } catch (Throwable t) {
            reason = "failed to load " + LIB + ": " + t;
        }
        LOADED = ok;
        REASON = reason;
    }

    private NativeLib() {}

    static boolean available() { return LOADED; }

    static String reason() { return REASON; }

    private static final class Unavailable extends Exception {
        Unavailable(String msg) { super(msg, null, false, false); }
    }

    private static Path locate() throws Unavailable, IOException {
        String override = System.getProperty("vectorgrad.native.lib");
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            if (!Files.isReadable(p)) throw new Unavailable("vectorgrad.native.lib=" + override + " is not a readable file");
            return p.toAbsolutePath();
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new Unavailable("no native library for " + os + "/" + arch + " (only " + PLATFORM + " is built)");
        }
        byte[] bytes;
        try (InputStream in = NativeLib.class.getResourceAsStream("/native/" + PLATFORM + "/" + LIB)) {
            if (in == null) {
                throw new Unavailable(LIB + " not packaged (the C++ build was skipped: cmake or a C++ compiler was "
                        + "missing when kernels-native was built; see cpp/build.sh)");
            }
            bytes = in.readAllBytes();
        }
        String version = "dev";
        try (InputStream in = NativeLib.class.getResourceAsStream("/native/version.txt")) {
            if (in != null) version = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        String dirName = version + "-" + sha256(bytes).substring(0, 12);
        IOException last = null;
        for (Path base : cacheBases()) {
            try {
                return extract(base.resolve(dirName), bytes);
            } catch (IOException e) {
                last = e;
            }
        }
        throw new Unavailable("cannot extract " + LIB + " to a cache folder: " + last);
    }

    private static Path[] cacheBases() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path home = xdg != null && !xdg.isBlank() ? Path.of(xdg, "vectorgrad")
                : Path.of(System.getProperty("user.home"), ".cache", "vectorgrad");
        return new Path[] {home, Path.of(System.getProperty("java.io.tmpdir"), "vectorgrad-" + System.getProperty("user.name", "user"))};
    }

    /** Writes the library once per version and content; safe when several JVMs do it at the same time. */
    static Path extract(Path dir, byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(LIB);
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length
                && sha256(Files.readAllBytes(target)).equals(sha256(bytes))) {
            return target;
        }
        Path tmp = Files.createTempFile(dir, LIB + ".", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ entry points (see cpp/src/vectorgrad_native.cpp)

    /** The ISA the CPU offers to the multiversioned functions: avx512, avx2+fma or sse2. */
    static native String info();

    static native void unary(int dt, int op, long x, long out, long n);

    static native void binary(int dt, int op, long a, long b, long out, long n);

    static native void binaryScalar(int dt, int op, long a, double s, long out, long n);

    static native void fill(int dt, long out, long n, double v);

    /** a, b of dtype dt (0 F32, 1 F64); out of outDt (0 F32, 1 F64, 2 I32) gets 1 or 0. */
    static native void compare(int dt, int op, long a, long b, int outDt, long out, long n);

    /** out = cond != 0 ? a : b, all of dtype dt. */
    static native void where(int dt, long cond, long a, long b, long out, long n);

    /** dst = src converted (0 F32, 1 F64, 2 I32; to I32 as Java's (int) cast does). */
    static native void copy(int srcDt, long src, int dstDt, long dst, long n);

    static native double reduceAll(int dt, int op, long x, long n);

    /** x seen as [outer, n, inner]; out [outer, inner] with outDt 0 F32, 1 F64, 2 I32. */
    static native void reduce(int dt, int op, long x, long outer, long n, long inner, int outDt, long out);

    static native void softmax(int dt, boolean log, long x, long outer, long n, long inner, long out);

    static native void gemm(int dt, long m, long n, long k, double alpha, long a, long lda, boolean ta, long b, long ldb,
                            boolean tb, double beta, long c, long ldc);

    /** geom = {N, C, H, W, K, KH, KW, OH, OW, strideH, strideW, padH, padW, dilationH, dilationW}. */
    static native void conv2d(int dt, int[] geom, long x, long w, long bias, long out);

    static native void conv2dBackwardData(int dt, int[] geom, long gradOut, long w, long gradIn);

    static native void conv2dBackwardWeight(int dt, int[] geom, long x, long gradOut, long gradW, long gradBias);

    /** geom = {N, C, H, W, OH, OW, kernelH, kernelW, strideH, strideW, padH, padW}. */
    static native void maxPool2d(int dt, int[] geom, long x, long out, long argmax);

    static native void maxPool2dBackward(int dt, int[] geom, long gradOut, long argmax, long gradIn);

    static native void avgPool2d(int dt, int[] geom, long x, long out);

    static native void avgPool2dBackward(int dt, int[] geom, long gradOut, long gradIn);

    static native double softmaxCrossEntropy(int dt, long logits, long labels, long n, long c, double scale, long grad);

    static native double softmaxCrossEntropyProbs(int dt, long logits, long targets, long n, long c, double scale, long grad);

    static native double bceWithLogits(int dt, long logits, long targets, long n, double scale, long grad);

    static native double mse(int dt, long pred, long target, long n, double scale, long grad);

    static native void sgdUpdate(int dt, long p, long g, long buf, long n, double lr, double momentum, double dampening,
                                 boolean nesterov, double weightDecay);

    static native void adamUpdate(int dt, long p, long g, long m, long v, long n, double lr, double beta1, double beta2,
                                  double eps, double weightDecay, boolean decoupled, double bc1, double bc2);

    static native void rmsPropUpdate(int dt, long p, long g, long sq, long buf, long n, double lr, double alpha, double eps,
                                     double momentum, double weightDecay);

    static native void adadeltaUpdate(int dt, long p, long g, long sq, long acc, long n, double lr, double rho, double eps,
                                      double weightDecay);

    /** x, out seen as [outer, channels, inner]; bias [channels] or 0. */
    static native void biasActivation(int dt, long x, long bias, long outer, long channels, long inner, int act, long out);

    static native void activationBackward(int dt, int act, long y, long gradOut, long gradIn, long n);
}
