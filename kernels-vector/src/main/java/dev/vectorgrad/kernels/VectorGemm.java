package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Vector API GEMM (issue 3): dispatches by dtype to {@link GemmF32} / {@link GemmF64} (packing, register-tiled
 * microkernel, cache blocking, a direct path for small sizes, panels split across {@link Parallel} workers);
 * F32 matrix-vector shapes (m == 1 or n == 1) go to {@link GemvF32} first, which reads them without packing.
 * Arguments were validated by {@link Ops#gemm} / {@link Ops#gemmBatched}.
 */
final class VectorGemm {
    private VectorGemm() {}

    static void gemm(VectorKernels k, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        if (c.dtype() == DType.F32 && a.dtype() == DType.F32 && b.dtype() == DType.F32) {
            if (!GemvF32.tryGemv(alpha, a, b, beta, c)) GemmF32.gemm(alpha, a, b, beta, c);
        } else if (c.dtype() == DType.F64 && a.dtype() == DType.F64 && b.dtype() == DType.F64) {
            GemmF64.gemm(alpha, a, b, beta, c);
        } else {
            k.scalarGemm(alpha, a, b, beta, c);
        }
    }

    /**
     * At least this many multiply-adds in all before the matrices of a batch are split over the workers (each
     * matrix then runs whole on one thread). Below it, waking a worker costs more than it saves. Tests set it
     * ({@code -Dvectorgrad.gemm.batchsplit}).
     */
    static long batchSplitMin = Long.getLong("vectorgrad.gemm.batchsplit", 1L << 13);

    /**
     * {@link Kernels#gemmBatched}: each matrix goes to the raw-operand entry of {@link GemmF32} / {@link GemmF64}
     * (or {@link GemvF32}) at offsets computed from the strides, so a call builds no views and allocates nothing.
     * When a single matrix is below {@link GemmF32#PARALLEL_MIN} (it would run on one thread) and the batch holds
     * at least {@link #batchSplitMin} multiply-adds, the matrices are split over the {@link Parallel} workers in
     * contiguous runs; larger matrices run one after another, each split over the workers by its own GEMM. Either
     * way every matrix takes the path it takes alone on one thread, so the bits do not depend on the thread count.
     */
    static void batched(VectorKernels k, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        DType dt = c.dtype();
        if ((dt != DType.F32 && dt != DType.F64) || a.dtype() != dt || b.dtype() != dt) {
            BatchedGemm.eachMatrix(k, alpha, a, b, beta, c);
            return;
        }
        long count = BatchedGemm.count(c);
        int rc = c.rank();
        if (count == 0 || c.dim(rc - 2) == 0 || c.dim(rc - 1) == 0) return;
        Batch job = BATCHES.get();
        job.set(alpha, a, b, beta, c, dt == DType.F32);
        try {
            long work = (long) job.m * job.n * job.k;
            if (count > 1 && count <= Integer.MAX_VALUE && work < GemmF32.PARALLEL_MIN && count * work >= batchSplitMin
                    && Parallel.splits((int) count, 1)) {
                int grain = (int) Math.min(count, Math.max(1, batchSplitMin / Math.max(1, work)));
                Parallel.forRange((int) count, grain, job);
            } else {
                job.items(0, count);
            }
        } finally {
            job.clear();
        }
    }

    private static final ThreadLocal<Batch> BATCHES = ThreadLocal.withInitial(Batch::new);

    /** One batched call's operands, reused by its calling thread; workers read them (no allocation per call). */
    private static final class Batch implements Parallel.RangeTask {
        Tensor a, b, c;
        MemorySegment as, bs, cs;
        long as0, as1, bs0, bs1, cs0, cs1;
        /** Each operand's step between matrices (BatchedGemm.step): no division per matrix where even. */
        long sa, sb, sc;
        int m, n, k;
        double alpha, beta;
        boolean f32;

        /** Reads segments (liveness and thread checks) and the matrices' strides on the calling thread. */
        void set(double alpha, Tensor a, Tensor b, double beta, Tensor c, boolean f32) {
            int ra = a.rank(), rb = b.rank(), rc = c.rank();
            this.a = a;
            this.b = b;
            this.c = c;
            as = a.segment();
            bs = b.segment();
            cs = c.segment();
            as0 = a.stride(ra - 2);
            as1 = a.stride(ra - 1);
            bs0 = b.stride(rb - 2);
            bs1 = b.stride(rb - 1);
            cs0 = c.stride(rc - 2);
            cs1 = c.stride(rc - 1);
            m = c.dim(rc - 2);
            n = c.dim(rc - 1);
            k = a.dim(ra - 1);
            this.alpha = alpha;
            this.beta = beta;
            this.f32 = f32;
            sa = BatchedGemm.step(a, c);
            sb = BatchedGemm.step(b, c);
            sc = BatchedGemm.step(c, c);
        }

        void clear() {
            a = b = c = null;
            as = bs = cs = null;
        }

        @Override
        public void run(int lo, int hi) {
            items(lo, hi);
        }

        void items(long lo, long hi) {
            for (long i = lo; i < hi; i++) {
                long ao = BatchedGemm.offset(a, c, i, sa), bo = BatchedGemm.offset(b, c, i, sb), co = BatchedGemm.offset(c, c, i, sc);
                if (!f32) {
                    GemmF64.gemm(alpha, as, ao, as0, as1, bs, bo, bs0, bs1, beta, cs, co, cs0, cs1, m, n, k);
                } else if (!GemvF32.tryGemv(alpha, as, ao, as0, as1, bs, bo, bs0, bs1, beta, cs, co, cs0, cs1, m, n, k)) {
                    GemmF32.gemm(alpha, as, ao, as0, as1, bs, bo, bs0, bs1, beta, cs, co, cs0, cs1, m, n, k);
                }
            }
        }
    }
}
