package dev.vectorgrad.nativ.openblas;

import dev.vectorgrad.kernels.Activation;
import dev.vectorgrad.kernels.BatchedGemm;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.ForwardingKernels;
import dev.vectorgrad.kernels.Im2col;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * GEMM, and conv2d (forward: im2col + GEMM per image; backward data: GEMM + col2im; backward weight: im2col +
 * GEMM accumulated over the batch, the bias gradient as a GEMM with a ones vector) on OpenBLAS. 1x1 stride-1
 * unpadded convolutions skip im2col/col2im. Row-major cblas: an operand whose column
 * stride is 1 goes as NoTrans with ld = row stride; one whose row stride is 1 goes as Trans with ld = column
 * stride (a transposed view, no copy). A C with unit row stride is handled as C^T = B^T A^T. Views with no
 * unit stride and non-contiguous conv operands go to the next backend.
 *
 * <p>Every call checks liveness and shapes in Java before the downcall (OpenBLAS trusts its arguments).
 *
 * <p>Threads: OpenBLAS runs its own pool. We set its size with {@code openblas_set_num_threads} to
 * {@code -Dvectorgrad.openblas.threads=N} when given, else to {@link Parallel#threads()} (our pool's size, so
 * the two never ask for more cores than one of them would). The pools do not nest: OpenBLAS is only called
 * from the caller's thread (conv2d runs the images one after another, each GEMM threaded inside OpenBLAS),
 * never from our {@link Parallel} workers, and while OpenBLAS works the caller waits, so our pool is idle.
 */
public final class OpenBlasKernels extends ForwardingKernels {
    /** At or below this many multiply-adds the downcall skips the thread-state transition. */
    private static final long CRITICAL_MAX = 64L * 64 * 64;
    private static final ThreadLocal<Tensor[]> COL = ThreadLocal.withInitial(() -> new Tensor[2]);
    private static final ThreadLocal<Tensor[]> ONES = ThreadLocal.withInitial(() -> new Tensor[2]);
    private final OpenBlas.Handles h;
    private final boolean gemmOn, convOn;
    private int threadsSet = -1;

    /** gemmOn / convOn: which of the two ops this instance sends to OpenBLAS (the other is forwarded). */
    OpenBlasKernels(OpenBlas.Handles h, Kernels next, boolean gemmOn, boolean convOn) {
        super(next);
        this.h = h;
        this.gemmOn = gemmOn;
        this.convOn = convOn;
    }

    @Override
    public String name() { return "openblas"; }

    /** The thread count OpenBLAS is given: -Dvectorgrad.openblas.threads, else our pool's size. */
    public static int threads() {
        Integer forced = Integer.getInteger("vectorgrad.openblas.threads");
        return forced != null && forced > 0 ? forced : Parallel.threads();
    }

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        if (!gemmOn) {
            next.gemm(alpha, a, b, beta, c);
            return;
        }
        a.checkAlive();
        b.checkAlive();
        c.checkAlive();
        Shapes.checkGemm(a, b, c);
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

    /**
     * Batched GEMM without views: when each operand's matrices are evenly spaced ({@link BatchedGemm#step}), one
     * cblas_?gemm_batch_strided call, which OpenBLAS splits over its threads by matrix; otherwise one gemm call per
     * matrix at its address. Layouts gemm cannot take run through the default (a gemm per matrix, each forwarded).
     */
    @Override
    public void gemmBatched(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        DType dt = c.dtype();
        if (!gemmOn || (dt != DType.F32 && dt != DType.F64) || a.dtype() != dt || b.dtype() != dt) {
            next.gemmBatched(alpha, a, b, beta, c);
            return;
        }
        a.checkAlive();
        b.checkAlive();
        c.checkAlive();
        checkBatched(a, b, c);
        int ra = a.rank(), rb = b.rank(), rc = c.rank();
        int m = c.dim(rc - 2), n = c.dim(rc - 1), k = a.dim(ra - 1);
        long count = BatchedGemm.count(c);
        if (count == 0 || m == 0 || n == 0) return;
        long as0 = a.stride(ra - 2), as1 = a.stride(ra - 1), bs0 = b.stride(rb - 2), bs1 = b.stride(rb - 1);
        long cs0 = c.stride(rc - 2), cs1 = c.stride(rc - 1);
        long ldc = ld(m, n, cs0, cs1);
        if (ldc > 0) {
            if (batch(dt, count, m, n, k, alpha, a, ld(m, k, as0, as1), b, ld(k, n, bs0, bs1), beta, c, ldc)) return;
        } else if (ldc < 0) {
            // Column-major C: C^T = B^T A^T, row-major.
            if (batch(dt, count, n, m, k, alpha, b, ld(n, k, bs1, bs0), a, ld(k, m, as1, as0), beta, c, ld(n, m, cs1, cs0))) return;
        }
        super.gemmBatched(alpha, a, b, beta, c);
    }

