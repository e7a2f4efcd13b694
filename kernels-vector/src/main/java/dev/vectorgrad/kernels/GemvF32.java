package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
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
 * The summation order is fixed by the shapes, so results are deterministic and the same before and after JIT
 * compilation. The dot form's order, per output (every form below gives these bits; {@code GemvTest} recomputes it
 * in scalar Java): L lane partials, lane j accumulating u[p] * v[p] by fma for p = j mod L below k rounded down to
 * L; then, when k is not a multiple of L, the k mod L tail elements by fma into the top lanes (element p into lane
 * p - (k - L): the lanes of a vector loaded at k - L, which stays inside the row when k >= L); then the lanes summed
 * by folding halves (lane i plus lane i + L/2, and again: for L = 8, ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 +
 * l7))); then alpha * dot, and beta * c added by fma. Where it runs: 8 lanes, 8 outputs at a time folded in
 * registers ({@link #dots8}); 16 lanes, each output's vector folded in registers, and k < 16 as one vector per row
 * ({@link #dotsShort}); otherwise, and for rows at a segment's edge, the lanes stored and folded in memory.
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
        if (k == 0 || alpha == 0 || m == 0 || n == 0 || (m != 1 && n != 1)) return false;
        return tryGemv(alpha, a.segment(), a.offset(), a.stride(0), a.stride(1), b.segment(), b.offset(), b.stride(0), b.stride(1),
                beta, c.segment(), c.offset(), c.stride(0), c.stride(1), m, n, k);
    }

    /** The same on raw operands (segment, element offset, the two element strides); arguments are trusted. */
    static boolean tryGemv(double alpha, MemorySegment as, long ao, long as0, long as1, MemorySegment bs, long bo, long bs0,
                           long bs1, double beta, MemorySegment cs, long co, long cs0, long cs1, int m, int n, int k) {
        if (k == 0 || alpha == 0 || m == 0 || n == 0) return false;
        if (m == 1) {
            if (bs1 == 1 && cs1 == 1 && n > 1) {
                axpy(as, ao, as1, bs, bo, bs0, cs, co, n, k, (float) alpha, (float) beta);
                return true;
            }
            if (as1 == 1 && bs0 == 1) {
                dotsParallel(as, ao, bs, bo, bs1, cs, co, cs1, n, k, (float) alpha, (float) beta);
                return true;
            }
            return false;
        }
        if (n == 1 && as1 == 1 && bs0 == 1) {
            dotsParallel(bs, bo, as, ao, as0, cs, co, cs0, m, k, (float) alpha, (float) beta);
            return true;
        }
        return false;
    }

    /** c[j] = alpha * sum_p a[p * as] * B[p * bs0 + j] + beta * c[j], j < n (B rows and c contiguous). */
    private static void axpy(MemorySegment as, long ao, long aStride, MemorySegment bs, long bo, long bs0,
                             MemorySegment cs, long co, int n, int k, float alpha, float beta) {
        as = nat(as); bs = nat(bs); cs = nat(cs); // see NativeSegments
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
        cs = nat(cs); // see NativeSegments
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
        us = nat(us); vs = nat(vs); os = nat(os); // see NativeSegments
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
        us = nat(us); vs = nat(vs); os = nat(os); // see NativeSegments
        int kv = S.loopBound(k);
        float[] tmp = LANES.get();
        if (L == 16 && k < L) {
            dotsShort(us, uo, vs, vo, vStride, os, oo, outStride, count, k, alpha, beta, tmp);
            return;
        }
        int t = 0;
        if (L == 8 && k >= L) {
            for (; t + 8 <= count; t += 8) dots8(us, uo, vs, vo + t * vStride, vStride, os, oo + t * outStride, outStride, k, kv, alpha, beta, tmp);
        }
        for (; t + 4 <= count; t += 4) {
            long v0 = vo + t * vStride, v1 = v0 + vStride, v2 = v1 + vStride, v3 = v2 + vStride;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < kv; p += L) {
                FloatVector uv = FloatVector.fromMemorySegment(S, us, (uo + p) * 4, BO);
                s0 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v0 + p) * 4, BO), s0);
                s1 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v1 + p) * 4, BO), s1);
                s2 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v2 + p) * 4, BO), s2);
                s3 = uv.fma(FloatVector.fromMemorySegment(S, vs, (v3 + p) * 4, BO), s3);
            }
            if (L == 16 && k >= L) {
                // 16 lanes: the tail as dots8's (lanes L - rem .. L - 1 of a vector at k - L), then each vector's lanes
                // folded in registers, lane i plus lane i ^ h for h = 8, 4, 2, 1: lane 0 is then the fold of the
                // class's order (the stored form below spent ~15 scalar adds through memory per output).
                if (kv < k) {
                    int rem = k - kv;
                    VectorMask<Float> top = S.indexInRange(rem - L, rem);
                    long q = k - L;
                    FloatVector uv = FloatVector.fromMemorySegment(S, us, (uo + q) * 4, BO);
                    s0 = s0.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v0 + q) * 4, BO), s0), top);
                    s1 = s1.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v1 + q) * 4, BO), s1), top);
                    s2 = s2.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v2 + q) * 4, BO), s2), top);
                    s3 = s3.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v3 + q) * 4, BO), s3), top);
                }
                s0 = s0.add(s0.rearrange(SWAP8));
                s1 = s1.add(s1.rearrange(SWAP8));
                s2 = s2.add(s2.rearrange(SWAP8));
                s3 = s3.add(s3.rearrange(SWAP8));
                s0 = s0.add(s0.rearrange(SWAP4));
                s1 = s1.add(s1.rearrange(SWAP4));
                s2 = s2.add(s2.rearrange(SWAP4));
                s3 = s3.add(s3.rearrange(SWAP4));
                s0 = s0.add(s0.rearrange(SWAP2));
                s1 = s1.add(s1.rearrange(SWAP2));
                s2 = s2.add(s2.rearrange(SWAP2));
                s3 = s3.add(s3.rearrange(SWAP2));
                s0 = s0.add(s0.rearrange(SWAP1));
                s1 = s1.add(s1.rearrange(SWAP1));
                s2 = s2.add(s2.rearrange(SWAP1));
                s3 = s3.add(s3.rearrange(SWAP1));
                put(os, oo + t * outStride, s0.lane(0), alpha, beta);
                put(os, oo + (t + 1) * outStride, s1.lane(0), alpha, beta);
                put(os, oo + (t + 2) * outStride, s2.lane(0), alpha, beta);
                put(os, oo + (t + 3) * outStride, s3.lane(0), alpha, beta);
                continue;
            }
            // Each vector's lanes leave through a store here, in the method that owns it: a helper taking the vector
            // boxed it whenever C2 declined to inline the helper (on AVX-512, "already compiled into a big method":
            // 96 bytes per output, 12 KB per MLP call).
            s0.intoArray(tmp, 0);
            float d0 = sum(us, uo, vs, v0, kv, k, tmp);
            s1.intoArray(tmp, 0);
            float d1 = sum(us, uo, vs, v1, kv, k, tmp);
            s2.intoArray(tmp, 0);
            float d2 = sum(us, uo, vs, v2, kv, k, tmp);
            s3.intoArray(tmp, 0);
            float d3 = sum(us, uo, vs, v3, kv, k, tmp);
            put(os, oo + t * outStride, d0, alpha, beta);
            put(os, oo + (t + 1) * outStride, d1, alpha, beta);
            put(os, oo + (t + 2) * outStride, d2, alpha, beta);
            put(os, oo + (t + 3) * outStride, d3, alpha, beta);
        }
        for (; t < count; t++) {
            long v0 = vo + t * vStride;
            FloatVector s0 = FloatVector.zero(S);
            for (int p = 0; p < kv; p += L) {
                s0 = FloatVector.fromMemorySegment(S, us, (uo + p) * 4, BO).fma(FloatVector.fromMemorySegment(S, vs, (v0 + p) * 4, BO), s0);
            }
            s0.intoArray(tmp, 0);
            put(os, oo + t * outStride, sum(us, uo, vs, v0, kv, k, tmp), alpha, beta);
        }
    }

    /** Per thread: u in the top k lanes of L, zeros below ({@link #dotsShort}). */
    private static final ThreadLocal<float[]> SHORT_U = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * {@link #dots} for 16 lanes and k < L (the whole dot is the tail), in the class's order: each row loaded as one
     * vector whose lane L - k + p holds element p (the load starts k - L elements before the row, inside the previous
     * one), times u held the same way, fma'd onto zero, the lanes below L - k set to zero, then folded in registers
     * as in {@link #dots}: the bits of the element-by-element tail in {@link #sum}, which the rows whose load would
     * leave the segment still run. (A masked load of the row itself was tried and not kept: at the segments' ends the
     * JDK checks such a load lane by lane, in code C2 left as calls, 100 KB per MLP call on 2 threads.)
     */
    private static void dotsShort(MemorySegment us, long uo, MemorySegment vs, long vo, long vStride,
                                  MemorySegment os, long oo, long outStride, int count, int k, float alpha, float beta,
                                  float[] tmp) {
        us = nat(us); vs = nat(vs); os = nat(os); // see NativeSegments
        float[] ut = SHORT_U.get();
        Arrays.fill(ut, 0, L - k, 0f);
        MemorySegment.copy(us, E, uo * 4, ut, L - k, k);
        FloatVector uv = FloatVector.fromArray(S, ut, 0), zero = FloatVector.zero(S);
        VectorMask<Float> top = S.indexInRange(k - L, k);
        long limit = vs.byteSize() / 4 - L;
        for (int t = 0; t < count; t++) {
            long start = vo + t * vStride + k - L;
            if (start >= 0 && start <= limit) {
                FloatVector d = zero.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, start * 4, BO), zero), top);
                d = d.add(d.rearrange(SWAP8));
                d = d.add(d.rearrange(SWAP4));
                d = d.add(d.rearrange(SWAP2));
                d = d.add(d.rearrange(SWAP1));
                put(os, oo + t * outStride, d.lane(0), alpha, beta);
            } else {
                Arrays.fill(tmp, 0f);
                put(os, oo + t * outStride, sum(us, uo, vs, vo + t * vStride, 0, k, tmp), alpha, beta);
            }
        }
    }

    /** The lane swaps and bit masks of the register folds ({@link #dots8}; SWAP8 for 16 lanes): GemmF32's. */
    private static final VectorShuffle<Float> SWAP8 = GemmF32.SWAP8, SWAP4 = GemmF32.SWAP4, SWAP2 = GemmF32.SWAP2, SWAP1 = GemmF32.SWAP1;
    private static final VectorMask<Float> BIT2 = GemmF32.BIT2, BIT1 = GemmF32.BIT1, BIT0 = GemmF32.BIT0;

    /**
     * Eight outputs of {@link #dots}, 256-bit vectors (L == 8) and k >= L only: the class's order, in registers. 8 FMA
     * chains over the full blocks; the k tail as one vector loaded at k - L per row whose fma result is blended into the
     * top k mod L lanes; then the eight lane sums at once by folding halves: each accumulator plus its halves swapped
     * (lane i + lane i ^ 4), accumulators j and j + 4 blended into one vector (low half from j, high from j + 4), that
     * plus its pairs swapped (lane i ^ 2), blended again, plus its neighbours swapped (lane i ^ 1), and a last blend
     * puts output j in lane j: 14 one-vector shuffles, 14 adds and 7 blends (the 8 x 8 transpose this replaced took
     * 24 two-vector shuffles). Then alpha and beta lanewise as {@link #put}.
     */
    private static void dots8(MemorySegment us, long uo, MemorySegment vs, long vo, long vStride,
                              MemorySegment os, long oo, long outStride, int k, int kv, float alpha, float beta, float[] tile) {
        us = nat(us); vs = nat(vs); os = nat(os); // see NativeSegments
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
        if (kv < k) {
            // the tail: lanes L - rem .. L - 1 of the vector at k - L (inside every row, k >= L) get one more fma
            int rem = k - kv;
            VectorMask<Float> top = S.indexInRange(rem - L, rem);
            long q = k - L;
            FloatVector uv = FloatVector.fromMemorySegment(S, us, (uo + q) * 4, BO);
            s0 = s0.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v0 + q) * 4, BO), s0), top);
            s1 = s1.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v1 + q) * 4, BO), s1), top);
            s2 = s2.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v2 + q) * 4, BO), s2), top);
            s3 = s3.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v3 + q) * 4, BO), s3), top);
            s4 = s4.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v4 + q) * 4, BO), s4), top);
            s5 = s5.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v5 + q) * 4, BO), s5), top);
            s6 = s6.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v6 + q) * 4, BO), s6), top);
            s7 = s7.blend(uv.fma(FloatVector.fromMemorySegment(S, vs, (v7 + q) * 4, BO), s7), top);
        }
        // lane i + lane i + 4 (low half of j, high half of j + 4), then + lane i ^ 2, then + lane i ^ 1: output j in lane j
        FloatVector h0 = s0.add(s0.rearrange(SWAP4)).blend(s4.add(s4.rearrange(SWAP4)), BIT2);
        FloatVector h1 = s1.add(s1.rearrange(SWAP4)).blend(s5.add(s5.rearrange(SWAP4)), BIT2);
        FloatVector h2 = s2.add(s2.rearrange(SWAP4)).blend(s6.add(s6.rearrange(SWAP4)), BIT2);
        FloatVector h3 = s3.add(s3.rearrange(SWAP4)).blend(s7.add(s7.rearrange(SWAP4)), BIT2);
        FloatVector q0 = h0.add(h0.rearrange(SWAP2)).blend(h2.add(h2.rearrange(SWAP2)), BIT1);
        FloatVector q1 = h1.add(h1.rearrange(SWAP2)).blend(h3.add(h3.rearrange(SWAP2)), BIT1);
        FloatVector d = q0.add(q0.rearrange(SWAP1)).blend(q1.add(q1.rearrange(SWAP1)), BIT0);
        if (outStride == 1) {
            d = d.mul(alpha);
            if (beta != 0) d = FloatVector.broadcast(S, beta).fma(FloatVector.fromMemorySegment(S, os, oo * 4, BO), d);
            d.intoMemorySegment(os, oo * 4, BO);
        } else {
            d.intoArray(tile, 0);
            for (int i = 0; i < 8; i++) put(os, oo + i * outStride, tile[i], alpha, beta);
        }
    }

    /** Per thread: L lanes for {@link #sum} and {@link #dots8}'s strided output. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * One output's dot in the class's order from its lane partials over the full blocks (p < kv), which the caller
     * stored in tmp: the tail elements by fma into lanes p - (k - L), then the lanes summed by folding halves. Not
     * reduceLanes(ADD): its order is unspecified, and the interpreter and C2 do differ, so a result would depend on
     * whether the caller was compiled yet (seen as a 1-ulp difference).
     */
    private static float sum(MemorySegment us, long uo, MemorySegment vs, long vo, int kv, int k, float[] tmp) {
        us = nat(us); vs = nat(vs); // see NativeSegments
        for (int p = kv, shift = L - k; p < k; p++) tmp[p + shift] = Math.fma(us.getAtIndex(E, uo + p), vs.getAtIndex(E, vo + p), tmp[p + shift]);
        for (int h = L / 2; h > 0; h /= 2) {
            for (int i = 0; i < h; i++) tmp[i] += tmp[i + h];
        }
        return tmp[0];
    }

    private static void put(MemorySegment os, long e, float dot, float alpha, float beta) {
        os = nat(os); // see NativeSegments
        float r = alpha * dot;
        if (beta != 0) r = Math.fma(beta, os.getAtIndex(E, e), r);
        os.setAtIndex(E, e, r);
    }
}
