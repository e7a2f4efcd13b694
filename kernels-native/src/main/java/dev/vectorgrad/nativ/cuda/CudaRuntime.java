package dev.vectorgrad.nativ.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * libcudart and libcublas bound through the FFM API (no JavaCPP CUDA jars, nothing at build time). The
 * libraries are looked up at first use under their usual names and folders ({@code CUDA_HOME}, {@code
 * CUDA_PATH}, /usr/local/cuda, the system library folders, then the dynamic loader's own search); nothing here
 * throws while probing: {@link #probe()} returns the reason the backend cannot run.
 */
final class CudaRuntime {
    static final int MEMCPY_HOST_TO_DEVICE = 1, MEMCPY_DEVICE_TO_HOST = 2, MEMCPY_DEVICE_TO_DEVICE = 3;
    static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout ADDR = ValueLayout.ADDRESS;

    final String cudartPath;
    final String cublasPath; // null when libcublas was not found
    final int deviceCount;
    private final MethodHandle getDeviceCount, malloc, free, memcpy, deviceSynchronize, getErrorName;
    private final MethodHandle cublasCreate, cublasDestroy, cublasSgemm, cublasDgemm;
    private MemorySegment cublasHandle;

    private CudaRuntime(Found cudart, Found cublas) throws Throwable {
        this.cudartPath = cudart.path;
        this.cublasPath = cublas == null ? null : cublas.path;
        SymbolLookup rt = cudart.lookup;
        getDeviceCount = fn(rt, "cudaGetDeviceCount", FunctionDescriptor.of(INT, ADDR));
        malloc = fn(rt, "cudaMalloc", FunctionDescriptor.of(INT, ADDR, SIZE_T));
        free = fn(rt, "cudaFree", FunctionDescriptor.of(INT, ADDR));
        memcpy = fn(rt, "cudaMemcpy", FunctionDescriptor.of(INT, ADDR, ADDR, SIZE_T, INT));
        deviceSynchronize = fn(rt, "cudaDeviceSynchronize", FunctionDescriptor.of(INT));
        getErrorName = fn(rt, "cudaGetErrorName", FunctionDescriptor.of(ADDR, INT));
        if (cublas != null) {
            SymbolLookup bl = cublas.lookup;
            cublasCreate = fn(bl, "cublasCreate_v2", FunctionDescriptor.of(INT, ADDR));
            cublasDestroy = fn(bl, "cublasDestroy_v2", FunctionDescriptor.of(INT, ADDR));
            // cublasStatus_t cublas?gemm_v2(handle, transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc)
            FunctionDescriptor gemm = FunctionDescriptor.of(INT, ADDR, INT, INT, INT, INT, INT, ADDR, ADDR, INT, ADDR, INT, ADDR, ADDR, INT);
            cublasSgemm = fn(bl, "cublasSgemm_v2", gemm);
            cublasDgemm = fn(bl, "cublasDgemm_v2", gemm);
        } else {
            cublasCreate = cublasDestroy = cublasSgemm = cublasDgemm = null;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(INT);
            int rc = (int) getDeviceCount.invokeExact(n);
            deviceCount = rc == 0 ? n.get(INT, 0) : -rc;
        }
    }

    private static MethodHandle fn(SymbolLookup l, String name, FunctionDescriptor d) {
        MemorySegment s = l.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " not found"));
        return LINKER.downcallHandle(s, d);
    }

    private record Found(String path, SymbolLookup lookup) {}

    // ------------------------------------------------------------------ probing (never throws)

    private static volatile Object state; // CudaRuntime or String (reason)

    /** The runtime, or the reason there is none, probed once. */
    static synchronized Object probe() {
        if (state == null) {
            Object s;
            try {
                s = load();
            } catch (Throwable t) {
                s = "CUDA probe failed: " + t;
            }
            state = s;
        }
        return state;
    }

    /** The runtime with at least one device; throws IllegalStateException with the reason otherwise. */
    static CudaRuntime get() {
        Object s = probe();
        if (s instanceof CudaRuntime rt && rt.deviceCount > 0 && rt.cublasPath != null) return rt;
        throw new IllegalStateException("cuda backend unavailable: " + reason(s));
    }

    static String reason(Object s) {
        if (s instanceof String r) return r;
        CudaRuntime rt = (CudaRuntime) s;
        if (rt.deviceCount < 0) {
            int rc = -rt.deviceCount;
            return "no CUDA device: cudaGetDeviceCount returned " + rc + " (" + rt.errorName(rc) + ") with " + rt.cudartPath;
        }
        if (rt.deviceCount == 0) return "no CUDA device: cudaGetDeviceCount found 0 devices (" + rt.cudartPath + ")";
        if (rt.cublasPath == null) return rt.deviceCount + " CUDA device(s) but libcublas not found";
        return rt.deviceCount + " CUDA device(s); cuBLAS GEMM via " + rt.cublasPath;
    }

    private static Object load() throws Throwable {
        Found rt = find("cudart", new String[] {"libcudart.so", "libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"});
        if (rt == null) return "libcudart not found (looked in CUDA_HOME, CUDA_PATH, /usr/local/cuda*, system library folders, LD_LIBRARY_PATH)";
        Found bl = find("cublas", new String[] {"libcublas.so", "libcublas.so.13", "libcublas.so.12", "libcublas.so.11"});
        return new CudaRuntime(rt, bl);
    }

    private static List<Path> folders() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String env : new String[] {"CUDA_HOME", "CUDA_PATH"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
                dirs.add(Path.of(v, "targets", "x86_64-linux", "lib"));
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        dirs.add(Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));
        try (var s = Files.list(Path.of("/usr/local"))) {
            s.filter(p -> p.getFileName().toString().startsWith("cuda-")).sorted().forEach(p -> dirs.add(p.resolve("lib64")));
        } catch (Exception ignored) {
            // no /usr/local: fine
        }
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        return new ArrayList<>(dirs);
    }

    private static Found find(String what, String[] names) {
        for (Path dir : folders()) {
            for (String n : names) {
                Path p = dir.resolve(n);
                if (Files.isReadable(p)) {
                    Optional<Found> f = tryLoad(p.toString());
                    if (f.isPresent()) return f.get();
                }
            }
        }
        for (String n : names) { // the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache)
            Optional<Found> f = tryLoad(n);
            if (f.isPresent()) return f.get();
        }
        return null;
    }

    private static Optional<Found> tryLoad(String nameOrPath) {
        try {
            return Optional.of(new Found(nameOrPath, SymbolLookup.libraryLookup(nameOrPath, Arena.global())));
        } catch (Throwable e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ calls

    String errorName(int rc) {
        try {
            MemorySegment s = (MemorySegment) getErrorName.invokeExact(rc);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "error " + rc;
        }
    }

    void check(String call, int rc) {
        if (rc != 0) throw new IllegalStateException(call + " failed: " + rc + " (" + errorName(rc) + ")");
    }

    long malloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDR);
            check("cudaMalloc(" + bytes + ")", (int) malloc.invokeExact(p, Math.max(1L, bytes)));
            return p.get(ValueLayout.JAVA_LONG, 0);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cudaMalloc: " + t, t);
        }
    }

    void free(long ptr) {
        try {
            check("cudaFree", (int) free.invokeExact(MemorySegment.ofAddress(ptr)));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cudaFree: " + t, t);
        }
    }

    void memcpy(long dst, long src, long bytes, int kind) {
        try {
            check("cudaMemcpy", (int) memcpy.invokeExact(MemorySegment.ofAddress(dst), MemorySegment.ofAddress(src), bytes, kind));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cudaMemcpy: " + t, t);
        }
    }

    void synchronize() {
        try {
            check("cudaDeviceSynchronize", (int) deviceSynchronize.invokeExact());
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cudaDeviceSynchronize: " + t, t);
        }
    }

    private synchronized MemorySegment handle() throws Throwable {
        if (cublasHandle == null) {
            MemorySegment p = Arena.global().allocate(ADDR);
            check("cublasCreate", (int) cublasCreate.invokeExact(p));
            cublasHandle = p.get(ADDR, 0);
        }
        return cublasHandle;
    }

    /** Column-major cuBLAS GEMM on device pointers; double flag picks Dgemm. */
    void gemm(boolean dbl, int transA, int transB, int m, int n, int k, double alpha, long a, int lda, long b, int ldb,
              double beta, long c, int ldc) {
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment h = handle();
            MemorySegment al, be;
            int rc;
            if (dbl) {
                al = ar.allocateFrom(ValueLayout.JAVA_DOUBLE, alpha);
                be = ar.allocateFrom(ValueLayout.JAVA_DOUBLE, beta);
                rc = (int) cublasDgemm.invokeExact(h, transA, transB, m, n, k, al, MemorySegment.ofAddress(a), lda,
                        MemorySegment.ofAddress(b), ldb, be, MemorySegment.ofAddress(c), ldc);
            } else {
                al = ar.allocateFrom(ValueLayout.JAVA_FLOAT, (float) alpha);
                be = ar.allocateFrom(ValueLayout.JAVA_FLOAT, (float) beta);
                rc = (int) cublasSgemm.invokeExact(h, transA, transB, m, n, k, al, MemorySegment.ofAddress(a), lda,
                        MemorySegment.ofAddress(b), ldb, be, MemorySegment.ofAddress(c), ldc);
            }
            if (rc != 0) throw new IllegalStateException("cublas" + (dbl ? "D" : "S") + "gemm failed with cublasStatus " + rc);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cublas gemm: " + t, t);
        }
    }
}
