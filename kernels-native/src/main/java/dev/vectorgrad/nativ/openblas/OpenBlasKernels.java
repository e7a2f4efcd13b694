package dev.vectorgrad.nativ.openblas;

import dev.vectorgrad.kernels.ForwardingKernels;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;

/**
 * GEMM on OpenBLAS. Row-major cblas: an operand whose column stride is 1 goes as NoTrans with ld = row
 * stride; one whose row stride is 1 goes as Trans with ld = column stride (a transposed view, no copy). A C
 * with unit row stride is handled as C^T = B^T A^T. Views with no unit stride go to the next backend.
 * Thread count follows {@link Parallel#threads()}.
 */
public final class OpenBlasKernels extends ForwardingKernels {
    /** At or below this many multiply-adds the downcall skips the thread-state transition. */
    private static final long CRITICAL_MAX = 64L * 64 * 64;
    private final OpenBlas.Handles h;
    private int threadsSet = -1;

    OpenBlasKernels(OpenBlas.Handles h, Kernels next) {
        super(next);
        this.h = h;
    }

    @Override
    public String name() { return "openblas"; }

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        DType dt = c.dtype();
        if ((dt != DType.F32 && dt != DType.F64) || a.dtype() != dt || b.dtype() != dt) {
            next.gemm(alpha, a, b, beta, c);
            return;
        }
        long ldc = ld(c);
        if (ldc > 0) {
            if (call(dt, alpha, a, b, beta, c)) return;
        } else if (ldc < 0) {
            // Column-major C: compute C^T = B^T A^T, which is row-major.
            if (call(dt, alpha, b.t(), a.t(), beta, c.t())) return;
        }
        next.gemm(alpha, a, b, beta, c);
    }

    /** Leading dimension for op(X) of shape rows x cols, positive = NoTrans, negative = Trans, 0 = cannot. */
    private static long ld(Tensor x) {
        int rows = x.dim(0), cols = x.dim(1);
        long s0 = x.stride(0), s1 = x.stride(1);
        if (s1 == 1 || cols <= 1) {
            long ld = rows <= 1 ? Math.max(1, cols) : s0;
            if (ld >= Math.max(1, cols) && ld <= Integer.MAX_VALUE) return ld;
        }
        if (s0 == 1 || rows <= 1) {
            long ld = cols <= 1 ? Math.max(1, rows) : s1;
            if (ld >= Math.max(1, rows) && ld <= Integer.MAX_VALUE) return -ld;
        }
        return 0;
    }

    private boolean call(DType dt, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        int m = c.dim(0), n = c.dim(1), k = a.dim(1);
        long lda = ld(a), ldb = ld(b), ldc = ld(c);
        if (lda == 0 || ldb == 0 || ldc <= 0) return false;
        if (m == 0 || n == 0) return true;
        int threads = Parallel.threads();
        long work = (long) m * n * k;
        try {
            if (threads != threadsSet) {
                h.setThreads().invokeExact(threads);
                threadsSet = threads;
            }
            int ta = lda > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS, tb = ldb > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS;
            int ia = (int) Math.abs(lda), ib = (int) Math.abs(ldb), ic = (int) ldc;
            long pa = a.address(), pb = b.address(), pc = c.address();
            if (dt == DType.F32) {
                if (work <= CRITICAL_MAX) {
                    h.sgemmCritical().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, (float) alpha, pa, ia, pb, ib, (float) beta, pc, ic);
                } else {
                    h.sgemm().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, (float) alpha, pa, ia, pb, ib, (float) beta, pc, ic);
                }
            } else {
                if (work <= CRITICAL_MAX) {
                    h.dgemmCritical().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, alpha, pa, ia, pb, ib, beta, pc, ic);
                } else {
                    h.dgemm().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, alpha, pa, ia, pb, ib, beta, pc, ic);
                }
            }
            return true;
        } catch (Throwable t) {
            throw new IllegalStateException("OpenBLAS gemm failed for " + m + "x" + k + " @ " + k + "x" + n, t);
        }
    }
}