    /** The shapes gemmBatched's contract promises, checked again: OpenBLAS reads wherever the addresses point. */
    private static void checkBatched(Tensor a, Tensor b, Tensor c) {
        int ra = a.rank(), rb = b.rank(), rc = c.rank();
        boolean ok = ra >= 2 && rb >= 2 && rc >= Math.max(ra, rb) && a.dim(ra - 1) == b.dim(rb - 2)
                && c.dim(rc - 2) == a.dim(ra - 2) && c.dim(rc - 1) == b.dim(rb - 1)
                && BatchedGemm.broadcastsTo(a, c) && BatchedGemm.broadcastsTo(b, c);
        if (!ok) {
            throw new IllegalArgumentException("gemmBatched: shapes " + Shapes.str(a.shape()) + " @ " + Shapes.str(b.shape())
                    + " do not give " + Shapes.str(c.shape()));
        }
    }

    /**
     * Row-major C_i = alpha op(X_i) op(Y_i) + beta C_i over c's batch, X's matrices rows x k (ldx as for raw), Y's
     * k x cols. False (nothing done) when a layout has no leading dimension.
     */
    private boolean batch(DType dt, long count, int rows, int cols, int k, double alpha, Tensor x, long ldx, Tensor y, long ldy,
                          double beta, Tensor c, long ldc) {
        if (ldx == 0 || ldy == 0 || ldc <= 0) return false;
        long sx = BatchedGemm.step(x, c), sy = BatchedGemm.step(y, c), sc = BatchedGemm.step(c, c);
        long bytes = dt.byteSize();
        Scope.acquire(x, y, c);
        try {
            long px = x.segment().address(), py = y.segment().address(), pc = c.segment().address();
            MethodHandle strided = dt == DType.F32 ? h.sgemmBatch() : h.dgemmBatch();
            // OpenBLAS forms matrix i's address as base + i * stride in its 32-bit int: strides and their last
            // products must fit. And up to 0.3.31 at least, a DYNAMIC_ARCH build (JavaCPP's) jumps to an unresolved
            // small-matrix kernel for matrices of at most 100^3 multiply-adds and crashes the JVM (fixed upstream by
            // OpenMathLib/OpenBLAS#5980, August 2026): those run as a gemm per matrix.
            boolean smallKernelBug = (double) rows * cols * k <= 1e6 && h.config().contains("DYNAMIC_ARCH");
            if (strided != null && !smallKernelBug && count <= Integer.MAX_VALUE && fitsInt(sx, count) && fitsInt(sy, count) && fitsInt(sc, count)) {
                syncThreads();
                int ta = ldx > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS, tb = ldy > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS;
                int ix = (int) Math.abs(ldx), iy = (int) Math.abs(ldy);
                long ax = px + x.offset() * bytes, ay = py + y.offset() * bytes, ac = pc + c.offset() * bytes;
                stridedCalls++;
                if (dt == DType.F32) {
                    strided.invokeExact(OpenBlas.ROW_MAJOR, ta, tb, rows, cols, k, (float) alpha, ax, ix, (int) sx, ay, iy, (int) sy,
                            (float) beta, ac, (int) ldc, (int) sc, (int) count);
                } else {
                    strided.invokeExact(OpenBlas.ROW_MAJOR, ta, tb, rows, cols, k, alpha, ax, ix, (int) sx, ay, iy, (int) sy,
                            beta, ac, (int) ldc, (int) sc, (int) count);
                }
                return true;
            }
            for (long i = 0; i < count; i++) {
                raw(dt, rows, cols, k, alpha, px + BatchedGemm.offset(x, c, i, sx) * bytes, ldx, py + BatchedGemm.offset(y, c, i, sy) * bytes,
                        ldy, beta, pc + BatchedGemm.offset(c, c, i, sc) * bytes, (int) ldc);
            }
            return true;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("OpenBLAS gemm_batch_strided failed for " + count + " x " + rows + "x" + k + " @ " + k + "x" + cols, t);
        } finally {
            Scope.release(x, y, c);
        }
    }

