package dev.vectorgrad.nativ.cuda;

import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Shapes;
import java.util.Arrays;

/** Entry points of the CUDA backend on device-resident tensors. Every call checks shapes and dtypes first. */
public final class Cuda {
    private Cuda() {}

    /** True when libcudart, libcublas and at least one device were found. */
    public static boolean isAvailable() {
        Object s = CudaRuntime.probe();
        return s instanceof CudaRuntime rt && rt.deviceCount > 0 && rt.cublasPath != null;
    }

    /** Why the backend is (un)available, e.g. "no CUDA device: cudaGetDeviceCount returned 100 (cudaErrorNoDevice)". */
    public static String reason() {
        return CudaRuntime.reason(CudaRuntime.probe());
    }

    /** Waits for all work queued on the device. */
    public static void synchronize() {
        CudaRuntime.get().synchronize();
    }

    /**
     * c = alpha * a @ b + beta * c for row-major device matrices a [m, k], b [k, n], c [m, n] (cuBLAS; queued,
     * call {@link #synchronize()} or copy c to the host to wait). Row-major C = A B is column-major
     * C^T = B^T A^T, so cuBLAS gets (b, a) with n, m swapped and no transposition.
     */
    public static void gemm(double alpha, DeviceTensor a, DeviceTensor b, double beta, DeviceTensor c) {
        int[] as = a.shape(), bs = b.shape(), cs = c.shape();
        if (as.length != 2 || bs.length != 2 || cs.length != 2 || as[1] != bs[0] || cs[0] != as[0] || cs[1] != bs[1]) {
            throw new IllegalArgumentException("cuda gemm: " + Shapes.str(as) + " @ " + Shapes.str(bs) + " does not fit output " + Shapes.str(cs));
        }
        if (a.dtype() != b.dtype() || a.dtype() != c.dtype()) {
            throw new IllegalArgumentException("cuda gemm: dtypes differ: " + a.dtype() + ", " + b.dtype() + ", " + c.dtype());
        }
        int m = as[0], k = as[1], n = bs[1];
        if (m == 0 || n == 0) return;
        CudaRuntime rt = CudaRuntime.get();
        rt.gemm(a.dtype() == DType.F64, CudaRuntime.CUBLAS_OP_N, CudaRuntime.CUBLAS_OP_N, n, m, k, alpha, b.ptr(), Math.max(1, n),
                a.ptr(), Math.max(1, k), beta, c.ptr(), Math.max(1, n));
    }

    private static void same(String op, DeviceTensor a, DeviceTensor b) {
        if (a.dtype() != b.dtype() || !Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("cuda " + op + ": " + a.dtype() + " " + Shapes.str(a.shape()) + " and "
                    + b.dtype() + " " + Shapes.str(b.shape()) + " must have the same dtype and shape");
        }
    }

    private static int dt(DeviceTensor t) { return t.dtype() == DType.F32 ? 0 : 1; }

    /** out = op(x) on the device (queued; our .cu kernels). */
    public static void unary(UnaryOp op, DeviceTensor x, DeviceTensor out) {
        same("unary", x, out);
        CudaKernelsLib k = CudaKernelsLib.get();
        try {
            CudaKernelsLib.check("unary", (int) k.unary.invokeExact(dt(x), op.ordinal(), CudaKernelsLib.ptr(x.ptr()), CudaKernelsLib.ptr(out.ptr()), x.numel()));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** out = op(a, b) on the device, same shapes (queued). */
    public static void binary(BinaryOp op, DeviceTensor a, DeviceTensor b, DeviceTensor out) {
        same("binary", a, out);
        same("binary", b, out);
        CudaKernelsLib k = CudaKernelsLib.get();
        try {
            CudaKernelsLib.check("binary", (int) k.binary.invokeExact(dt(a), op.ordinal(), CudaKernelsLib.ptr(a.ptr()), CudaKernelsLib.ptr(b.ptr()),
                    CudaKernelsLib.ptr(out.ptr()), a.numel()));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Softmax (or log-softmax) over the last axis on the device (queued). */
    public static void softmax(boolean log, DeviceTensor x, DeviceTensor out) {
        same(log ? "logSoftmax" : "softmax", x, out);
        int[] s = x.shape();
        if (s.length == 0) throw new IllegalArgumentException("cuda softmax needs rank >= 1");
        long n = s[s.length - 1], rows = n == 0 ? 0 : x.numel() / n;
        if (rows > Integer.MAX_VALUE) throw new IllegalArgumentException("cuda softmax: too many rows " + rows);
        CudaKernelsLib k = CudaKernelsLib.get();
        try {
            CudaKernelsLib.check("softmax", (int) k.softmax.invokeExact(dt(x), log ? 1 : 0, CudaKernelsLib.ptr(x.ptr()), CudaKernelsLib.ptr(out.ptr()), rows, n));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
