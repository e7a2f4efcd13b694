package dev.vectorgrad.nativ.openblas;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * FFM downcalls into the OpenBLAS that ships inside org.bytedeco:openblas. JavaCPP's Loader extracts and
 * loads the native library (System.load, so the symbols are visible through {@link SymbolLookup#loaderLookup()});
 * we then bind cblas_sgemm / cblas_dgemm / openblas_set_num_threads ourselves and pass the tensors' native
 * addresses (pointers declared as JAVA_LONG: same register class on x86-64 and aarch64, and no
 * MemorySegment slice per call).
 */
final class OpenBlas {
    static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private OpenBlas() {}

    /** Bound handles, or the reason the library could not be loaded. */
    record Handles(MethodHandle sgemm, MethodHandle dgemm, MethodHandle sgemmCritical, MethodHandle dgemmCritical,
                   MethodHandle sgemmBatch, MethodHandle dgemmBatch, MethodHandle setThreads, String config) {}

    private static final Object LOCK = new Object();
    private static Handles handles;
    private static String failure;

    /** Loads once; returns null and leaves {@link #failure()} set if it cannot. Never throws. */
    static Handles handles() {
        synchronized (LOCK) {
            if (handles != null || failure != null) return handles;
            try {
                handles = load();
            } catch (Throwable t) {
                String msg = t.getMessage() == null ? "" : ": " + t.getMessage().lines().findFirst().orElse("");
                failure = "OpenBLAS could not be loaded (" + t.getClass().getSimpleName() + msg + ")";
            }
            return handles;
        }
    }

    static String failure() {
        synchronized (LOCK) {
            return failure;
        }
    }

    private static Handles load() throws Throwable {
        String jniPath = org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        if (lookup.find("cblas_sgemm").isEmpty() && jniPath != null) {
            // Not visible through the loader: open the extracted libopenblas next to the JNI library.
            Path dir = Path.of(jniPath).getParent();
            try (Stream<Path> files = Files.list(dir)) {
                Optional<Path> lib = files.filter(p -> p.getFileName().toString().startsWith("libopenblas")).findFirst();
                if (lib.isEmpty()) throw new IllegalStateException("no libopenblas next to " + jniPath);
                lookup = SymbolLookup.libraryLookup(lib.get(), java.lang.foreign.Arena.global());
            }
        }
        Linker linker = Linker.nativeLinker();
        ValueLayout I = ValueLayout.JAVA_INT, P = ValueLayout.JAVA_LONG;
        FunctionDescriptor sd = FunctionDescriptor.ofVoid(I, I, I, I, I, I, ValueLayout.JAVA_FLOAT, P, I, P, I,
                ValueLayout.JAVA_FLOAT, P, I);
        FunctionDescriptor dd = FunctionDescriptor.ofVoid(I, I, I, I, I, I, ValueLayout.JAVA_DOUBLE, P, I, P, I,
                ValueLayout.JAVA_DOUBLE, P, I);
        MemorySegment s = find(lookup, "cblas_sgemm"), d = find(lookup, "cblas_dgemm");
        // critical: no thread-state transition (tens of ns per call); used only for small products so a
        // long call never holds up a safepoint.
        Linker.Option crit = Linker.Option.critical(false);
        MethodHandle setThreads = linker.downcallHandle(find(lookup, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(I));
        String config = "";
        Optional<MemorySegment> cfg = lookup.find("openblas_get_config");
        if (cfg.isPresent()) {
            MethodHandle h = linker.downcallHandle(cfg.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
            MemorySegment str = (MemorySegment) h.invokeExact();
            config = str.reinterpret(256).getString(0).trim();
        }
        // cblas_?gemm_batch_strided (recent OpenBLAS; 0.3.31 has it): one call for a batch of evenly spaced matrices, which
        // OpenBLAS splits over its threads by matrix. Null where the library lacks it (a loop of gemm calls then).
        FunctionDescriptor sbd = FunctionDescriptor.ofVoid(I, I, I, I, I, I, ValueLayout.JAVA_FLOAT, P, I, I, P, I, I,
                ValueLayout.JAVA_FLOAT, P, I, I, I);
        FunctionDescriptor dbd = FunctionDescriptor.ofVoid(I, I, I, I, I, I, ValueLayout.JAVA_DOUBLE, P, I, I, P, I, I,
                ValueLayout.JAVA_DOUBLE, P, I, I, I);
        MethodHandle sb = lookup.find("cblas_sgemm_batch_strided").map(f -> linker.downcallHandle(f, sbd)).orElse(null);
        MethodHandle db = lookup.find("cblas_dgemm_batch_strided").map(f -> linker.downcallHandle(f, dbd)).orElse(null);
        return new Handles(linker.downcallHandle(s, sd), linker.downcallHandle(d, dd),
                linker.downcallHandle(s, sd, crit), linker.downcallHandle(d, dd, crit), sb, db, setThreads, config);
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " not found"));
    }
}