    /** Batches handed to cblas_?gemm_batch_strided so far, on any thread (not synchronized: tests read it to see which way a batch went). */
    static long stridedCalls;

    /** Whether step and (count - 1) * step fit in a non-negative int. */
    private static boolean fitsInt(long step, long count) {
        return step >= 0 && step <= Integer.MAX_VALUE && (count - 1) * step <= Integer.MAX_VALUE;
    }

    /** Leading dimension for op(X) of shape rows x cols, positive = NoTrans, negative = Trans, 0 = cannot. */
    private static long ld(Tensor x) {
        return ld(x.dim(0), x.dim(1), x.stride(0), x.stride(1));
    }

    private static long ld(int rows, int cols, long s0, long s1) {
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
        Scope.acquire(a, b, c);
        try {
            raw(dt, m, n, k, alpha, a.address(), lda, b.address(), ldb, beta, c.address(), (int) ldc);
        } finally {
            Scope.release(a, b, c);
        }
        return true;
    }

    /** Gives OpenBLAS the thread count {@link #threads()} names, when it changed since the last call. */
    private void syncThreads() throws Throwable {
        int threads = threads();
        if (threads != threadsSet) {
            h.setThreads().invokeExact(threads);
            threadsSet = threads;
        }
    }

    /** Row-major C[m,n] = alpha op(A) op(B) + beta C; a negative ld means that operand is transposed. */
    private void raw(DType dt, int m, int n, int k, double alpha, long pa, long lda, long pb, long ldb, double beta, long pc, int ldc) {
        long work = (long) m * n * k;
        try {
            syncThreads();
            int ta = lda > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS, tb = ldb > 0 ? OpenBlas.NO_TRANS : OpenBlas.TRANS;
            int ia = (int) Math.abs(lda), ib = (int) Math.abs(ldb);
            if (dt == DType.F32) {
                if (work <= CRITICAL_MAX) {
                    h.sgemmCritical().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, (float) alpha, pa, ia, pb, ib, (float) beta, pc, ldc);
                } else {
                    h.sgemm().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, (float) alpha, pa, ia, pb, ib, (float) beta, pc, ldc);
                }
            } else {
                if (work <= CRITICAL_MAX) {
                    h.dgemmCritical().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, alpha, pa, ia, pb, ib, beta, pc, ldc);
                } else {
                    h.dgemm().invokeExact(OpenBlas.ROW_MAJOR, ta, tb, m, n, k, alpha, pa, ia, pb, ib, beta, pc, ldc);
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException("OpenBLAS gemm failed for " + m + "x" + k + " @ " + k + "x" + n, t);
        }
    }

    // ------------------------------------------------------------------ conv2d forward: im2col + GEMM

    private static void shape(String op, String what, Tensor t, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + what + " has shape " + Shapes.str(t.shape()) + " but must be " + Shapes.str(expected));
        }
    }

    /** Per-thread grow-only column buffer in the global scope (no allocation in steady state). */
    private static Tensor colBuffer(DType dt, long elements) {
        Tensor[] bufs = COL.get();
        int d = dt == DType.F32 ? 0 : 1;
        Tensor t = bufs[d];
        if (t == null || t.numel() < elements) {
            long n = Math.max(elements, t == null ? 0 : t.numel() * 3 / 2);
            t = Tensor.zeros(Scope.global(), dt, Math.toIntExact(Math.max(n, 1)));
            bufs[d] = t;
        }
        return t;
    }

    /** {N, C, H, W, K, KH, KW, OH, OW} after checking ranks, channels, fit and the output (or gradOut) shape. */
    private static int[] convGeom(String op, int[] xShape, Tensor w, Tensor out, Conv2dSpec sp) {
        if (xShape.length != 4) throw new IllegalArgumentException(op + ": input must be NCHW (rank 4), got " + Shapes.str(xShape));
        Shapes.checkRank(op, "weight", w, 4);
        int N = xShape[0], C = xShape[1], H = xShape[2], W = xShape[3], K = w.dim(0), KH = w.dim(2), KW = w.dim(3);
        if (w.dim(1) != C) {
            throw new IllegalArgumentException(op + ": weight " + Shapes.str(w.shape()) + " expects " + w.dim(1)
                    + " input channels but the input " + Shapes.str(xShape) + " has " + C);
        }
        int OH = sp.outH(H, KH), OW = sp.outW(W, KW);
        if (OH <= 0 || OW <= 0) {
            throw new IllegalArgumentException(op + ": kernel " + KH + "x" + KW + " does not fit input " + Shapes.str(xShape) + " with " + sp);
        }
        shape(op, "output", out, N, K, OH, OW);
        return new int[] {N, C, H, W, K, KH, KW, OH, OW};
    }

    /** All non-null tensors of one floating dtype and contiguous, and the column matrix indexable by int. */
    private static boolean convHandles(int[] g, Tensor... ts) {
        DType dt = ts[0].dtype();
        if (dt != DType.F32 && dt != DType.F64) return false;
        for (Tensor t : ts) if (t != null && (t.dtype() != dt || !t.isContiguous())) return false;
        long ckk = (long) g[1] * g[5] * g[6], l = (long) g[7] * g[8];
        return ckk * l <= Integer.MAX_VALUE && (long) g[4] * Math.max(ckk, l) <= Integer.MAX_VALUE;
    }

    private static boolean pointwise(int[] g, Conv2dSpec sp) {
        return g[5] == 1 && g[6] == 1 && sp.strideH() == 1 && sp.strideW() == 1 && sp.padH() == 0 && sp.padW() == 0;
    }

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec sp, Tensor out) {
        if (!convOn) {
            next.conv2d(x, w, bias, sp, out);
            return;
        }
        Scope.acquire(x, w, bias, out); // checks each scope is open and usable from this thread
        try {
            int[] g = convGeom("conv2d", x.shape(), w, out, sp);
            if (bias != null) shape("conv2d", "bias", bias, g[4]);
            if (!convHandles(g, x, w, bias, out)) {
                next.conv2d(x, w, bias, sp, out);
                return;
            }
            int N = g[0], C = g[1], H = g[2], W = g[3], K = g[4], KH = g[5], KW = g[6], OH = g[7], OW = g[8];
            int CKK = C * KH * KW, L = OH * OW;
            if (N == 0 || K == 0 || L == 0) return;
            DType dt = x.dtype();
            int es = dt.byteSize();
            boolean pw = pointwise(g, sp);
            Tensor col = pw || CKK == 0 ? null : colBuffer(dt, (long) CKK * L);
            long wa = w.address(), xa = x.address(), oa = out.address();
            for (int n = 0; n < N; n++) {
                long colAddr;
                if (col == null) {
                    colAddr = xa + (long) n * C * H * W * es; // 1x1, stride 1, no padding: the image is its own column matrix
                } else {
                    Im2col.im2col(x, n, sp, KH, KW, OH, OW, col, 0);
                    colAddr = col.address();
                }
                raw(dt, K, L, CKK, 1.0, wa, Math.max(1, CKK), colAddr, L, 0.0, oa + (long) n * K * L * es, L);
            }
            if (bias != null) next.biasActivation(out, bias, 1, Activation.IDENTITY, out);
        } finally {
            Scope.release(x, w, bias, out);
        }
    }

    @Override
    public void conv2dBackwardData(Tensor gradOut, Tensor w, Conv2dSpec sp, Tensor gradIn) {
        if (!convOn) {
            next.conv2dBackwardData(gradOut, w, sp, gradIn);
            return;
        }
        Scope.acquire(gradOut, w, gradIn); // checks each scope is open and usable from this thread
        try {
            int[] g = convGeom("conv2dBackwardData", gradIn.shape(), w, gradOut, sp);
            if (!convHandles(g, gradOut, w, gradIn)) {
                next.conv2dBackwardData(gradOut, w, sp, gradIn);
                return;
            }
            int N = g[0], C = g[1], H = g[2], W = g[3], K = g[4], KH = g[5], KW = g[6], OH = g[7], OW = g[8];
            int CKK = C * KH * KW, L = OH * OW;
            if (N == 0 || C == 0 || H == 0 || W == 0) return;
            DType dt = w.dtype();
            int es = dt.byteSize();
            boolean pw = pointwise(g, sp);
            Tensor col = pw ? null : colBuffer(dt, (long) CKK * L);
            long wa = w.address(), ga = gradOut.address(), ia = gradIn.address();
            for (int n = 0; n < N; n++) {
                long go = ga + (long) n * K * L * es;
                // col [CKK, L] = w^T [CKK, K] @ gradOut_n [K, L]; w is stored [K, CKK], so op(A) is its transpose.
                long dst = pw ? ia + (long) n * C * H * W * es : col.address();
                raw(dt, CKK, L, K, 1.0, wa, -Math.max(1, CKK), go, Math.max(1, L), 0.0, dst, Math.max(1, L));
                if (!pw) Im2col.col2im(col, 0, sp, KH, KW, OH, OW, gradIn, n);
            }
        } finally {
            Scope.release(gradOut, w, gradIn);
        }
    }

    @Override
    public void conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor gradW, Tensor gradBias) {
        if (!convOn) {
            next.conv2dBackwardWeight(x, gradOut, sp, gradW, gradBias);
            return;
        }
        Scope.acquire(x, gradOut, gradW, gradBias); // checks each scope is open and usable from this thread
        try {
            int[] g = convGeom("conv2dBackwardWeight", x.shape(), gradW, gradOut, sp);
            if (gradBias != null) shape("conv2dBackwardWeight", "gradBias", gradBias, g[4]);
            if (!convHandles(g, x, gradOut, gradW, gradBias)) {
                next.conv2dBackwardWeight(x, gradOut, sp, gradW, gradBias);
                return;
            }
            int N = g[0], C = g[1], H = g[2], W = g[3], K = g[4], KH = g[5], KW = g[6], OH = g[7], OW = g[8];
            int CKK = C * KH * KW, L = OH * OW;
            if (K == 0) return;
            DType dt = x.dtype();
            if (N == 0 || L == 0 || CKK == 0) {
                next.conv2dBackwardWeight(x, gradOut, sp, gradW, gradBias); // zero-size sums: the fallback writes the zeros
                return;
            }
            int es = dt.byteSize();
            boolean pw = pointwise(g, sp);
            Tensor col = pw ? null : colBuffer(dt, (long) CKK * L);
            Tensor ones = gradBias == null ? null : onesBuffer(dt, L);
            long xa = x.address(), ga = gradOut.address(), wa = gradW.address(), ba = gradBias == null ? 0 : gradBias.address();
            for (int n = 0; n < N; n++) {
                long go = ga + (long) n * K * L * es;
                long colAddr;
                if (pw) {
                    colAddr = xa + (long) n * C * H * W * es;
                } else {
                    Im2col.im2col(x, n, sp, KH, KW, OH, OW, col, 0);
                    colAddr = col.address();
                }
                double beta = n == 0 ? 0.0 : 1.0;
                // gradW [K, CKK] (+)= gradOut_n [K, L] @ col^T [L, CKK]; col is stored [CKK, L].
                raw(dt, K, CKK, L, 1.0, go, L, colAddr, -L, beta, wa, CKK);
                // gradBias [K] (+)= gradOut_n [K, L] @ ones [L].
                if (ones != null) raw(dt, K, 1, L, 1.0, go, L, ones.address(), 1, beta, ba, 1);
            }
        } finally {
            Scope.release(x, gradOut, gradW, gradBias);
        }
    }

    /** Per-thread buffer of at least n ones (grow-only, global scope). */
    private static Tensor onesBuffer(DType dt, long n) {
        Tensor[] bufs = ONES.get();
        int d = dt == DType.F32 ? 0 : 1;
        Tensor t = bufs[d];
        if (t == null || t.numel() < n) {
            t = Tensor.zeros(Scope.global(), dt, Math.toIntExact(Math.max(n, 1)));
            for (long i = 0; i < t.numel(); i++) t.setFlat(i, 1.0);
            bufs[d] = t;
        }
        return t;
    }
}
