package dev.vectorgrad.nativ.cuda;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Our own .cu kernels ({@code cpp/cuda/vectorgrad_cuda.cu}, libvectorgrad_cuda.so, built by CMake with
 * -DVG_CUDA=ON when nvcc is present) bound through FFM. Optional: {@link #get()} throws with the reason when the
 * library was not built or cannot load; probing never throws. {@code -Dvectorgrad.cuda.lib=path} overrides.
 */
final class CudaKernelsLib {
    private static final String LIB = "libvectorgrad_cuda.so";
    private static volatile Object state; // CudaKernelsLib or String

    final MethodHandle unary, binary, softmax;

    private CudaKernelsLib(SymbolLookup l) {
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfLong j = ValueLayout.JAVA_LONG;
        var a = ValueLayout.ADDRESS;
        unary = linker.downcallHandle(l.find("vg_cuda_unary").orElseThrow(), FunctionDescriptor.of(i, i, i, a, a, j));
        binary = linker.downcallHandle(l.find("vg_cuda_binary").orElseThrow(), FunctionDescriptor.of(i, i, i, a, a, a, j));
        softmax = linker.downcallHandle(l.find("vg_cuda_softmax").orElseThrow(), FunctionDescriptor.of(i, i, i, a, a, j, j));
    }

    static synchronized Object probe() {
        if (state == null) {
            Object s;
            try {
                s = load();
            } catch (Throwable t) {
                s = "CUDA kernels failed to load: " + t;
            }
            state = s;
        }
        return state;
    }

    static CudaKernelsLib get() {
        CudaRuntime.get(); // needs libcudart loaded and a device first
        Object s = probe();
        if (s instanceof CudaKernelsLib k) return k;
        throw new IllegalStateException("cuda kernels unavailable: " + s);
    }

    private static Object load() throws Exception {
        String override = System.getProperty("vectorgrad.cuda.lib");
        Path p;
        if (override != null && !override.isBlank()) {
            p = Path.of(override);
        } else {
            try (InputStream in = CudaKernelsLib.class.getResourceAsStream("/native/linux-x86_64/" + LIB)) {
                if (in == null) return LIB + " not packaged (built only when nvcc is present and -DVG_CUDA=ON is given to CMake)";
                byte[] bytes = in.readAllBytes();
                Path dir = Path.of(System.getProperty("java.io.tmpdir"), "vectorgrad-cuda-" + Integer.toHexString(java.util.Arrays.hashCode(bytes)));
                Files.createDirectories(dir);
                p = dir.resolve(LIB);
                if (!Files.isRegularFile(p) || Files.size(p) != bytes.length) {
                    Path tmp = Files.createTempFile(dir, LIB, ".tmp");
                    Files.write(tmp, bytes);
                    Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return new CudaKernelsLib(SymbolLookup.libraryLookup(p, Arena.global()));
    }

    static void check(String what, int rc) {
        if (rc != 0) throw new IllegalStateException(what + " launch failed: cudaError " + rc);
    }

    static MemorySegment ptr(long p) { return MemorySegment.ofAddress(p); }
}
