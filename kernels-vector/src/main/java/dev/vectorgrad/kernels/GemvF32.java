package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 matrix-vector products (GEMM with m == 1 or n == 1), read in place without packing: the shape of batch-1
 * inference through a dense layer (x [1, in] times W^T, W [out, in]). The blocked GEMM would copy the whole
 * matrix into its packing buffer on every call, which is pure waste when each matrix element is used once.
 * Two forms (the matrix is streamed once; latency is what matters here; the dot form of a matrix larger than
 * 2 x {@link #PARALLEL_ELEMENTS} splits its rows over the {@link Parallel} workers):
 * <ul>
 * <li>axpy form, m == 1 and B row-major: c[0, :] = alpha * sum_p a[p] * B[p, :] + beta * c;
 * <li>dot form, the vector and the matrix rows contiguous along k: m == 1 with B^T row-major (B = W^T), or
 *     n == 1 with A row-major: each output is one dot product.
 * </ul>
 * The summation order is fixed by the shapes (lane sums in lane order), so results are deterministic and the same
 * before and after JIT compilation.
 */
final class GemvF32 {
    private GemvF32() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat E = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder BO = ByteOrder.nativeOrder();

    /** Runs c = alpha a b + beta c if the operands have a matrix-vector shape and layout this class handles; else false. */
    static boolean tryGemv(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        int m = c.dim(0), n = c.dim(1), k = a.dim(1);
        if (k == 0 || alpha == 0 || m == 0 || n == 0) return false;
        if (m == 1) {
            if (b.stride(1) == 1 && c.stride(1) == 1 && n > 1) {
                axpy(a.segment(), a.offset(), a.stride(1), b.segment(), b.offset(), b.stride(0), c.segment(), c.offset(), n, k,
                        (float) alpha, (float) beta);
                return true;
            }
            if (a.stride(1) == 1 && b.stride(0) == 1) {
                dotsParallel(a.segment(), a.offset(), b.segment(), b.offset(), b.stride(1), c.segment(), c.offset(), c.stride(1), n, k,
                        (float) alpha, (float) beta);
                return true;
            }
            return false;
        }
        if (n == 1 && a.stride(1) == 1 && b.stride(0) == 1) {
            dotsParallel(b.segment(), b.offset(), a.segment(), a.offset(), a.stride(0), c.segment(), c.offset(), c.stride(0), m, k,
                    (float) alpha, (float) beta);
            return true;
        }
        return false;
    }

    /** c[j] = alpha * sum_p a[p * as] * B[p * bs0 + j] + beta * c[j], j < n (B rows and c contiguous). */
    private static void axpy(MemorySegment as, long ao, long aStride, MemorySegment bs, long bo, long bs0,
                             MemorySegment cs, long co, int n, int k, float alpha, float beta) {
        int j = 0;
        for (; j + 4 * L <= n; j += 4 * L) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            long be = bo + j;
            for (int p = 0; p < k; p++, be += bs0) {
                FloatVector av = FloatVector.broadcast(S, as.getAtIndex(E, ao + p * aStride));
                c0 = av.fma(FloatVector.fromMemorySegment(S, bs, be * 4, BO), c0);
                c1 = av.fma(FloatVector.fromMemorySegment(S, bs, (be + L) * 4, BO), c1);
                c2 = av.fma(FloatVector.fromMemorySegment(S, bs, (be + 2 * L) * 4, BO), c2);
                c3 = av.fma(FloatVector.fromMemorySegment(S, bs, (be + 3 * L) * 4, BO), c3);
            }
            store(c0, cs, co + j, alpha, beta);
            store(c1, cs, co + j + L, alpha, beta);
            store(c2, cs, co + j + 2 * L, alpha, beta);
            store(c3, cs, co + j + 3 * L, alpha, beta);
        }
        for (; j < n; j += L) {
            VectorMask<Float> mask = S.indexInRange(j, n);
            FloatVector c0 = FloatVector.zero(S);
            long be = bo + j;
            for (int p = 0; p < k; p++, be += bs0) {
                FloatVector av = FloatVector.broadcast(S, as.getAtIndex(E, ao + p * aStride));
                c0 = av.fma(FloatVector.fromMemorySegment(S, bs, be * 4, BO, mask), c0);
            }
            FloatVector r = c0.mul(alpha);
            if (beta != 0) r = FloatVector.fromMemorySegment(S, cs, (co + j) * 4, BO, mask).fma(FloatVector.broadcast(S, beta), r);
            r.intoMemorySegment(cs, (co + j) * 4, BO, mask);
        }
    }

    private static void store(FloatVector acc, MemorySegment cs, long ce, float alpha, float beta) {
        FloatVector r = acc.mul(alpha);
        if (beta != 0) r = FloatVector.fromMemorySegment(S, cs, ce * 4, BO).fma(FloatVector.broadcast(S, beta), r);
        r.intoMemorySegment(cs, ce * 4, BO);
    }

    /**
     * Matrix elements per thread below which the dot form stays on the caller: 128K floats (512 KB, an L2 cache).
     * A smaller matrix is cheaper to stream on one core than to hand half of it to a worker.
     */
    static final int PARALLEL_ELEMENTS = 1 << 17;

    /**
     * {@link #dots} with the rows split over the {@link Parallel} workers when the matrix is large (the
     * 5408 x 64 dense layer of batch-1 MNIST inference is 1.4 MB, bandwidth-bound on one core). Each output is
     * one thread's dot product in the same order as on one thread, so the result does not depend on the thread
     * count. The task object is per calling thread and reused, so a call allocates nothing.
     */
    private static void dotsParallel(MemorySegment us, long uo, MemorySegment vs, long vo, long vStride,
                                     MemorySegment os, long oo, long outStride, int count, int k, float alpha, float beta) {
        int groups = (count + 3) / 4;
        long elements = (long) count * k;
        if (Parallel.threads() < 2 || groups < 2 || elements < 2L * PARALLEL_ELEMENTS) {
            dots(us, uo, vs, vo, vStride, os, oo, outStride, count, k, alpha, beta);
            return;
        }
        // One caller at a time fans out; concurrent callers (several inference threads) run on their own thread
        // instead of queueing for the workers.
        if (!POOL_FREE.compareAndSet(true, false)) {
            dots(us, uo, vs, vo, vStride, os, oo, outStride, count, k, alpha, beta);
            return;
        }
        DotsTask t = TASK.get();
        t.set(us, uo, vs, vo, vStride, os, oo, outStride, count, k, alpha, beta);
        try {
            int grain = (int) Math.max(1, PARALLEL_ELEMENTS / (4L * k));
            Parallel.forRange(groups, grain, t);
        } finally {
            t.clear();
            POOL_FREE.set(true);
        }
    }

    /** One call's operands for {@link Parallel#forRange} over groups of 4 rows (reused per thread, no allocation). */
    private static final class DotsTask implements Parallel.RangeTask {
        MemorySegment us, vs, os;
        long uo, vo, vStride, oo, outStride;
        int count, k;
        float alpha, beta;

        void set(MemorySegment us, long uo, MemorySegment vs, long vo, long vStride, MemorySegment os, long oo, long outStride,
                 int count, int k, float alpha, float beta) {
            this.us = us;
            this.uo = uo;
            this.vs = vs;
            this.vo = vo;
            this.vStride = vStride;
            this.os = os;
            this.oo = oo;
            this.outStride = outStride;
            this.count = count;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
        }

        void clear() { us = vs = os = null; }

        @Override
        public void run(int lo, int hi) {
            int t0 = 4 * lo, t1 = Math.min(count, 4 * hi);
            if (t1 > t0) dots(us, uo, vs, vo + t0 * vStride, vStride, os, oo + t0 * outStride, outStride, t1 - t0, k, alpha, beta);
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean POOL_FREE = new java.util.concurrent.atomic.AtomicBoolean(true);

    private static final ThreadLocal<DotsTask> TASK = ThreadLocal.withInitial(DotsTask::new);

    /**
     * out[t * outStride] = alpha * dot(u[0..k), V[t * vStride + 0..k)) + beta * out[t * outStride], t < count:
     * u and every V row contiguous. Four rows at a time share each load of u.
     */
    private static void dots(MemorySegment us, long uo, MemorySegment vs, long vo, long vStride,
                             MemorySegment os, long oo, long outStride, int count, int k, float alpha, float beta) {
        int kv = S.loopBound(k);
        float[] tmp = LANES.get();
        int t = 0;
        if (L == 8) {
            for (; t + 8 <= count; t += 8) dots8(us, uo, vs, vo + t * vStride, vStride, os, oo + t * outStride, outStride, k, kv, alpha, beta, tmp);
        }
        for (; t + 4 <= count; t += 4) {
            long v0 = vo + t * vStride, v1 = v0 + vStride, v2 = v1 + vStride, v3 = v2 + vStride;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            int p = 0;
            for (; p < kv; p += L) {
                FloatVector uv = FloatVector.fromMemorySegment(S, us, (uo + p) * 4, BO);
                s0 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v0 + p) * 4, BO), s0);
                s1 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v1 + p) * 4, BO), s1);
                s2 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v2 + p) * 4, BO), s2);
                s3 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v3 + p) * 4, BO), s3);
            }
            float d0 = sum(s0, tmp), d1 = sum(s1, tmp), d2 = sum(s2, tmp), d3 = sum(s3, tmp);
            for (; p < k; p++) {
                float u = us.getAtIndex(E, uo + p);
                d0 = Math.fma(u, vs.getAtIndex(E, v0 + p), d0);
                d1 = Math.fma(u, vs.getAtIndex(E, v1 + p), d1);
                d2 = Math.fma(u, vs.getAtIndex(E, v2 + p), d2);
                d3 = Math.fma(u, vs.getAtIndex(E, v3 + p), d3);
            }
            put(os, oo + t * outStride, d0, alpha, beta);
            put(os, oo + (t + 1) * outStride, d1, alpha, beta);
            put(os, oo + (t + 2) * outStride, d2, alpha, beta);
            put(os, oo + (t + 3) * outStride, d3, alpha, beta);
        }
        for (; t < count; t++) {
            long v0 = vo + t * vStride;
            FloatVector s0 = FloatVector.zero(S);
            int p = 0;
            for (; p < kv; p += L) {
                s0 = FloatVector.fromMemorySegment(S, us, (uo + p) * 4, BO).fma(FloatVector.fromMemorySegment(S, vs, (v0 + p) * 4, BO), s0);
            }
            float d0 = sum(s0, tmp);
            for (; p < k; p++) d0 = Math.fma(us.getAtIndex(E, uo + p), vs.getAtIndex(E, v0 + p), d0);
            put(os, oo + t * outStride, d0, alpha, beta);
        }
    }

    /**
     * Two-vector shuffles of the 8 x 8 transpose in {@link #dots8} (L == 8; a negative index takes lane index + L of
     * the second vector): interleave single lanes of the low / high halves, then pairs, then quadruples.
     */
    private static final VectorShuffle<Float> ZIP_LO = zip(1, 0), ZIP_HI = zip(1, 1), ZIP2_LO = zip(2, 0), ZIP2_HI = zip(2, 1), ZIP4_LO = zip(4, 0),
            ZIP4_HI = zip(4, 1);

    /** Lane i: group i / (2g) of size g from the first (even group) or second vector, from the low or high half. */
    private static VectorShuffle<Float> zip(int g, int half) {
        return VectorShuffle.fromOp(S, i -> {
            int pair = i / (2 * g), within = i % g, second = (i / g) % 2;
            int lane = half * (L / 2) + pair * g + within;
            return second == 0 ? lane : lane - L; // negative: exceptional, taken from the second vector
        });
    }

    /**
     * Eight outputs of {@link #dots}, 256-bit vectors only (L == 8: the transpose below is 8 x 8; other widths keep the
     * 4-row form): the same lane partial sums as the one-row form, in 8 FMA chains, then the eight lane sums at once
     * (the accumulators transposed in registers and the 8 columns added in lane order, which is each output's sum in
     * lane order), then the k tail, alpha and beta lanewise: the same operations per output as {@link #sum} and
     * {@link #put}, so the same bits. The one-row form summed each output through memory in a serial chain of L - 1
     * dependent adds (a batch-1 MLP layer of 64 x 64 took ~1 us; through a heap tile instead of registers: ~15% slower).
     */
    private static void dots8(MemorySegment us, long uo, MemorySegment vs, long vo, long vStride,
                              MemorySegment os, long oo, long outStride, int k, int kv, float alpha, float beta, float[] tile) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        long v0 = vo, v1 = v0 + vStride, v2 = v1 + vStride, v3 = v2 + vStride, v4 = v3 + vStride, v5 = v4 + vStride, v6 = v5 + vStride,
                v7 = v6 + vStride;
        for (int p = 0; p < kv; p += L) {
            FloatVector uv = FloatVector.fromMemorySegment(S, us, (uo + p) * 4, BO);
            s0 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v0 + p) * 4, BO), s0);
            s1 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v1 + p) * 4, BO), s1);
            s2 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v2 + p) * 4, BO), s2);
            s3 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v3 + p) * 4, BO), s3);
            s4 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v4 + p) * 4, BO), s4);
            s5 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v5 + p) * 4, BO), s5);
            s6 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v6 + p) * 4, BO), s6);
            s7 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v7 + p) * 4, BO), s7);
        }
        // 8 x 8 transpose in registers (no store-to-load forwarding through memory), then the columns summed in lane
        // order: lane i of column j is lane j of row i
        FloatVector a0 = s0.rearrange(ZIP_LO, s1), a1 = s0.rearrange(ZIP_HI, s1), a2 = s2.rearrange(ZIP_LO, s3), a3 = s2.rearrange(ZIP_HI, s3);
        FloatVector a4 = s4.rearrange(ZIP_LO, s5), a5 = s4.rearrange(ZIP_HI, s5), a6 = s6.rearrange(ZIP_LO, s7), a7 = s6.rearrange(ZIP_HI, s7);
        FloatVector b0 = a0.rearrange(ZIP2_LO, a2), b1 = a0.rearrange(ZIP2_HI, a2), b2 = a1.rearrange(ZIP2_LO, a3), b3 = a1.rearrange(ZIP2_HI, a3);
        FloatVector b4 = a4.rearrange(ZIP2_LO, a6), b5 = a4.rearrange(ZIP2_HI, a6), b6 = a5.rearrange(ZIP2_LO, a7), b7 = a5.rearrange(ZIP2_HI, a7);
        FloatVector d = b0.rearrange(ZIP4_LO, b4);
        d = d.add(b0.rearrange(ZIP4_HI, b4));
        d = d.add(b1.rearrange(ZIP4_LO, b5));
        d = d.add(b1.rearrange(ZIP4_HI, b5));
        d = d.add(b2.rearrange(ZIP4_LO, b6));
        d = d.add(b2.rearrange(ZIP4_HI, b6));
        d = d.add(b3.rearrange(ZIP4_LO, b7));
        d = d.add(b3.rearrange(ZIP4_HI, b7));
        for (int p = kv; p < k; p++) {
            for (int i = 0; i < 8; i++) tile[i] = vs.getAtIndex(E, vo + i * vStride + p);
            d = FloatVector.broadcast(S, us.getAtIndex(E, uo + p)).fma(FloatVector.fromArray(S, tile, 0), d);
        }
        if (outStride == 1) {
            d = d.mul(alpha);
            if (beta != 0) d = FloatVector.broadcast(S, beta).fma(FloatVector.fromMemorySegment(S, os, oo * 4, BO), d);
            d.intoMemorySegment(os, oo * 4, BO);
        } else {
            d.intoArray(tile, 0);
            for (int i = 0; i < 8; i++) put(os, oo + i * outStride, tile[i], alpha, beta);
        }
    }

    /** Per thread: L lanes for {@link #sum} and {@link #dots8}'s k tail and strided output. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * The lanes summed in lane order. Not reduceLanes(ADD): its order is unspecified, and the interpreter and C2
     * do differ, so a result would depend on whether the caller was compiled yet (seen as a 1-ulp difference).
     */
    private static float sum(FloatVector v, float[] tmp) {
        v.intoArray(tmp, 0);
        float s = tmp[0];
        for (int i = 1; i < L; i++) s += tmp[i];
        return s;
    }

    private static void put(MemorySegment os, long e, float dot, float alpha, float beta) {
        float r = alpha * dot;
        if (beta != 0) r = Math.fma(beta, os.getAtIndex(E, e), r);
        os.setAtIndex(E, e, r);
    }
}
