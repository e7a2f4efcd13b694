package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API convolution and pooling (issue 4).
 *
 * <p>Convolution is im2col + GEMM, one image at a time, parallel over the batch. The column buffer [C*KH*KW,
 * OH*OW] and the packed weights live in per-thread scratch ({@link ConvScratch}), so steady-state calls allocate
 * no tensor memory. For F32 with a short reduction dimension (the MNIST layer: C*KH*KW = 9) a built-in 4x16
 * register-blocked kernel runs, vectorised over output pixels so a 1-channel input fills every lane; otherwise
 * the Vector GEMM ({@link GemmF32} / {@link GemmF64}, what {@code k.gemm} runs) is called on the raw segments,
 * offsets and strides (its raw entry point: no tensor view per image). Layouts that cannot be viewed as
 * [K, OH*OW] per image fall back to the scalar oracle. Backward-weight of a stride-1 layer with a short
 * reduction (the MNIST layer) needs no im2col at all ({@link #backwardWeightRows}: dY rows against shifted rows
 * of the zero-padded input); backward-data of a stride-1 layer with many input channels (the mid layer) is a
 * forward convolution of gradOut ({@link #backwardDataAsConv}), otherwise GEMM + a vectorised col2im.
 *
 * <p>Steady-state calls allocate nothing on the heap either: parallel calls hand a per-thread reused
 * {@link Job} to the workers instead of a capturing lambda (ConvTrainingAllocationTest, 1 and 2 threads).
 *
 * <p>Pooling uses tight loops over the raw segments (no per-element index arrays), parallel over N*C planes;
 * F32 average pooling sums / adds window rows in vector lanes.
 */
final class VectorConv {
    private VectorConv() {}

    /**
     * Largest reduction length (C*KH*KW forward, K backward-data) handled by the built-in F32 kernel; longer
     * ones go to the Vector GEMM ({@code k.gemm} then; its raw entry point now). First set to 512 against the scalar GEMM of the time; re-measured against the
     * packed Vector GEMM (2026-11-23, loaded 2-core AVX2 machine, ConvBench setups, 1 thread, caller-thread CPU
     * time, medians of 11 interleaved rounds): mid layer forward (R = 288) built-in 11.95 ms vs k.gemm 5.88 ms
     * (im2col + OpenBLAS 6.7 / 5.3 ms in the same runs), mid backward-data (K = 64) 10.2 ms vs 9.5 ms; the MNIST
     * layer (R = 9, K = 32) keeps the built-in kernel, which fills the lanes over output pixels. Hence 32.
     * ({@code -Dvectorgrad.conv.directMaxR=0} forces k.gemm everywhere.) Not final so tests can exercise both paths.
     */
    static volatile int directMaxR = Integer.getInteger("vectorgrad.conv.directMaxR", 32);
    /**
     * Backward-weight uses the built-in dot kernel (one dot product of length OH*OW per weight) only for short
     * reductions R = C*KH*KW; above this one batched GEMM over all images runs ({@link #backwardWeightGemm}).
     * Measured on the 2-core AVX2 machine with a steady-state loop of Ops.conv2dBackwardWeightInto (default 2
     * kernel threads, batch 32, F32): MNIST (R=9) dot 0.44 ms vs per-image GEMM 1.65 ms; mid (R=288) dot 9.7 ms
     * vs per-image GEMM 4.2 ms (the batched GEMM replaced the per-image one afterwards).
     */
    static volatile int weightDirectMaxR = Integer.getInteger("vectorgrad.conv.weightDirectMaxR", 64);

    private static final VectorSpecies<Float> FS = VectorKernels.FS;
    private static final int L = FS.length();
    private static final VectorSpecies<Double> DS = VectorKernels.DS;
    private static final int DL = DS.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    // ------------------------------------------------------------------ layout helpers

    /** True when each image of t [n, k, oh, ow] can be viewed as a [k, oh*ow] matrix. */
    private static boolean planeViewable(Tensor t) {
        return t.dim(2) == 1 || t.stride(2) == (long) t.dim(3) * t.stride(3);
    }

    /** True when additionally each row of that matrix is unit-stride (for the built-in kernel). */
    private static boolean unitRows(Tensor t) {
        return planeViewable(t) && (t.stride(3) == 1 || (long) t.dim(2) * t.dim(3) == 1);
    }

    // Fixed arity, not varargs: a varargs array was allocated on every call (batch-1 inference counts bytes).
    private static boolean anyZero(int a, int b, int c, int d) {
        return a == 0 || b == 0 || c == 0 || d == 0;
    }

    private static boolean anyZero(int a, int b, int c, int d, int e) {
        return anyZero(a, b, c, d) || e == 0;
    }

    // ------------------------------------------------------------------ im2col / col2im

    /** Writes image n of x into col rows [C*KH*KW, OH*OW] starting at element colBase of col. */
    static void im2col(Tensor x, int n, Conv2dSpec sp, int KH, int KW, int OH, int OW, Tensor col, long colBase) {
        im2col(x, n, sp, KH, KW, OH, OW, col, colBase, (long) OH * OW);
    }

    /**
     * As above with rows {@code rowStride} elements apart: row r of image n starts at colBase + r * rowStride
     * (backward-weight puts all images side by side, rows of N*OH*OW).
     */
    static void im2col(Tensor x, int n, Conv2dSpec sp, int KH, int KW, int OH, int OW, Tensor col, long colBase, long rowStride) {
        int C = x.dim(1), H = x.dim(2), W = x.dim(3);
        if (x.dtype() == DType.F32 && sp.strideH() == 1 && sp.strideW() == 1 && OW == W && x.stride(3) == 1 && x.stride(2) == W
                && x.stride(1) == (long) H * W) {
            im2colSame(x, n, sp, KH, KW, OH, OW, col, colBase, rowStride);
            return;
        }
        long s1 = x.stride(1), s2 = x.stride(2), s3 = x.stride(3);
        long xo = x.offset() + n * x.stride(0);
        MemorySegment xs = nat(x.segment()), cs = nat(col.segment());
        boolean f32 = x.dtype() == DType.F32;
        long r = colBase;
        for (int c = 0; c < C; c++)
            for (int i = 0; i < KH; i++)
                for (int j = 0; j < KW; j++) {
                    int off = j * sp.dilationW() - sp.padW();
                    // ow range whose input column iw = ow*sw + off lies in [0, W)
                    int lo = off >= 0 ? 0 : Math.min(OW, (-off + sp.strideW() - 1) / sp.strideW());
                    int hi = W - 1 - off < 0 ? 0 : Math.min(OW, (W - 1 - off) / sp.strideW() + 1);
                    if (hi < lo) hi = lo;
                    for (int oh = 0; oh < OH; oh++) {
                        int ih = oh * sp.strideH() - sp.padH() + i * sp.dilationH();
                        long dst = r + (long) oh * OW;
                        if (ih < 0 || ih >= H) {
                            zeroRun(cs, dst, OW, f32);
                            continue;
                        }
                        long src = xo + c * s1 + ih * s2 + (long) off * s3;
                        if (f32) {
                            for (int ow = 0; ow < lo; ow++) cs.setAtIndex(F, dst + ow, 0f);
                            if (sp.strideW() == 1 && s3 == 1 && hi > lo) {
                                MemorySegment.copy(xs, (src + lo) * 4, cs, (dst + lo) * 4, (hi - lo) * 4L);
                            } else {
                                long step = sp.strideW() * s3;
                                for (int ow = lo; ow < hi; ow++) cs.setAtIndex(F, dst + ow, xs.getAtIndex(F, src + ow * step));
                            }
                            for (int ow = hi; ow < OW; ow++) cs.setAtIndex(F, dst + ow, 0f);
                        } else {
                            for (int ow = 0; ow < lo; ow++) cs.setAtIndex(D, dst + ow, 0d);
                            long step = sp.strideW() * s3;
                            for (int ow = lo; ow < hi; ow++) cs.setAtIndex(D, dst + ow, xs.getAtIndex(D, src + ow * step));
                            for (int ow = hi; ow < OW; ow++) cs.setAtIndex(D, dst + ow, 0d);
                        }
                    }
                    r += rowStride;
                }
    }

    /**
     * im2col for the common "same"-size stride-1 case (OW == W, contiguous F32 planes, e.g. 3x3 pad 1): each
     * column row (c, i, j) is the input plane shifted by a constant, so it is one bulk copy of the valid span plus
     * zeroing the padded rows and the columns that wrapped around, instead of one small copy per output row.
     */
    private static void im2colSame(Tensor x, int n, Conv2dSpec sp, int KH, int KW, int OH, int OW, Tensor col, long colBase, long rowStride) {
        int C = x.dim(1), H = x.dim(2), W = x.dim(3);
        MemorySegment xs = nat(x.segment()), cs = nat(col.segment());
        long plane = x.stride(1), xo = x.offset() + n * x.stride(0);
        long r = colBase;
        for (int c = 0; c < C; c++)
            for (int i = 0; i < KH; i++)
                for (int j = 0; j < KW; j++) {
                    int dh = i * sp.dilationH() - sp.padH(), off = j * sp.dilationW() - sp.padW();
                    int ohLo = Math.max(0, -dh), ohHi = Math.min(OH, H - dh);
                    int lo = Math.max(0, -off), hi = Math.min(OW, W - off);
                    if (ohHi <= ohLo || hi <= lo) {
                        zeroF32(cs, r, OH * OW);
                        r += rowStride;
                        continue;
                    }
                    long q0 = (long) ohLo * OW + lo, q1 = (long) (ohHi - 1) * OW + hi; // first / past-last valid element
                    long src = xo + c * plane + (long) dh * W + off; // dst element q reads src + q
                    MemorySegment.copy(xs, (src + q0) * 4, cs, (r + q0) * 4, (q1 - q0) * 4);
                    zeroF32(cs, r, (int) q0);
                    zeroF32(cs, r + q1, (int) ((long) OH * OW - q1));
                    if (lo > 0 || hi < OW)
                        for (int oh = ohLo; oh < ohHi; oh++) {
                            long rb = r + (long) oh * OW;
                            for (int ow = 0; ow < lo; ow++) cs.setAtIndex(F, rb + ow, 0f);
                            for (int ow = hi; ow < OW; ow++) cs.setAtIndex(F, rb + ow, 0f);
                        }
                    r += rowStride;
                }
    }

    /** seg[e, e + len) = 0 (F32 or F64 elements), without the slice object asSlice(...).fill would allocate per call. */
    private static void zeroRun(MemorySegment seg, long e, long len, boolean f32) {
        seg = nat(seg); // see NativeSegments
        if (f32) {
            for (long i = 0; i < len; i += Integer.MAX_VALUE / 2) zeroF32(seg, e + i, (int) Math.min(len - i, Integer.MAX_VALUE / 2));
        } else {
            long i = 0;
            if (len >= DL) {
                DoubleVector z = DoubleVector.zero(DS);
                for (; i + DL <= len; i += DL) z.intoMemorySegment(seg, (e + i) * 8, NO);
            }
            for (; i < len; i++) seg.setAtIndex(D, e + i, 0d);
        }
    }

    /** dst[0, len) = 0, F32, element offset. */
    private static void zeroF32(MemorySegment dst, long d, int len) {
        dst = nat(dst); // see NativeSegments
        if (len <= 0) return;
        if (len < L) {
            for (int i = 0; i < len; i++) dst.setAtIndex(F, d + i, 0f);
            return;
        }
        FloatVector z = FloatVector.zero(FS);
        int i = 0;
        for (; i + L <= len; i += L) z.intoMemorySegment(dst, (d + i) * 4, NO);
        if (i < len) z.intoMemorySegment(dst, (d + len - L) * 4, NO); // overlaps the previous vector: no masked tail
    }

    /** gradIn image n = scatter-add of col rows [C*KH*KW, OH*OW] (gradIn image overwritten). */
    static void col2im(Tensor col, long colBase, Conv2dSpec sp, int KH, int KW, int OH, int OW, Tensor gradIn, int n) {
        int C = gradIn.dim(1), H = gradIn.dim(2), W = gradIn.dim(3);
        long s1 = gradIn.stride(1), s2 = gradIn.stride(2), s3 = gradIn.stride(3);
        long go = gradIn.offset() + n * gradIn.stride(0);
        boolean f32 = gradIn.dtype() == DType.F32;
        MemorySegment gseg = nat(gradIn.segment()), cseg = nat(col.segment());
        if (s3 == 1 && s2 == W && s1 == (long) H * W) {
            zeroRun(gseg, go, (long) C * H * W, f32);
        } else {
            for (int c = 0; c < C; c++)
                for (int h = 0; h < H; h++)
                    for (int w = 0; w < W; w++) gradIn.write(go + c * s1 + h * s2 + w * s3, 0);
        }
        long r = colBase;
        for (int c = 0; c < C; c++)
            for (int i = 0; i < KH; i++)
                for (int j = 0; j < KW; j++) {
                    int off = j * sp.dilationW() - sp.padW();
                    int lo = off >= 0 ? 0 : Math.min(OW, (-off + sp.strideW() - 1) / sp.strideW());
                    int hi = W - 1 - off < 0 ? 0 : Math.min(OW, (W - 1 - off) / sp.strideW() + 1);
                    for (int oh = 0; oh < OH; oh++) {
                        int ih = oh * sp.strideH() - sp.padH() + i * sp.dilationH();
                        if (ih < 0 || ih >= H) continue;
                        long src = r + (long) oh * OW;
                        long dst = go + c * s1 + ih * s2 + (long) off * s3;
                        long step = sp.strideW() * s3;
                        if (step == 1) {
                            if (f32) addRowF32(gseg, dst + lo, cseg, src + lo, hi - lo);
                            else addRowF64(gseg, dst + lo, cseg, src + lo, hi - lo);
                        } else if (f32) {
                            for (int ow = lo; ow < hi; ow++) {
                                long e = dst + ow * step;
                                gseg.setAtIndex(F, e, gseg.getAtIndex(F, e) + cseg.getAtIndex(F, src + ow));
                            }
                        } else {
                            for (int ow = lo; ow < hi; ow++) {
                                long e = dst + ow * step;
                                gseg.setAtIndex(D, e, gseg.getAtIndex(D, e) + cseg.getAtIndex(D, src + ow));
                            }
                        }
                    }
                    r += (long) OH * OW;
                }
    }

    /**
     * d[0, len) += s[0, len), F32, element offsets: the stride-1 row of col2im (one direct loop per dtype, no
     * shared lambda, so C2 keeps the vectors in registers). Scalar tail in the same element order.
     */
    private static void addRowF32(MemorySegment d, long de, MemorySegment s, long se, int len) {
        d = nat(d); s = nat(s); // see NativeSegments
        int i = 0;
        for (; i + L <= len; i += L) {
            long db = 4 * (de + i);
            FloatVector.fromMemorySegment(FS, d, db, NO).add(FloatVector.fromMemorySegment(FS, s, 4 * (se + i), NO))
                    .intoMemorySegment(d, db, NO);
        }
        for (; i < len; i++) d.setAtIndex(F, de + i, d.getAtIndex(F, de + i) + s.getAtIndex(F, se + i));
    }

    /** As {@link #addRowF32}, F64. */
    private static void addRowF64(MemorySegment d, long de, MemorySegment s, long se, int len) {
        d = nat(d); s = nat(s); // see NativeSegments
        int i = 0;
        for (; i + DL <= len; i += DL) {
            long db = 8 * (de + i);
            DoubleVector.fromMemorySegment(DS, d, db, NO).add(DoubleVector.fromMemorySegment(DS, s, 8 * (se + i), NO))
                    .intoMemorySegment(d, db, NO);
        }
        for (; i < len; i++) d.setAtIndex(D, de + i, d.getAtIndex(D, de + i) + s.getAtIndex(D, se + i));
    }

    // ------------------------------------------------------------------ built-in F32 kernel

    /**
     * c[m, p] = (bias[m]) + sum_r a[m, r] * b[r, p] for m < M, p < P; a rows of stride lda, b rows of stride ldb
     * (unit column stride), c rows of stride ldc (unit column stride). Offsets and strides in elements.
     */
    static void gemmF32(MemorySegment a, long aOff, long lda, MemorySegment b, long bOff, long ldb,
                        MemorySegment c, long cOff, long ldc, int M, int R, int P, Tensor bias) {
        a = nat(a); b = nat(b); c = nat(c); // see NativeSegments
        // Split into small methods, one hot loop nest each: as one big method C2 sometimes stopped inlining the
        // Vector API calls (node-count cutoff) and boxed every vector.
        int m = 0, pWide = P - P % (2 * L);
        for (; m + 4 <= M; m += 4) {
            float z0 = biasAt(bias, m), z1 = biasAt(bias, m + 1), z2 = biasAt(bias, m + 2), z3 = biasAt(bias, m + 3);
            long a0 = aOff + m * lda;
            long co = cOff + m * ldc;
            if (pWide > 0) rows4Wide(a, a0, lda, b, bOff, ldb, c, co, ldc, R, pWide, z0, z1, z2, z3);
            if (pWide < P && P >= L) rows4Tail(a, a0, lda, b, bOff, ldb, c, co, ldc, R, pWide, P, z0, z1, z2, z3);
            else if (pWide < P) { // fewer columns than lanes: one masked vector per row
                row1(a, a0, b, bOff, ldb, c, co, R, 0, P, z0);
                row1(a, a0 + lda, b, bOff, ldb, c, co + ldc, R, 0, P, z1);
                row1(a, a0 + 2 * lda, b, bOff, ldb, c, co + 2 * ldc, R, 0, P, z2);
                row1(a, a0 + 3 * lda, b, bOff, ldb, c, co + 3 * ldc, R, 0, P, z3);
            }
        }
        int p4 = P - P % (4 * L);
        for (; m < M; m++) {
            float z = biasAt(bias, m);
            if (p4 > 0) row1Wide(a, aOff + m * lda, b, bOff, ldb, c, cOff + m * ldc, R, p4, z);
            if (p4 < P) row1(a, aOff + m * lda, b, bOff, ldb, c, cOff + m * ldc, R, p4, P, z);
        }
    }

    /**
     * One output row (the M % 4 leftover rows: backward-data of the MNIST layer has M = 9), columns [0, pEnd)
     * (a multiple of 4L): four independent accumulators, so the FMAs do not wait on one another's latency as
     * one accumulator per vector did.
     */
    private static void row1Wide(MemorySegment a, long a0, MemorySegment b, long bOff, long ldb, MemorySegment c, long cOff,
                                 int R, int pEnd, float z) {
        a = nat(a); b = nat(b); c = nat(c); // see NativeSegments
        for (int p = 0; p < pEnd; p += 4 * L) {
            FloatVector c0 = FloatVector.broadcast(FS, z), c1 = c0, c2 = c0, c3 = c0;
            for (int r = 0; r < R; r++) {
                long bo = (bOff + r * ldb + p) * 4;
                FloatVector x = FloatVector.broadcast(FS, a.getAtIndex(F, a0 + r));
                c0 = FloatVector.fromMemorySegment(FS, b, bo, NO).fma(x, c0);
                c1 = FloatVector.fromMemorySegment(FS, b, bo + 4L * L, NO).fma(x, c1);
                c2 = FloatVector.fromMemorySegment(FS, b, bo + 8L * L, NO).fma(x, c2);
                c3 = FloatVector.fromMemorySegment(FS, b, bo + 12L * L, NO).fma(x, c3);
            }
            long co = (cOff + p) * 4;
            c0.intoMemorySegment(c, co, NO); c1.intoMemorySegment(c, co + 4L * L, NO);
            c2.intoMemorySegment(c, co + 8L * L, NO); c3.intoMemorySegment(c, co + 12L * L, NO);
        }
    }

    /** Rows a0 .. a0+3*lda of the output, columns [0, pEnd) (a multiple of 2L): 4 x 2 vector accumulators. */
    private static void rows4Wide(MemorySegment a, long a0, long lda, MemorySegment b, long bOff, long ldb,
                                  MemorySegment c, long cOff, long ldc, int R, int pEnd, float z0, float z1, float z2, float z3) {
        a = nat(a); b = nat(b); c = nat(c); // see NativeSegments
        long a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < pEnd; p += 2 * L) {
            FloatVector c00 = FloatVector.broadcast(FS, z0), c01 = c00;
            FloatVector c10 = FloatVector.broadcast(FS, z1), c11 = c10;
            FloatVector c20 = FloatVector.broadcast(FS, z2), c21 = c20;
            FloatVector c30 = FloatVector.broadcast(FS, z3), c31 = c30;
            for (int r = 0; r < R; r++) {
                long bo = (bOff + r * ldb + p) * 4;
                FloatVector b0 = FloatVector.fromMemorySegment(FS, b, bo, NO);
                FloatVector b1 = FloatVector.fromMemorySegment(FS, b, bo + 4L * L, NO);
                FloatVector x = FloatVector.broadcast(FS, a.getAtIndex(F, a0 + r));
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = FloatVector.broadcast(FS, a.getAtIndex(F, a1 + r));
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = FloatVector.broadcast(FS, a.getAtIndex(F, a2 + r));
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = FloatVector.broadcast(FS, a.getAtIndex(F, a3 + r));
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            }
            long co = (cOff + p) * 4;
            c00.intoMemorySegment(c, co, NO); c01.intoMemorySegment(c, co + 4L * L, NO);
            co += ldc * 4;
            c10.intoMemorySegment(c, co, NO); c11.intoMemorySegment(c, co + 4L * L, NO);
            co += ldc * 4;
            c20.intoMemorySegment(c, co, NO); c21.intoMemorySegment(c, co + 4L * L, NO);
            co += ldc * 4;
            c30.intoMemorySegment(c, co, NO); c31.intoMemorySegment(c, co + 4L * L, NO);
        }
    }

    /**
     * As {@link #rows4Wide} for columns [p0, P) (fewer than 2L, P >= L), one vector at a time: the last vector ends at
     * P and overlaps columns already written, which it writes again with the same bits (the same products summed in
     * the same order). Unmasked on purpose: with a masked load and four masked stores this method parsed to ~22,000
     * C2 nodes, past the inlining cutoff (see VMath "ranges"), and in one CI run it boxed every vector of its
     * loop (conv backward-data of the MNIST layer, 105,600 B per call).
     */
    private static void rows4Tail(MemorySegment a, long a0, long lda, MemorySegment b, long bOff, long ldb,
                                  MemorySegment c, long cOff, long ldc, int R, int p0, int P, float z0, float z1, float z2, float z3) {
        a = nat(a); b = nat(b); c = nat(c); // see NativeSegments
        long a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p0v = p0; p0v < P; p0v += L) {
            int p = Math.min(p0v, P - L);
            FloatVector c0 = FloatVector.broadcast(FS, z0), c1 = FloatVector.broadcast(FS, z1);
            FloatVector c2 = FloatVector.broadcast(FS, z2), c3 = FloatVector.broadcast(FS, z3);
            for (int r = 0; r < R; r++) {
                FloatVector b0 = FloatVector.fromMemorySegment(FS, b, (bOff + r * ldb + p) * 4, NO);
                c0 = b0.fma(FloatVector.broadcast(FS, a.getAtIndex(F, a0 + r)), c0);
                c1 = b0.fma(FloatVector.broadcast(FS, a.getAtIndex(F, a1 + r)), c1);
                c2 = b0.fma(FloatVector.broadcast(FS, a.getAtIndex(F, a2 + r)), c2);
                c3 = b0.fma(FloatVector.broadcast(FS, a.getAtIndex(F, a3 + r)), c3);
            }
            long co = (cOff + p) * 4;
            c0.intoMemorySegment(c, co, NO);
            c1.intoMemorySegment(c, co + ldc * 4, NO);
            c2.intoMemorySegment(c, co + 2 * ldc * 4, NO);
            c3.intoMemorySegment(c, co + 3 * ldc * 4, NO);
        }
    }

    /** One output row, columns [p0, P), one (masked) vector at a time. */
    private static void row1(MemorySegment a, long a0, MemorySegment b, long bOff, long ldb, MemorySegment c, long cOff,
                             int R, int p0, int P, float z) {
        a = nat(a); b = nat(b); c = nat(c); // see NativeSegments
        for (int p = p0; p < P; p += L) {
            VectorMask<Float> mk = FS.indexInRange(p, P);
            FloatVector acc = FloatVector.broadcast(FS, z);
            for (int r = 0; r < R; r++) {
                FloatVector b0 = FloatVector.fromMemorySegment(FS, b, (bOff + r * ldb + p) * 4, NO, mk);
                acc = b0.fma(FloatVector.broadcast(FS, a.getAtIndex(F, a0 + r)), acc);
            }
            acc.intoMemorySegment(c, (cOff + p) * 4, NO, mk);
        }
    }

    private static float biasAt(Tensor bias, int m) {
        return bias == null ? 0f : (float) bias.read(bias.offset() + m * bias.stride(0));
    }

    /** Sum over p < P of a[p] * b[p], both unit-stride F32 (byte offsets), accumulated in float lanes. */
    private static float dotF32(MemorySegment a, long aByte, MemorySegment b, long bByte, int P) {
        a = nat(a); b = nat(b); // see NativeSegments
        FloatVector acc0 = FloatVector.zero(FS), acc1 = FloatVector.zero(FS);
        int p = 0;
        for (; p + 2 * L <= P; p += 2 * L) {
            long o = 4L * p;
            acc0 = FloatVector.fromMemorySegment(FS, a, aByte + o, NO).fma(FloatVector.fromMemorySegment(FS, b, bByte + o, NO), acc0);
            acc1 = FloatVector.fromMemorySegment(FS, a, aByte + o + 4L * L, NO).fma(FloatVector.fromMemorySegment(FS, b, bByte + o + 4L * L, NO), acc1);
        }
        float s = Lanes.sum(acc0.add(acc1));
        for (; p < P; p++) s += a.getAtIndex(F, aByte / 4 + p) * b.getAtIndex(F, bByte / 4 + p);
        return s;
    }

    /**
     * acc[kk*R + r0 + j] += sum over p of gradOut[n, kk, p] * cols[n, r0 + j, p] for j < 4: one load of the
     * gradient row feeds four column rows.
     */
    /**
     * acc[kk*R + r0 .. +3] += dot(gradOut row (n, kk), cols rows r0..r0+3 of image n). Kept small on purpose: with a
     * masked-vector tail and Tensor.read/write here, C2 hit NodeCountInliningCutoff in this method, left the
     * Vector API calls un-inlined and boxed every vector (100 MB per MNIST backward-weight call). The tail is
     * scalar (fewer than one vector of elements) and the accumulator is written through its segment.
     */
    private static void dot4(MemorySegment gs, long gO, long gs0, long gs1, int kk, MemorySegment cs, int n, int R, int P, int r0, Tensor acc) {
        gs = nat(gs); cs = nat(cs); // see NativeSegments
        long rowBytes = 4L * P;
        long gb = 4 * (gO + n * gs0 + kk * gs1);
        long cb = 4 * ((long) n * R * P + (long) r0 * P);
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
        int p = 0;
        for (; p + L <= P; p += L) {
            long o = 4L * p;
            FloatVector g = FloatVector.fromMemorySegment(FS, gs, gb + o, NO);
            a0 = FloatVector.fromMemorySegment(FS, cs, cb + o, NO).fma(g, a0);
            a1 = FloatVector.fromMemorySegment(FS, cs, cb + rowBytes + o, NO).fma(g, a1);
            a2 = FloatVector.fromMemorySegment(FS, cs, cb + 2 * rowBytes + o, NO).fma(g, a2);
            a3 = FloatVector.fromMemorySegment(FS, cs, cb + 3 * rowBytes + o, NO).fma(g, a3);
        }
        double t0 = Lanes.sum(a0), t1 = Lanes.sum(a1);
        double t2 = Lanes.sum(a2), t3 = Lanes.sum(a3);
        for (; p < P; p++) {
            long o = 4L * p;
            double g = gs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, gb + o);
            t0 += g * cs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, cb + o);
            t1 += g * cs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, cb + rowBytes + o);
            t2 += g * cs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, cb + 2 * rowBytes + o);
            t3 += g * cs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, cb + 3 * rowBytes + o);
        }
        MemorySegment as = nat(acc.segment());
        long e = 4 * (acc.offset() + (long) kk * R + r0);
        as.set(ValueLayout.JAVA_FLOAT_UNALIGNED, e, (float) (as.get(ValueLayout.JAVA_FLOAT_UNALIGNED, e) + t0));
        as.set(ValueLayout.JAVA_FLOAT_UNALIGNED, e + 4, (float) (as.get(ValueLayout.JAVA_FLOAT_UNALIGNED, e + 4) + t1));
        as.set(ValueLayout.JAVA_FLOAT_UNALIGNED, e + 8, (float) (as.get(ValueLayout.JAVA_FLOAT_UNALIGNED, e + 8) + t2));
        as.set(ValueLayout.JAVA_FLOAT_UNALIGNED, e + 12, (float) (as.get(ValueLayout.JAVA_FLOAT_UNALIGNED, e + 12) + t3));
    }

    private static float sumF32(MemorySegment a, long aByte, int P) {
        a = nat(a); // see NativeSegments
        FloatVector acc = FloatVector.zero(FS);
        int p = 0;
        for (; p + L <= P; p += L) acc = acc.add(FloatVector.fromMemorySegment(FS, a, aByte + 4L * p, NO));
        float s = Lanes.sum(acc);
        for (; p < P; p++) s += a.getAtIndex(F, aByte / 4 + p);
        return s;
    }

    // ------------------------------------------------------------------ convolution

    static void conv2d(VectorKernels k, Tensor x, Tensor w, Tensor bias, Conv2dSpec sp, Tensor out) {
        int N = x.dim(0), C = x.dim(1), K = w.dim(0), KH = w.dim(2), KW = w.dim(3), OH = out.dim(2), OW = out.dim(3);
        if (anyZero(N, C, K, OH, OW) || !planeViewable(out)) {
            k.scalarConv2d(x, w, bias, sp, out);
            return;
        }
        int R = C * KH * KW, P = OH * OW;
        DType dt = x.dtype();
        // Pack the weights as a contiguous [K, R] matrix (cheap: K*R elements).
        Tensor pack = ConvScratch.get(ConvScratch.PACK, dt, (long) K * R);
        packWeights(w, pack, false);
        boolean direct = dt == DType.F32 && R <= directMaxR && unitRows(out);
        // Parallel over images when the batch can feed every thread (or the built-in kernel runs); else serial.
        if ((direct || N >= Parallel.threads()) && Parallel.wouldSplit(N, 1)) {
            Job j = JOBS.get().fwd;
            j.k = k; j.x = x; j.sp = sp; j.KH = KH; j.KW = KW; j.OH = OH; j.OW = OW; j.K = K; j.R = R; j.P = P;
            j.direct = direct; j.pack = pack; j.bias = bias; j.out = out;
            j.fork(N);
        } else {
            conv2dImages(k, x, sp, KH, KW, OH, OW, K, R, P, direct, pack, bias, out, 0, N);
        }
    }

    /**
     * One parallel call's arguments, reused per calling thread (as GemmF32's Job) so a call allocates nothing:
     * a capturing lambda per call cost ~100 bytes at 2 threads. One subclass per body, so each run() inlines only
     * its own kernel (a single run() switching over all bodies would put every kernel into one compilation, which
     * risks C2's inlining node budget and boxed vectors). The fields are the call's locals; {@link #fork} clears
     * them after the call so the job holds no tensors in between.
     */
    private abstract static class Job implements Parallel.RangeTask {
        VectorKernels k;
        Tensor x, pack, bias, out, gradOut, gradIn, gradW, gradBias, acc;
        Conv2dSpec sp;
        int N, K, KH, KW, OH, OW, R, P, parts, full, taps, Wx, dh, dw;
        long img, plane;
        boolean direct;
        MemorySegment gs, xps;
        VectorMask<Float> keep;

        /** Runs this job over [0, n) on the workers, then drops its references. */
        final void fork(int n) {
            try {
                Parallel.forRange(n, 1, this);
            } finally {
                k = null;
                x = pack = bias = out = gradOut = gradIn = gradW = gradBias = acc = null;
                sp = null;
                gs = xps = null;
                keep = null;
            }
        }
    }

    private static final class FwdJob extends Job {
        @Override
        public void run(int lo, int hi) {
            conv2dImages(k, x, sp, KH, KW, OH, OW, K, R, P, direct, pack, bias, out, lo, hi);
        }
    }

    private static final class DataJob extends Job {
        @Override
        public void run(int lo, int hi) {
            dataImages(k, gradOut, sp, KH, KW, OH, OW, K, R, P, direct, pack, gradIn, lo, hi);
        }
    }

    private static final class Im2colJob extends Job {
        @Override
        public void run(int lo, int hi) {
            for (int n = lo; n < hi; n++) im2col(x, n, sp, KH, KW, OH, OW, acc, (long) n * R * P);
        }
    }

    private static final class DotJob extends Job {
        @Override
        public void run(int lo, int hi) {
            weightDotPart(gradOut, acc, pack, gradBias != null, N, K, R, P, lo, hi);
        }
    }

    private static final class GemmJob extends Job {
        @Override
        public void run(int lo, int hi) {
            weightGemmParts(x, gradOut, sp, acc, N, K, KH, KW, OH, OW, R, P, parts, lo, hi);
        }
    }

    private static final class RowsJob extends Job {
        @Override
        public void run(int lo, int hi) {
            weightRowsPart(this, lo, hi);
        }
    }

    /** This thread's jobs, one per body. */
    private static final class Jobs {
        final Job fwd = new FwdJob(), data = new DataJob(), im2col = new Im2colJob(), dot = new DotJob(), gemm = new GemmJob(),
                rows = new RowsJob();
    }

    private static final ThreadLocal<Jobs> JOBS = ThreadLocal.withInitial(Jobs::new);

    /** c = a @ b (beta 0) or c += a @ b (beta 1) through the Vector GEMM of the dtype, on raw operands: no views. */
    private static void gemmRaw(DType dt, MemorySegment as, long ao, long as0, long as1, MemorySegment bs, long bo, long bs0, long bs1,
                                double beta, MemorySegment cs, long co, long cs0, long cs1, int m, int n, int k) {
        as = nat(as); bs = nat(bs); cs = nat(cs); // see NativeSegments
        if (dt == DType.F32) GemmF32.gemm(1, as, ao, as0, as1, bs, bo, bs0, bs1, beta, cs, co, cs0, cs1, m, n, k);
        else GemmF64.gemm(1, as, ao, as0, as1, bs, bo, bs0, bs1, beta, cs, co, cs0, cs1, m, n, k);
    }

    private static void conv2dImages(VectorKernels k, Tensor x, Conv2dSpec sp, int KH, int KW, int OH, int OW, int K, int R, int P,
                                     boolean direct, Tensor pack, Tensor bias, Tensor out, int lo, int hi) {
        DType dt = x.dtype();
        MemorySegment ps = nat(pack.segment()), os = nat(out.segment());
        Tensor col = ConvScratch.get(ConvScratch.COL, dt, (long) R * P);
        MemorySegment cs = nat(col.segment());
        long o1 = out.stride(1), o3 = out.stride(3);
        for (int n = lo; n < hi; n++) {
            im2col(x, n, sp, KH, KW, OH, OW, col, 0);
            long on = out.offset() + n * out.stride(0);
            if (direct) {
                gemmF32(ps, 0, R, cs, 0, P, os, on, o1, K, R, P, bias);
            } else {
                gemmRaw(dt, ps, 0, R, 1, cs, 0, P, 1, 0, os, on, o1, o3, K, P, R);
                if (bias != null) addBias(os, on, o1, o3, dt, bias, K, P);
            }
        }
    }

    /** The [K, P] matrix at element offset o (strides s0, s1) of seg += bias[k] per row. */
    private static void addBias(MemorySegment ms, long o, long s0, long s1, DType dt, Tensor bias, int K, int P) {
        ms = nat(ms); // see NativeSegments
        if (dt == DType.F32 && s1 == 1) {
            for (int kk = 0; kk < K; kk++) addBiasRowF32(ms, o + kk * s0, P, biasAt(bias, kk));
            return;
        }
        for (int kk = 0; kk < K; kk++) {
            double b = bias.read(bias.offset() + kk * bias.stride(0));
            for (int p = 0; p < P; p++) {
                long e = o + kk * s0 + p * s1;
                if (dt == DType.F32) ms.setAtIndex(F, e, (float) (ms.getAtIndex(F, e) + b));
                else ms.setAtIndex(D, e, ms.getAtIndex(D, e) + b);
            }
        }
    }

    /** seg[e, e + P) += b, F32. */
    private static void addBiasRowF32(MemorySegment seg, long e, int P, float b) {
        seg = nat(seg); // see NativeSegments
        FloatVector bv = FloatVector.broadcast(FS, b);
        int p = 0;
        for (; p + L <= P; p += L) {
            long q = 4 * (e + p);
            FloatVector.fromMemorySegment(FS, seg, q, NO).add(bv).intoMemorySegment(seg, q, NO);
        }
        for (; p < P; p++) seg.setAtIndex(F, e + p, seg.getAtIndex(F, e + p) + b);
    }

    /** pack = w as contiguous [K, R] (transposed: [R, K]). */
    private static void packWeights(Tensor w, Tensor pack, boolean transposed) {
        int K = w.dim(0), C = w.dim(1), KH = w.dim(2), KW = w.dim(3);
        int R = C * KH * KW;
        long wo = w.offset(), s0 = w.stride(0), s1 = w.stride(1), s2 = w.stride(2), s3 = w.stride(3);
        for (int kk = 0; kk < K; kk++) {
            int r = 0;
            for (int c = 0; c < C; c++)
                for (int i = 0; i < KH; i++)
                    for (int j = 0; j < KW; j++, r++) {
                        double v = w.read(wo + kk * s0 + c * s1 + i * s2 + j * s3);
                        pack.write(transposed ? (long) r * K + kk : (long) kk * R + r, v);
                    }
        }
    }

    static void conv2dBackwardData(VectorKernels k, Tensor gradOut, Tensor w, Conv2dSpec sp, Tensor gradIn) {
        int N = gradIn.dim(0), C = gradIn.dim(1), K = w.dim(0), KH = w.dim(2), KW = w.dim(3);
        int OH = gradOut.dim(2), OW = gradOut.dim(3);
        if (anyZero(N, C, K, OH, OW) || !planeViewable(gradOut)) {
            k.scalarConv2dBackwardData(gradOut, w, sp, gradIn);
            return;
        }
        int R = C * KH * KW, P = OH * OW;
        DType dt = gradIn.dtype();
        boolean direct = dt == DType.F32 && K <= directMaxR && unitRows(gradOut);
        if (!direct && dataAsConv && C >= dataAsConvMinC && backwardDataAsConv(k, gradOut, w, sp, gradIn, N, C, K, KH, KW)) return;
        Tensor pack = ConvScratch.get(ConvScratch.PACK, dt, (long) K * R);
        packWeights(w, pack, true);
        // Parallel over images when the batch can feed every thread (or the built-in kernel runs); else serial.
        if ((direct || N >= Parallel.threads()) && Parallel.wouldSplit(N, 1)) {
            Job j = JOBS.get().data;
            j.k = k; j.gradOut = gradOut; j.sp = sp; j.KH = KH; j.KW = KW; j.OH = OH; j.OW = OW; j.K = K; j.R = R; j.P = P;
            j.direct = direct; j.pack = pack; j.gradIn = gradIn;
            j.fork(N);
        } else {
            dataImages(k, gradOut, sp, KH, KW, OH, OW, K, R, P, direct, pack, gradIn, 0, N);
        }
    }

    /** Backward-data of images [lo, hi) as GEMM (packed w^T [R, K] times the image's gradOut [K, P]) + col2im. */
    private static void dataImages(VectorKernels k, Tensor gradOut, Conv2dSpec sp, int KH, int KW, int OH, int OW, int K, int R, int P,
                                   boolean direct, Tensor pack, Tensor gradIn, int lo, int hi) {
        DType dt = gradIn.dtype();
        Tensor col = ConvScratch.get(ConvScratch.COL, dt, (long) R * P);
        MemorySegment ps = nat(pack.segment()), gs = nat(gradOut.segment()), cs = nat(col.segment());
        long g1 = gradOut.stride(1), g3 = gradOut.stride(3);
        for (int n = lo; n < hi; n++) {
            long gn = gradOut.offset() + n * gradOut.stride(0);
            if (direct) gemmF32(ps, 0, K, gs, gn, g1, cs, 0, P, R, K, P, null);
            else gemmRaw(dt, ps, 0, K, 1, gs, gn, g1, g3, 0, cs, 0, P, 1, R, P, K);
            col2im(col, 0, sp, KH, KW, OH, OW, gradIn, n);
        }
    }

    /**
     * Stride-1 backward-data through {@link #backwardDataAsConv} when the column path would use k.gemm (tests
     * switch it off to reach GEMM + col2im).
     */
    static volatile boolean dataAsConv = !Boolean.getBoolean("vectorgrad.conv.noDataAsConv");
    /**
     * The forward-convolution form's GEMM has only C rows: with C = 1 it is a matrix-vector product (MNIST
     * layer through k.gemm, caller-thread CPU time, loaded 2-core AVX2 machine, 1 thread: 5.7 ms against 1.2 ms
     * for GEMM + col2im); the mid layer (C = 32) runs 7.0 ms against 12.5 ms. Below this many input channels
     * GEMM + col2im runs. Not final so tests can reach both forms on small shapes.
     */
    static volatile int dataAsConvMinC = Integer.getInteger("vectorgrad.conv.dataAsConvMinC", 16);
    /** The last full-correlation spec built (records are immutable: shared, so a repeated shape allocates none). */
    private static volatile Conv2dSpec lastFullSpec = Conv2dSpec.DEFAULT;

    /**
     * Backward-data of a stride-1 layer is a forward convolution of gradOut (zero-padded by d*(KH-1) - pad, the
     * same dilation) with the weights flipped in both spatial axes and their two channel axes swapped:
     * gradIn[c, h, v] = sum over k, i, j of w[k, c, i, j] * gradOut[k, h + pad - d*i, v + pad - d*j]. Per image
     * that is im2col of gradOut [K*KH*KW, H*W] and one GEMM [C, K*KH*KW] x [K*KH*KW, H*W] straight into gradIn:
     * the reduction is K*KH*KW long instead of K (the GEMM + col2im form), and there is no scatter-add. Returns
     * false (nothing written) when the padding exceeds d*(KH-1) or gradIn images are not [C, H*W] views.
     */
    private static boolean backwardDataAsConv(VectorKernels k, Tensor gradOut, Tensor w, Conv2dSpec sp, Tensor gradIn,
                                              int N, int C, int K, int KH, int KW) {
        int ph = sp.dilationH() * (KH - 1) - sp.padH(), pw = sp.dilationW() * (KW - 1) - sp.padW();
        if (sp.strideH() != 1 || sp.strideW() != 1 || ph < 0 || pw < 0 || !planeViewable(gradIn)) return false;
        int H = gradIn.dim(2), W = gradIn.dim(3), R = K * KH * KW, P = H * W;
        Conv2dSpec full = lastFullSpec;
        if (full.padH() != ph || full.padW() != pw || full.dilationH() != sp.dilationH() || full.dilationW() != sp.dilationW()
                || full.strideH() != 1 || full.strideW() != 1) {
            lastFullSpec = full = new Conv2dSpec(1, 1, ph, pw, sp.dilationH(), sp.dilationW());
        }
        DType dt = gradIn.dtype();
        Tensor pack = ConvScratch.get(ConvScratch.PACK, dt, (long) C * R);
        packFlipped(w, pack);
        if (N >= Parallel.threads() && Parallel.wouldSplit(N, 1)) {
            Job j = JOBS.get().fwd;
            j.k = k; j.x = gradOut; j.sp = full; j.KH = KH; j.KW = KW; j.OH = H; j.OW = W; j.K = C; j.R = R; j.P = P;
            j.direct = false; j.pack = pack; j.bias = null; j.out = gradIn;
            j.fork(N);
        } else {
            conv2dImages(k, gradOut, full, KH, KW, H, W, C, R, P, false, pack, null, gradIn, 0, N);
        }
        return true;
    }

    /** pack[c, (kk*KH + i)*KW + j] = w[kk, c, KH-1-i, KW-1-j]: contiguous [C, K*KH*KW]. */
    private static void packFlipped(Tensor w, Tensor pack) {
        int K = w.dim(0), C = w.dim(1), KH = w.dim(2), KW = w.dim(3);
        long R = (long) K * KH * KW;
        long wo = w.offset(), s0 = w.stride(0), s1 = w.stride(1), s2 = w.stride(2), s3 = w.stride(3);
        MemorySegment ws = nat(w.segment()), ps = nat(pack.segment());
        boolean f32 = w.dtype() == DType.F32;
        for (int c = 0; c < C; c++)
            for (int kk = 0; kk < K; kk++)
                for (int i = 0; i < KH; i++)
                    for (int j = 0; j < KW; j++) {
                        long src = wo + kk * s0 + c * s1 + (KH - 1 - i) * s2 + (KW - 1 - j) * s3;
                        long dst = c * R + ((long) kk * KH + i) * KW + j;
                        if (f32) ps.setAtIndex(F, dst, ws.getAtIndex(F, src));
                        else ps.setAtIndex(D, dst, ws.getAtIndex(D, src));
                    }
    }

    static void conv2dBackwardWeight(VectorKernels k, Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor gradW, Tensor gradBias) {
        int N = x.dim(0), C = x.dim(1), K = gradW.dim(0), KH = gradW.dim(2), KW = gradW.dim(3);
        int OH = gradOut.dim(2), OW = gradOut.dim(3);
        if (anyZero(N, C, K, OH, OW) || !planeViewable(gradOut)) {
            k.scalarConv2dBackwardWeight(x, gradOut, sp, gradW, gradBias);
            return;
        }
        int R = C * KH * KW, P = OH * OW;
        DType dt = x.dtype();
        if (dt == DType.F32 && R <= weightRowsMaxR && weightRows && unitRows(gradOut) && sp.strideH() == 1 && sp.strideW() == 1
                && OW >= L && backwardWeightRows(x, gradOut, sp, gradW, gradBias, N, C, K, KH, KW, OH, OW)) {
            return;
        }
        if (dt == DType.F32 && R <= weightDirectMaxR && unitRows(gradOut)) {
            backwardWeightDot(x, gradOut, sp, gradW, gradBias, N, C, K, KH, KW, OH, OW);
        } else {
            backwardWeightGemm(k, x, gradOut, sp, gradW, gradBias, N, C, K, KH, KW, OH, OW);
        }
    }

    /** Stride-1 short-reduction backward-weight through {@link #backwardWeightRows} (tests switch it off to reach the dot path). */
    static volatile boolean weightRows = !Boolean.getBoolean("vectorgrad.conv.noWeightRows");
    /** Largest R = C*KH*KW for {@link #backwardWeightRows}. */
    static volatile int weightRowsMaxR = Integer.getInteger("vectorgrad.conv.weightRowsMaxR", 64);

    /**
     * Stride-1 short reductions (the MNIST layer: 1 input channel, R = 9), no im2col: with x zero-padded into
     * scratch xp [N, C, H+2ph, W+2pw], the weight gradient is dW[o, t] = sum over n, oh, ow of
     * dY[n, o, oh, ow] * xp[n, tap t + oh*Wx + ow], a dot product of each dY row with a shifted xp row. Two
     * output channels and four taps at a time (8 accumulators; per vector step 2 dY loads and 4 xp loads feed 8
     * FMAs), accumulated over the whole batch in registers and reduced once per weight; the bias gradient rides
     * along with the last tap block. Rows are walked in vectors of L; the last, partial vector of a row is loaded
     * at OW - L (overlapping the previous one) with the dY lanes already counted set to zero, so there is no
     * scalar tail. That multiplies 0 by xp values, exact only when x is finite: a non-finite x returns false
     * (caller takes the dot path, which matches the oracle's NaN/Inf). Parallel over output-channel pairs;
     * each weight is summed by one thread in a fixed order (deterministic for any thread count).
     */
    private static boolean backwardWeightRows(Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor gradW, Tensor gradBias,
                                              int N, int C, int K, int KH, int KW, int OH, int OW) {
        int H = x.dim(2), W = x.dim(3), ph = sp.padH(), pw = sp.padW();
        int Hx = H + 2 * ph, Wx = W + 2 * pw;
        if (OH != Hx - (KH - 1) * sp.dilationH() || OW != Wx - (KW - 1) * sp.dilationW()) return false;
        long plane = (long) Hx * Wx, img = C * plane;
        Tensor xp = ConvScratch.get(ConvScratch.COL, DType.F32, N * img);
        MemorySegment xps = nat(xp.segment());
        long xOff = x.offset(), x0 = x.stride(0), x1 = x.stride(1), x2 = x.stride(2), x3 = x.stride(3);
        MemorySegment xs = nat(x.segment());
        if (N * img <= PAD_SERIAL_MAX) { // a copy of this size costs less than handing it to the workers
            for (int n = 0; n < N; n++) padImage(xs, xOff + n * x0, x1, x2, x3, C, H, W, ph, pw, xps, n * img, Hx, Wx);
        } else {
            Parallel.forRange(N, 1, (lo, hi) -> {
                for (int n = lo; n < hi; n++) padImage(xs, xOff + n * x0, x1, x2, x3, C, H, W, ph, pw, xps, n * img, Hx, Wx);
            });
        }
        if (!allFinite(xps, N * img)) return false;
        int taps = C * KH * KW, full = taps - taps % 4;
        int rem = OW % L;
        // Lanes of the last, overlapping vector of a row that were not counted yet: the top rem lanes.
        VectorMask<Float> keep = KEEP[rem];
        Job j = JOBS.get().rows;
        j.gradOut = gradOut; j.gs = gradOut.segment(); j.xps = xps; j.img = img; j.plane = plane; j.Wx = Wx;
        j.dh = sp.dilationH(); j.dw = sp.dilationW(); j.full = full; j.taps = taps; j.keep = keep;
        j.N = N; j.K = K; j.KH = KH; j.KW = KW; j.OH = OH; j.OW = OW; j.gradW = gradW; j.gradBias = gradBias;
        int pairs = (K + 1) / 2;
        if (Parallel.wouldSplit(pairs, 1)) {
            j.fork(pairs);
        } else {
            try {
                weightRowsPart(j, 0, pairs);
            } finally {
                j.gradOut = j.gradW = j.gradBias = null;
                j.gs = j.xps = null;
                j.keep = null;
            }
        }
        return true;
    }

    /** Output-channel pairs [lo, hi) of {@link #backwardWeightRows}. */
    private static void weightRowsPart(Job j, int lo, int hi) {
        Tensor gradOut = j.gradOut, gradW = j.gradW, gradBias = j.gradBias;
        MemorySegment gs = j.gs, xps = j.xps;
        long gO = gradOut.offset(), gs0 = gradOut.stride(0), gs1 = gradOut.stride(1), gs2 = gradOut.stride(2);
        long img = j.img, plane = j.plane;
        int Wx = j.Wx, dh = j.dh, dw = j.dw, full = j.full, taps = j.taps, N = j.N, K = j.K, KH = j.KH, KW = j.KW, OH = j.OH, OW = j.OW;
        VectorMask<Float> keep = j.keep;
        // The accumulators leave the kernels through this per-thread buffer: a vector passed to a helper that
        // C2 does not inline (the kernels are large) would be boxed.
        MemorySegment red = ConvScratch.get(ConvScratch.ACC, DType.F32, 8L * L).segment();
        for (int pair = lo; pair < hi; pair++) {
            int o0 = 2 * pair, o1 = Math.min(o0 + 1, K - 1);
            for (int t = 0; t < full; t += 4)
                rowsTaps4(gs, gO, gs0, gs1, gs2, o0, o1, xps, img, Wx, tapOffset(t, KH, KW, plane, Wx, dh, dw),
                        tapOffset(t + 1, KH, KW, plane, Wx, dh, dw), tapOffset(t + 2, KH, KW, plane, Wx, dh, dw),
                        tapOffset(t + 3, KH, KW, plane, Wx, dh, dw), N, OH, OW, keep, red, gradW, t, KH, KW);
            // Leftover taps one at a time, the bias sums with them (with a dummy tap when none is left).
            for (int t = full; t < Math.max(taps, full + (gradBias != null ? 1 : 0)); t++)
                rowsTap1Bias(gs, gO, gs0, gs1, gs2, o0, o1, xps, img, Wx, t < taps ? tapOffset(t, KH, KW, plane, Wx, dh, dw) : 0,
                        N, OH, OW, keep, red, t < taps ? gradW : null, t, KH, KW, t == full ? gradBias : null);
        }
    }

    /** KEEP[rem]: the top rem lanes (rem = OW % L), made once: a mask built per call and stored in the Job was a heap object. */
    private static final VectorMask<Float>[] KEEP = keepMasks();

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] keepMasks() {
        VectorMask<Float>[] m = new VectorMask[L];
        for (int rem = 0; rem < L; rem++) m[rem] = VectorMask.fromLong(FS, rem == 0 ? 0 : ((1L << rem) - 1) << (L - rem));
        return m;
    }

    /** Padded copies of up to this many elements (the MNIST batch: 25,088) are made on the calling thread. */
    private static final long PAD_SERIAL_MAX = 1 << 18;

    /** Element offset of tap t = (c, i, j) in a padded image: c*plane + i*dh*Wx + j*dw. */
    private static long tapOffset(int t, int KH, int KW, long plane, int Wx, int dh, int dw) {
        int c = t / (KH * KW), i = t / KW % KH, j = t % KW;
        return c * plane + (long) i * dh * Wx + (long) j * dw;
    }

    /** Sum of the L floats of vector slot v of red, in lane order (as {@link Lanes#sum}). */
    private static float laneSum(MemorySegment red, int v) {
        red = nat(red); // see NativeSegments
        long b = (long) v * L;
        float s = red.getAtIndex(F, b);
        for (int i = 1; i < L; i++) s += red.getAtIndex(F, b + i);
        return s;
    }

    /** gradW[o, tap t] = v (tap t = (c, i, j)). */
    private static void storeW(Tensor gradW, int o, int t, int KH, int KW, float v) {
        int c = t / (KH * KW), i = t / KW % KH, j = t % KW;
        gradW.write(gradW.offset() + o * gradW.stride(0) + c * gradW.stride(1) + i * gradW.stride(2) + j * gradW.stride(3), v);
    }

    /** xp image at element d = x image at xb, zero-padded by ph rows / pw columns on each side. */
    private static void padImage(MemorySegment xs, long xb, long x1, long x2, long x3, int C, int H, int W, int ph, int pw,
                                 MemorySegment xps, long d, int Hx, int Wx) {
        xs = nat(xs); xps = nat(xps); // see NativeSegments
        if (ph > 0 || pw > 0) zeroF32(xps, d, C * Hx * Wx);
        for (int c = 0; c < C; c++)
            for (int h = 0; h < H; h++) {
                long src = xb + c * x1 + h * x2, dst = d + ((long) c * Hx + h + ph) * Wx + pw;
                if (x3 == 1) MemorySegment.copy(xs, src * 4, xps, dst * 4, W * 4L);
                else for (int w = 0; w < W; w++) xps.setAtIndex(F, dst + w, xs.getAtIndex(F, src + w * x3));
            }
    }

    /** True when no element of seg[0, len) is NaN or infinite. */
    private static boolean allFinite(MemorySegment seg, long len) {
        seg = nat(seg); // see NativeSegments
        // Scalar on purpose: the vector form (max of |x| in lanes) sometimes stayed C1-compiled in a warm JVM and
        // boxed every vector (640 KB per MNIST backward-weight call at 2 threads, ConvTrainingAllocationTest;
        // ~310 KB per call in ConvCpuTimeCompare). An exponent test on the bits never allocates, in any tier, and
        // costs ~2-4% of that call (28.8k elements).
        // Exponent all ones (Inf, NaN) plus one exponent step carries into the sign bit; no finite value does.
        int bad = 0;
        for (long i = 0; i < len; i++) bad |= (seg.getAtIndex(ValueLayout.JAVA_INT, i) & 0x7f800000) + 0x00800000;
        return bad >= 0;
    }

    /** dW[o0|o1, taps t..t+3] (tap element offsets u0..u3) over the batch: 2 x 4 vector accumulators. */
    private static void rowsTaps4(MemorySegment gs, long gO, long gs0, long gs1, long gs2, int o0, int o1,
                                  MemorySegment xs, long img, int Wx, long u0, long u1, long u2, long u3,
                                  int N, int OH, int OW, VectorMask<Float> keep, MemorySegment red, Tensor gradW, int t, int KH, int KW) {
        gs = nat(gs); xs = nat(xs); red = nat(red); // see NativeSegments
        FloatVector a00 = FloatVector.zero(FS), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector zero = a00;
        long b0 = 4 * u0, b1 = 4 * u1, b2 = 4 * u2, b3 = 4 * u3;
        for (int n = 0; n < N; n++) {
            long g0 = 4 * (gO + n * gs0 + o0 * gs1), g1 = 4 * (gO + n * gs0 + o1 * gs1), xb = 4 * (n * img);
            for (int oh = 0; oh < OH; oh++) {
                long r0 = g0 + 4 * oh * gs2, r1 = g1 + 4 * oh * gs2, xr = xb + 4L * oh * Wx;
                for (int ow = 0; ow < OW; ow += L) {
                    long q = 4L * Math.min(ow, OW - L);
                    FloatVector y0 = FloatVector.fromMemorySegment(FS, gs, r0 + q, NO), y1 = FloatVector.fromMemorySegment(FS, gs, r1 + q, NO);
                    if (ow + L > OW) { // the last, overlapping vector of the row: only the lanes not counted yet
                        y0 = zero.blend(y0, keep);
                        y1 = zero.blend(y1, keep);
                    }
                    FloatVector v = FloatVector.fromMemorySegment(FS, xs, xr + b0 + q, NO);
                    a00 = y0.fma(v, a00); a10 = y1.fma(v, a10);
                    v = FloatVector.fromMemorySegment(FS, xs, xr + b1 + q, NO);
                    a01 = y0.fma(v, a01); a11 = y1.fma(v, a11);
                    v = FloatVector.fromMemorySegment(FS, xs, xr + b2 + q, NO);
                    a02 = y0.fma(v, a02); a12 = y1.fma(v, a12);
                    v = FloatVector.fromMemorySegment(FS, xs, xr + b3 + q, NO);
                    a03 = y0.fma(v, a03); a13 = y1.fma(v, a13);
                }
            }
        }
        long vb = 4L * L;
        a00.intoMemorySegment(red, 0, NO); a01.intoMemorySegment(red, vb, NO);
        a02.intoMemorySegment(red, 2 * vb, NO); a03.intoMemorySegment(red, 3 * vb, NO);
        a10.intoMemorySegment(red, 4 * vb, NO); a11.intoMemorySegment(red, 5 * vb, NO);
        a12.intoMemorySegment(red, 6 * vb, NO); a13.intoMemorySegment(red, 7 * vb, NO);
        for (int j = 0; j < 4; j++) {
            storeW(gradW, o0, t + j, KH, KW, laneSum(red, j));
            storeW(gradW, o1, t + j, KH, KW, laneSum(red, 4 + j));
        }
    }

    /**
     * dW[o0|o1, tap t] (tap element offset u0) and the dY sums of o0, o1 over the batch; writes the weights when
     * gradW is not null, the bias when gradBias is not null.
     */
    private static void rowsTap1Bias(MemorySegment gs, long gO, long gs0, long gs1, long gs2, int o0, int o1,
                                     MemorySegment xs, long img, int Wx, long u0, int N, int OH, int OW, VectorMask<Float> keep,
                                     MemorySegment red, Tensor gradW, int t, int KH, int KW, Tensor gradBias) {
        gs = nat(gs); xs = nat(xs); red = nat(red); // see NativeSegments
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, s0 = a0, s1 = a0, zero = a0;
        long b0 = 4 * u0;
        for (int n = 0; n < N; n++) {
            long g0 = 4 * (gO + n * gs0 + o0 * gs1), g1 = 4 * (gO + n * gs0 + o1 * gs1), xb = 4 * (n * img);
            for (int oh = 0; oh < OH; oh++) {
                long r0 = g0 + 4 * oh * gs2, r1 = g1 + 4 * oh * gs2, xr = xb + 4L * oh * Wx + b0;
                for (int ow = 0; ow < OW; ow += L) {
                    long q = 4L * Math.min(ow, OW - L);
                    FloatVector y0 = FloatVector.fromMemorySegment(FS, gs, r0 + q, NO), y1 = FloatVector.fromMemorySegment(FS, gs, r1 + q, NO);
                    if (ow + L > OW) { // as in rowsTaps4
                        y0 = zero.blend(y0, keep);
                        y1 = zero.blend(y1, keep);
                    }
                    FloatVector v = FloatVector.fromMemorySegment(FS, xs, xr + q, NO);
                    a0 = y0.fma(v, a0); a1 = y1.fma(v, a1);
                    s0 = s0.add(y0); s1 = s1.add(y1);
                }
            }
        }
        long vb = 4L * L;
        a0.intoMemorySegment(red, 0, NO); a1.intoMemorySegment(red, vb, NO);
        s0.intoMemorySegment(red, 2 * vb, NO); s1.intoMemorySegment(red, 3 * vb, NO);
        if (gradW != null) {
            storeW(gradW, o0, t, KH, KW, laneSum(red, 0));
            storeW(gradW, o1, t, KH, KW, laneSum(red, 1));
        }
        if (gradBias != null) {
            long bs = gradBias.stride(0), bo = gradBias.offset();
            gradBias.write(bo + o0 * bs, laneSum(red, 2));
            gradBias.write(bo + o1 * bs, laneSum(red, 3));
        }
    }

    /**
     * Short reductions (the MNIST layer, R = 9): one dot product of length OH*OW per weight and image, parallel
     * over output channels.
     */
    private static void backwardWeightDot(Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor gradW, Tensor gradBias,
                                          int N, int C, int K, int KH, int KW, int OH, int OW) {
        int R = C * KH * KW, P = OH * OW;
        // All images' columns at once: [N, R, P].
        Tensor cols = ConvScratch.get(ConvScratch.COL, DType.F32, (long) N * R * P);
        Tensor acc = ConvScratch.get(ConvScratch.ACC, DType.F32, (long) K * R + K);
        if (Parallel.wouldSplit(N, 1)) {
            Job j = JOBS.get().im2col;
            j.x = x; j.sp = sp; j.KH = KH; j.KW = KW; j.OH = OH; j.OW = OW; j.R = R; j.P = P; j.acc = cols;
            j.fork(N);
        } else {
            for (int n = 0; n < N; n++) im2col(x, n, sp, KH, KW, OH, OW, cols, (long) n * R * P);
        }
        if (Parallel.wouldSplit(K, 1)) {
            Job j = JOBS.get().dot;
            j.gradOut = gradOut; j.acc = acc; j.pack = cols; j.gradBias = gradBias; j.N = N; j.K = K; j.R = R; j.P = P;
            j.fork(K);
        } else {
            weightDotPart(gradOut, acc, cols, gradBias != null, N, K, R, P, 0, K);
        }
        writeGradW(acc, false, (long) K * R, gradW, gradBias, K, C, KH, KW);
    }

    /** Backward-weight dot products of output channels [lo, hi) over the whole batch (cols: all images' im2col). */
    private static void weightDotPart(Tensor gradOut, Tensor acc, Tensor cols, boolean wantBias, int N, int K, int R, int P, int lo, int hi) {
        long gO = gradOut.offset(), gs0 = gradOut.stride(0), gs1 = gradOut.stride(1);
        MemorySegment gs = nat(gradOut.segment()), cs = nat(cols.segment());
        for (int kk = lo; kk < hi; kk++)
            for (int r = 0; r < R; r++) acc.write((long) kk * R + r, 0);
        // Image-outer order: one image's columns (R*P floats) stay in cache while every k of this part uses them.
        for (int n = 0; n < N; n++)
            for (int kk = lo; kk < hi; kk++) {
                int r = 0;
                for (; r + 4 <= R; r += 4) dot4(gs, gO, gs0, gs1, kk, cs, n, R, P, r, acc);
                for (; r < R; r++) {
                    long e = (long) kk * R + r;
                    acc.write(e, acc.read(e) + dotF32(gs, 4 * (gO + n * gs0 + kk * gs1), cs, 4 * ((long) n * R * P + (long) r * P), P));
                }
            }
        for (int kk = lo; kk < hi; kk++) {
            if (wantBias) {
                double s = 0;
                for (int n = 0; n < N; n++) s += sumF32(gs, 4 * (gO + n * gs0 + kk * gs1), P);
                acc.write((long) K * R + kk, s);
            }
        }
    }

    /**
     * Long reductions (the mid layer, R = 288): per image gradW^T [R, K] += cols [R, P] * gT [P, K], where cols
     * is the image's im2col (R*P floats: stays in L2) and gT its gradOut transposed (K*P elements), so both GEMM
     * operands are row-major (unit-stride packing; the transposed-B view of the straightforward formulation
     * made the GEMM gather). The batch is split into one contiguous run of images per thread, each thread
     * accumulating into its own [R, K] slice with single-threaded GEMMs (no synchronisation per image); the
     * slices are summed at the end.
     */
    private static void backwardWeightGemm(VectorKernels k, Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor gradW, Tensor gradBias,
                                           int N, int C, int K, int KH, int KW, int OH, int OW) {
        int R = C * KH * KW, P = OH * OW, RK = R * K;
        DType dt = x.dtype();
        int parts = Math.max(1, Math.min(Parallel.threads(), N));
        Tensor acc = ConvScratch.get(ConvScratch.ACC, dt, (long) parts * RK + K);
        if (Parallel.wouldSplit(parts, 1)) {
            Job j = JOBS.get().gemm;
            j.x = x; j.gradOut = gradOut; j.sp = sp; j.acc = acc;
            j.N = N; j.K = K; j.KH = KH; j.KW = KW; j.OH = OH; j.OW = OW; j.R = R; j.P = P; j.parts = parts;
            j.fork(parts);
        } else {
            weightGemmParts(x, gradOut, sp, acc, N, K, KH, KW, OH, OW, R, P, parts, 0, parts);
        }
        for (int part = 1; part < parts; part++)
            for (int e = 0; e < RK; e++) acc.write(e, acc.read(e) + acc.read((long) part * RK + e));
        long biasAt = (long) parts * RK;
        if (gradBias != null) {
            long gO = gradOut.offset(), gs0 = gradOut.stride(0), gs1 = gradOut.stride(1);
            boolean f32unit = dt == DType.F32 && unitRows(gradOut);
            MemorySegment gs = nat(gradOut.segment());
            long gs2 = gradOut.stride(2), gs3 = gradOut.stride(3);
            for (int kk = 0; kk < K; kk++) {
                double s = 0;
                for (int n = 0; n < N; n++) {
                    long base = gO + n * gs0 + kk * gs1;
                    if (f32unit) {
                        s += sumF32(gs, 4 * base, P);
                    } else {
                        for (int oh = 0; oh < OH; oh++)
                            for (int ow = 0; ow < OW; ow++) s += gradOut.read(base + oh * gs2 + ow * gs3);
                    }
                }
                acc.write(biasAt + kk, s);
            }
        }
        writeGradW(acc, true, biasAt, gradW, gradBias, K, C, KH, KW);
    }

    /** Parts [lo, hi) of {@link #backwardWeightGemm}: each sums its run of images into its own [R, K] slice of acc. */
    private static void weightGemmParts(Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor acc, int N, int K, int KH, int KW, int OH, int OW,
                                        int R, int P, int parts, int lo, int hi) {
        DType dt = x.dtype();
        long RK = (long) R * K;
        for (int part = lo; part < hi; part++) {
            int n0 = (int) ((long) N * part / parts), n1 = (int) ((long) N * (part + 1) / parts);
            Tensor col = ConvScratch.get(ConvScratch.COL, dt, (long) R * P);
            Tensor gT = ConvScratch.get(ConvScratch.GT, dt, (long) P * K);
            MemorySegment cs = nat(col.segment()), ts = nat(gT.segment()), as = nat(acc.segment());
            long ao = acc.offset() + part * RK;
            if (n0 == n1) {
                for (long e = 0; e < RK; e++) acc.write(ao + e, 0);
            }
            for (int n = n0; n < n1; n++) {
                im2col(x, n, sp, KH, KW, OH, OW, col, 0);
                transposeImage(gradOut, n, K, OH, OW, gT);
                gemmRaw(dt, cs, 0, P, 1, ts, 0, K, 1, n == n0 ? 0 : 1, as, ao, K, 1, R, K, P);
            }
        }
    }

    /** gT[p * K + kk] = gradOut[n, kk, p] (p = oh*OW + ow). */
    private static void transposeImage(Tensor g, int n, int K, int OH, int OW, Tensor gT) {
        int P = OH * OW;
        long base = g.offset() + n * g.stride(0), s1 = g.stride(1), s2 = g.stride(2), s3 = g.stride(3);
        MemorySegment src = nat(g.segment()), dst = nat(gT.segment());
        long d0 = 0;
        boolean unit = s3 == 1 && s2 == OW;
        if (g.dtype() == DType.F32 && unit && FS.vectorBitSize() >= 256) {
            transposeBlocksF32(src, base, s1, K, P, dst, TRANSPOSE_TILE.get());
            return;
        }
        if (g.dtype() == DType.F32) {
            for (int kk = 0; kk < K; kk++) {
                long sb = base + kk * s1;
                if (unit) {
                    for (int p = 0; p < P; p++) dst.setAtIndex(F, d0 + (long) p * K + kk, src.getAtIndex(F, sb + p));
                } else {
                    int p = 0;
                    for (int oh = 0; oh < OH; oh++)
                        for (int ow = 0; ow < OW; ow++, p++) dst.setAtIndex(F, d0 + (long) p * K + kk, src.getAtIndex(F, sb + oh * s2 + ow * s3));
                }
            }
        } else {
            for (int kk = 0; kk < K; kk++) {
                long sb = base + kk * s1;
                int p = 0;
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++, p++) dst.setAtIndex(D, d0 + (long) p * K + kk, src.getAtIndex(D, sb + oh * s2 + ow * s3));
            }
        }
    }

    private static final ThreadLocal<float[]> TRANSPOSE_TILE = ThreadLocal.withInitial(() -> new float[128]);
    /** 8-float rows as vectors only where that is the preferred shape (see OneShapeTest); else bulk copies. */
    private static final boolean ROWS8 = FS.length() == 8;

    /**
     * dst[p * K + kk] = src[base + kk * s1 + p] (F32): 8 x 8 blocks through a heap tile, 8 row loads of 8 channels
     * (one vector each where the preferred species holds 8 floats, else a bulk copy), the transpose in array element
     * moves (range checks hoisted), 8 row stores; scalar edges. A scalar MemorySegment get/set per element took ~15%
     * of the mid layer's backward-weight.
     */
    private static void transposeBlocksF32(MemorySegment src, long base, long s1, int K, int P, MemorySegment dst, float[] t) {
        src = nat(src); dst = nat(dst); // see NativeSegments
        int k8 = K - K % 8, p8 = P - P % 8;
        for (int k0 = 0; k0 < k8; k0 += 8) {
            for (int p0 = 0; p0 < p8; p0 += 8) {
                for (int r = 0; r < 8; r++) {
                    long at = base + (k0 + r) * s1 + p0;
                    if (ROWS8) FloatVector.fromMemorySegment(FS, src, 4 * at, NO).intoArray(t, 8 * r);
                    else MemorySegment.copy(src, F, 4 * at, t, 8 * r, 8);
                }
                for (int r = 0; r < 8; r++)
                    for (int c = 0; c < 8; c++) t[64 + 8 * c + r] = t[8 * r + c];
                for (int c = 0; c < 8; c++) {
                    long at = (long) (p0 + c) * K + k0;
                    if (ROWS8) FloatVector.fromArray(FS, t, 64 + 8 * c).intoMemorySegment(dst, 4 * at, NO);
                    else MemorySegment.copy(t, 64 + 8 * c, dst, F, 4 * at, 8);
                }
            }
            for (int kk = k0; kk < k0 + 8; kk++)
                for (int p = p8; p < P; p++) dst.setAtIndex(F, (long) p * K + kk, src.getAtIndex(F, base + kk * s1 + p));
        }
        for (int kk = k8; kk < K; kk++)
            for (int p = 0; p < P; p++) dst.setAtIndex(F, (long) p * K + kk, src.getAtIndex(F, base + kk * s1 + p));
    }

    /** gradW[kk, c, i, j] = acc[kk*R + r] (or acc[r*K + kk] when transposed), gradBias[kk] = acc[biasAt + kk]. */
    private static void writeGradW(Tensor acc, boolean transposed, long biasAt, Tensor gradW, Tensor gradBias, int K, int C, int KH, int KW) {
        int R = C * KH * KW;
        long wo = gradW.offset(), w0 = gradW.stride(0), w1 = gradW.stride(1), w2 = gradW.stride(2), w3 = gradW.stride(3);
        for (int kk = 0; kk < K; kk++) {
            int r = 0;
            for (int c = 0; c < C; c++)
                for (int i = 0; i < KH; i++)
                    for (int j = 0; j < KW; j++, r++)
                        gradW.write(wo + kk * w0 + c * w1 + i * w2 + j * w3, acc.read(transposed ? (long) r * K + kk : (long) kk * R + r));
            if (gradBias != null) gradBias.write(gradBias.offset() + kk * gradBias.stride(0), acc.read(biasAt + kk));
        }
    }

    // ------------------------------------------------------------------ pooling

    private static void zeroPlane(Tensor t, long base, int H, int W) {
        long s2 = t.stride(2), s3 = t.stride(3);
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) t.write(base + h * s2 + w * s3, 0);
    }

    static void maxPool2d(VectorKernels k, Tensor x, Pool2dSpec sp, Tensor out, Tensor argmax) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), OH = out.dim(2), OW = out.dim(3);
        if (anyZero(N, C, OH, OW)) {
            k.scalarMaxPool2d(x, sp, out, argmax);
            return;
        }
        long x0 = x.stride(0), x1 = x.stride(1), x2 = x.stride(2), x3 = x.stride(3);
        long o0 = out.stride(0), o1 = out.stride(1), o2 = out.stride(2), o3 = out.stride(3);
        MemorySegment xs = nat(x.segment()), os = nat(out.segment());
        MemorySegment as = argmax == null ? null : argmax.segment();
        boolean f32 = x.dtype() == DType.F32;
        int planes = N * C;
        if (f32 && is2x2(sp) && x3 == 1 && o3 == 1 && (argmax == null || (argmax.dtype() == DType.I32 && argmax.stride(3) == 1))) {
            maxPool2x2(x, out, argmax, N, C, W, OH, OW);
            return;
        }
        Parallel.forRange(planes, Math.max(1, 4096 / Math.max(1, OH * OW)), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int n = pl / C, c = pl % C;
                long xb = x.offset() + n * x0 + c * x1, ob = out.offset() + n * o0 + c * o1;
                long ab = argmax == null ? 0 : argmax.offset() + n * argmax.stride(0) + c * argmax.stride(1);
                for (int oh = 0; oh < OH; oh++) {
                    int h0 = oh * sp.strideH() - sp.padH();
                    int ha = Math.max(h0, 0), hb = Math.min(h0 + sp.kernelH(), H);
                    for (int ow = 0; ow < OW; ow++) {
                        int w0 = ow * sp.strideW() - sp.padW();
                        int wa = Math.max(w0, 0), wb = Math.min(w0 + sp.kernelW(), W);
                        double m = Double.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int ih = ha; ih < hb; ih++) {
                            long rb = xb + ih * x2;
                            for (int iw = wa; iw < wb; iw++) {
                                double v = f32 ? xs.getAtIndex(F, rb + iw * x3) : xs.getAtIndex(D, rb + iw * x3);
                                if (at < 0 || v > m || (v != v && m == m)) {
                                    m = v;
                                    at = ih * W + iw;
                                }
                            }
                        }
                        long oe = ob + oh * o2 + ow * o3;
                        if (f32) os.setAtIndex(F, oe, (float) m);
                        else os.setAtIndex(D, oe, m);
                        if (as != null) as.setAtIndex(ValueLayout.JAVA_INT, ab + oh * argmax.stride(2) + ow * argmax.stride(3), at);
                    }
                }
            }
        });
    }

    /** 2x2 window, stride 2, no padding: the CNN's pooling layer. */
    private static boolean is2x2(Pool2dSpec sp) {
        return sp.kernelH() == 2 && sp.kernelW() == 2 && sp.strideH() == 2 && sp.strideW() == 2 && sp.padH() == 0 && sp.padW() == 0;
    }

    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    /**
     * Even / odd lanes of two concatenated vectors: {@code EVEN.selectFrom(a, b)} lane i is lane 2i of [a, b]. The
     * two-vector selectFrom (one vpermt2ps) parses to far fewer C2 nodes than rearrange(shuffle, b), which kept the
     * 2x2 pooling rows past C2's inlining cutoff (see VMath "ranges").
     */
    private static final FloatVector EVEN = FloatVector.zero(FS).addIndex(2), ODD = EVEN.add(1f);
    private static final IntVector IOTA2 = IntVector.zero(IS).addIndex(2);

    /**
     * F32 max-pool 2x2 stride 2 with unit-stride rows: L outputs per step from two vectors of each input row,
     * split into even / odd columns; the four candidates are compared in the oracle's scan order (the first
     * maximum wins ties, a NaN wins over a number), the argmax follows as an int vector.
     */
    private static void maxPool2x2(Tensor x, Tensor out, Tensor argmax, int N, int C, int W, int OH, int OW) {
        MemorySegment xs = nat(x.segment()), os = nat(out.segment()), as = argmax == null ? null : argmax.segment();
        long x0 = x.stride(0), x1 = x.stride(1), x2 = x.stride(2), o0 = out.stride(0), o1 = out.stride(1), o2 = out.stride(2);
        long a0 = argmax == null ? 0 : argmax.stride(0), a1 = argmax == null ? 0 : argmax.stride(1), a2 = argmax == null ? 0 : argmax.stride(2);
        long xOff = x.offset(), oOff = out.offset(), aOff = argmax == null ? 0 : argmax.offset();
        int planes = N * C, grain = Math.max(1, 4096 / Math.max(1, OH * OW));
        if (!Parallel.wouldSplit(planes, grain)) { // inline without the capturing task: no allocation
            maxPool2x2Planes(xs, os, as, x0, x1, x2, o0, o1, o2, a0, a1, a2, xOff, oOff, aOff, C, W, OH, OW, 0, planes);
            return;
        }
        Parallel.forRange(planes, grain,
                (lo, hi) -> maxPool2x2Planes(xs, os, as, x0, x1, x2, o0, o1, o2, a0, a1, a2, xOff, oOff, aOff, C, W, OH, OW, lo, hi));
    }

    private static void maxPool2x2Planes(MemorySegment xs, MemorySegment os, MemorySegment as, long x0, long x1, long x2, long o0,
                                         long o1, long o2, long a0, long a1, long a2, long xOff, long oOff, long aOff,
                                         int C, int W, int OH, int OW, int lo, int hi) {
        xs = nat(xs); os = nat(os); as = nat(as); // see NativeSegments
        for (int pl = lo; pl < hi; pl++) {
            int n = pl / C, c = pl % C;
            long xb = xOff + n * x0 + c * x1, ob = oOff + n * o0 + c * o1, ab = aOff + n * a0 + c * a1;
            for (int oh = 0; oh < OH; oh++)
                maxPool2x2Row(xs, xb + 2L * oh * x2, x2, os, ob + oh * o2, as, ab + oh * a2, 2 * oh * W, W, OW);
        }
    }

    /** One output row: input rows at r0 and r0 + rowStride (elements), argmax base index (2*oh*W) in the plane. */
    private static void maxPool2x2Row(MemorySegment xs, long r0, long rowStride, MemorySegment os, long ob, MemorySegment as, long ab,
                                      int idxBase, int W, int OW) {
        xs = nat(xs); os = nat(os); as = nat(as); // see NativeSegments
        long r1 = r0 + rowStride;
        int ow = 0;
        // A row of fewer outputs than lanes (13 from 26 columns with 16 lanes) is one block whose lanes past OW are
        // not stored (masked stores), where its loads and full-width stores stay inside the segments; else scalar.
        boolean narrow = OW < L && (r1 + 2L * L) * 4 <= xs.byteSize() && (ob + L) * 4 <= os.byteSize()
                && (as == null || (ab + L) * 4 <= as.byteSize());
        // One masked store for both cases (all lanes unless narrow): a masked and an unmasked store each took this
        // method's parse towards C2's inlining cutoff (see VMath "ranges"). The mask is computed either way: a
        // choice between a constant mask and a computed one was a phi of two objects that C2 boxed (one per row).
        VectorMask<Float> st = FS.indexInRange(0, narrow ? OW : L);
        VectorMask<Integer> sti = st.cast(IS);
        while (ow < OW && (OW >= L || narrow)) {
            if (ow + L > OW) ow = Math.max(0, OW - L); // last block overlaps the previous one (same values again)
            long e0 = (r0 + 2L * ow) * 4, e1 = (r1 + 2L * ow) * 4;
            FloatVector p = FloatVector.fromMemorySegment(FS, xs, e0, NO), q = FloatVector.fromMemorySegment(FS, xs, e0 + 4L * L, NO);
            FloatVector u = FloatVector.fromMemorySegment(FS, xs, e1, NO), v = FloatVector.fromMemorySegment(FS, xs, e1 + 4L * L, NO);
            FloatVector m = EVEN.selectFrom(p, q);
            FloatVector c1 = ODD.selectFrom(p, q), c2 = EVEN.selectFrom(u, v), c3 = ODD.selectFrom(u, v);
            VectorMask<Float> t1 = takes(c1, m);
            m = m.blend(c1, t1);
            VectorMask<Float> t2 = takes(c2, m);
            m = m.blend(c2, t2);
            VectorMask<Float> t3 = takes(c3, m);
            m = m.blend(c3, t3);
            m.intoMemorySegment(os, (ob + ow) * 4, NO, st);
            if (as != null) {
                IntVector at = IOTA2.add(idxBase + 2 * ow); // (2oh)*W + 2*(ow + lane): the top-left candidate
                at = at.add(1, t1.cast(IS));
                at = at.blend(IOTA2.add(idxBase + W + 2 * ow), t2.cast(IS));
                at = at.blend(IOTA2.add(idxBase + W + 2 * ow + 1), t3.cast(IS));
                at.intoMemorySegment(as, (ab + ow) * 4, NO, sti);
            }
            ow += L;
        }
        for (; ow < OW; ow++) {
            long e0 = r0 + 2L * ow, e1 = r1 + 2L * ow;
            float m = xs.getAtIndex(F, e0);
            int at = idxBase + 2 * ow;
            float v = xs.getAtIndex(F, e0 + 1);
            if (v > m || (v != v && m == m)) { m = v; at = idxBase + 2 * ow + 1; }
            v = xs.getAtIndex(F, e1);
            if (v > m || (v != v && m == m)) { m = v; at = idxBase + W + 2 * ow; }
            v = xs.getAtIndex(F, e1 + 1);
            if (v > m || (v != v && m == m)) { m = v; at = idxBase + W + 2 * ow + 1; }
            os.setAtIndex(F, ob + ow, m);
            if (as != null) as.setAtIndex(ValueLayout.JAVA_INT, ab + ow, at);
        }
    }

    /** Lanes where candidate c replaces the running maximum m: c > m, or c is NaN and m is not. */
    private static VectorMask<Float> takes(FloatVector c, FloatVector m) {
        return c.compare(VectorOperators.GT, m).or(c.compare(VectorOperators.NE, c).and(m.compare(VectorOperators.EQ, m)));
    }

    static void maxPool2dBackward(VectorKernels k, Tensor gradOut, Tensor argmax, Pool2dSpec sp, Tensor gradIn) {
        int N = gradIn.dim(0), C = gradIn.dim(1), H = gradIn.dim(2), W = gradIn.dim(3);
        if (anyZero(N, C, H, W) || argmax.dtype() != DType.I32) {
            k.scalarMaxPool2dBackward(gradOut, argmax, sp, gradIn);
            return;
        }
        if (gradIn.dtype() == DType.F32 && is2x2(sp) && gradIn.stride(3) == 1 && gradOut.stride(3) == 1 && argmax.stride(3) == 1) {
            maxPool2x2Backward(gradOut, argmax, gradIn, N, C, H, W, gradOut.dim(2), gradOut.dim(3));
            return;
        }
        MemorySegment as = nat(argmax.segment()), gis = nat(gradIn.segment()), gos = nat(gradOut.segment());
        int planes = N * C, grain = Math.max(1, 4096 / Math.max(1, H * W));
        // the task lambda only when the planes are split: made on every call it was the call's only allocation
        if (Parallel.splits(planes, grain)) {
            Parallel.forRange(planes, grain, (lo, hi) -> maxPoolBackwardPlanes(gradOut, argmax, gradIn, as, gis, gos, lo, hi));
        } else {
            maxPoolBackwardPlanes(gradOut, argmax, gradIn, as, gis, gos, 0, planes);
        }
    }

    /**
     * F32 max-pool 2x2 stride 2 backward with unit-stride rows (the CNN's pooling layer): every input row pair written
     * once from one gradOut row and its argmax, L windows per step: lane o's gradient goes to the one of its window's
     * four cells the argmax names and zeros to the other three, even and odd cells interleaved by two-vector selects.
     * The general loop zeroed the plane and then added each gradient at its argmax, element by element (PoolLossBench
     * maxPoolBackward on [32, 32, 26, 26]: 462 us against the C++ backend's 189). Windows never overlap, so each cell
     * gets at most one gradient, as in the oracle; the rows and the column no window covers (odd H, W) are zeroed.
     */
    private static void maxPool2x2Backward(Tensor gradOut, Tensor argmax, Tensor gradIn, int N, int C, int H, int W, int OH, int OW) {
        MemorySegment gs = nat(gradOut.segment()), as = nat(argmax.segment()), is = nat(gradIn.segment());
        long g0 = gradOut.stride(0), g1 = gradOut.stride(1), g2 = gradOut.stride(2), a0 = argmax.stride(0), a1 = argmax.stride(1),
                a2 = argmax.stride(2), i0 = gradIn.stride(0), i1 = gradIn.stride(1), i2 = gradIn.stride(2);
        long gOff = gradOut.offset(), aOff = argmax.offset(), iOff = gradIn.offset();
        int planes = N * C, grain = Math.max(1, 4096 / Math.max(1, H * W));
        if (!Parallel.wouldSplit(planes, grain)) { // inline without the capturing task: no allocation
            maxPool2x2BackPlanes(gs, as, is, g0, g1, g2, a0, a1, a2, i0, i1, i2, gOff, aOff, iOff, C, H, W, OH, OW, 0, planes);
            return;
        }
        Parallel.forRange(planes, grain,
                (lo, hi) -> maxPool2x2BackPlanes(gs, as, is, g0, g1, g2, a0, a1, a2, i0, i1, i2, gOff, aOff, iOff, C, H, W, OH, OW, lo, hi));
    }

    private static void maxPool2x2BackPlanes(MemorySegment gs, MemorySegment as, MemorySegment is, long g0, long g1, long g2, long a0,
                                             long a1, long a2, long i0, long i1, long i2, long gOff, long aOff, long iOff,
                                             int C, int H, int W, int OH, int OW, int lo, int hi) {
        gs = nat(gs); as = nat(as); is = nat(is); // see NativeSegments
        for (int pl = lo; pl < hi; pl++) {
            int n = pl / C, c = pl % C;
            long gb = gOff + n * g0 + c * g1, ab = aOff + n * a0 + c * a1, ib = iOff + n * i0 + c * i1;
            for (int oh = 0; oh < OH; oh++) maxPool2x2BackRow(gs, gb + oh * g2, as, ab + oh * a2, is, ib + 2L * oh * i2, i2, 2 * oh * W, W, OW);
            for (int h = 2 * OH; h < H; h++) zeroF32(is, ib + h * i2, W);
        }
    }

    /** Lane i of {@code ZIP_LO.selectFrom(e, o)} is e[i / 2] (i even) or o[i / 2] (odd); ZIP_HI the same from lane L / 2 on. */
    private static final FloatVector ZIP_LO = FloatVector.fromArray(FS, zip(0), 0), ZIP_HI = FloatVector.fromArray(FS, zip(L / 2), 0);

    private static float[] zip(int from) {
        float[] ix = new float[L];
        for (int i = 0; i < L; i++) ix[i] = (i % 2) * L + from + i / 2;
        return ix;
    }

    /**
     * Input rows r0 and r0 + rowStride (elements) from one gradOut row at gb and its argmax row at ab, idxBase = 2 oh W.
     * A row of fewer windows than lanes (13 at 16 lanes: the MNIST layer) is one block with masked stores where its full
     * loads stay inside the segments, as in maxPool2x2Row; else scalar.
     */
    private static void maxPool2x2BackRow(MemorySegment gs, long gb, MemorySegment as, long ab, MemorySegment is, long r0, long rowStride,
                                          int idxBase, int W, int OW) {
        gs = nat(gs); as = nat(as); is = nat(is); // see NativeSegments
        long r1 = r0 + rowStride;
        int ow = 0;
        boolean narrow = OW < L && (gb + L) * 4 <= gs.byteSize() && (ab + L) * 4 <= as.byteSize();
        // Both masks computed either way (see maxPool2x2Row): all lanes unless narrow.
        VectorMask<Float> lo = FS.indexInRange(0, narrow ? 2 * OW : L), hi = FS.indexInRange(0, narrow ? 2 * OW - L : L);
        FloatVector zero = FloatVector.zero(FS);
        while (ow < OW && (OW >= L || narrow)) {
            if (ow + L > OW) ow = Math.max(0, OW - L); // last block overlaps the previous one (same values again)
            FloatVector g = FloatVector.fromMemorySegment(FS, gs, (gb + ow) * 4, NO);
            IntVector d = IntVector.fromMemorySegment(IS, as, (ab + ow) * 4, NO).sub(IOTA2.add(idxBase + 2 * ow)); // 0, 1, W, W + 1
            FloatVector e0 = zero.blend(g, d.compare(VectorOperators.EQ, 0).cast(FS)), o0 = zero.blend(g, d.compare(VectorOperators.EQ, 1).cast(FS));
            FloatVector e1 = zero.blend(g, d.compare(VectorOperators.EQ, W).cast(FS)), o1 = zero.blend(g, d.compare(VectorOperators.EQ, W + 1).cast(FS));
            long s0 = (r0 + 2L * ow) * 4, s1 = (r1 + 2L * ow) * 4;
            ZIP_LO.selectFrom(e0, o0).intoMemorySegment(is, s0, NO, lo);
            ZIP_HI.selectFrom(e0, o0).intoMemorySegment(is, s0 + 4L * L, NO, hi);
            ZIP_LO.selectFrom(e1, o1).intoMemorySegment(is, s1, NO, lo);
            ZIP_HI.selectFrom(e1, o1).intoMemorySegment(is, s1 + 4L * L, NO, hi);
            ow += L;
        }
        maxPool2x2BackTail(gs, gb, as, ab, is, r0, r1, idxBase, W, OW, ow);
    }

    /** maxPool2x2BackRow's windows from ow on, element by element, and the column no window covers: its own method,
     * since written in the row method they took its parse past C2's inlining cutoff and the row's vectors were boxed
     * (33 MB per call of PoolLossBench.maxPoolBackward on one thread). */
    private static void maxPool2x2BackTail(MemorySegment gs, long gb, MemorySegment as, long ab, MemorySegment is, long r0, long r1,
                                           int idxBase, int W, int OW, int ow) {
        gs = nat(gs); as = nat(as); is = nat(is); // see NativeSegments
        for (; ow < OW; ow++) {
            float g = gs.getAtIndex(F, gb + ow);
            int d = as.getAtIndex(ValueLayout.JAVA_INT, ab + ow) - (idxBase + 2 * ow);
            long e0 = r0 + 2L * ow, e1 = r1 + 2L * ow;
            is.setAtIndex(F, e0, d == 0 ? g : 0f);
            is.setAtIndex(F, e0 + 1, d == 1 ? g : 0f);
            is.setAtIndex(F, e1, d == W ? g : 0f);
            is.setAtIndex(F, e1 + 1, d == W + 1 ? g : 0f);
        }
        for (int w = 2 * OW; w < W; w++) {
            is.setAtIndex(F, r0 + w, 0f);
            is.setAtIndex(F, r1 + w, 0f);
        }
    }

    /** Planes [lo, hi) of max-pool backward: zero the input gradient plane, then add each output gradient at its argmax. */
    private static void maxPoolBackwardPlanes(Tensor gradOut, Tensor argmax, Tensor gradIn, MemorySegment as, MemorySegment gis,
                                              MemorySegment gos, int lo, int hi) {
        as = nat(as); gis = nat(gis); gos = nat(gos); // see NativeSegments
        int C = gradIn.dim(1), H = gradIn.dim(2), W = gradIn.dim(3), OH = gradOut.dim(2), OW = gradOut.dim(3);
        boolean f32 = gradIn.dtype() == DType.F32;
        long i2 = gradIn.stride(2), i3 = gradIn.stride(3), g2 = gradOut.stride(2), g3 = gradOut.stride(3);
        long a2 = argmax.stride(2), a3 = argmax.stride(3);
        boolean dense = i3 == 1 && i2 == W;
        for (int pl = lo; pl < hi; pl++) {
            int n = pl / C, c = pl % C;
            long gb = gradIn.offset() + n * gradIn.stride(0) + c * gradIn.stride(1);
            long ob = gradOut.offset() + n * gradOut.stride(0) + c * gradOut.stride(1);
            long ab = argmax.offset() + n * argmax.stride(0) + c * argmax.stride(1);
            if (dense) {
                long end = gb + (long) H * W;
                if (f32) for (long e = gb; e < end; e++) gis.setAtIndex(F, e, 0f);
                else for (long e = gb; e < end; e++) gis.setAtIndex(D, e, 0d);
            } else {
                zeroPlane(gradIn, gb, H, W);
            }
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    int at = as.getAtIndex(ValueLayout.JAVA_INT, ab + oh * a2 + ow * a3);
                    long e = dense ? gb + at : gb + (at / W) * i2 + (at % W) * i3;
                    long ge = ob + oh * g2 + ow * g3;
                    if (f32) gis.setAtIndex(F, e, gis.getAtIndex(F, e) + gos.getAtIndex(F, ge));
                    else gis.setAtIndex(D, e, gis.getAtIndex(D, e) + gos.getAtIndex(D, ge));
                }
        }
    }

    static void avgPool2d(VectorKernels k, Tensor x, Pool2dSpec sp, Tensor out) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), OH = out.dim(2), OW = out.dim(3);
        if (anyZero(N, C, OH, OW)) {
            k.scalarAvgPool2d(x, sp, out);
            return;
        }
        if (x.dtype() == DType.F32 && is2x2(sp) && x.stride(3) == 1 && out.stride(3) == 1) {
            avgPool2x2(x, out, N, C, OH, OW);
            return;
        }
        if (x.dtype() == DType.F32 && x.stride(3) == 1) {
            MemorySegment xs = nat(x.segment()), os = nat(out.segment());
            long xOff = x.offset(), x0 = x.stride(0), x1 = x.stride(1), x2 = x.stride(2);
            long oOff = out.offset(), o0 = out.stride(0), o1 = out.stride(1), o2 = out.stride(2), o3 = out.stride(3);
            Parallel.forRange(N * C, Math.max(1, 4096 / Math.max(1, H * W)), (lo, hi) -> {
                for (int pl = lo; pl < hi; pl++) {
                    int n = pl / C, c = pl % C;
                    avgPoolPlaneF32(xs, xOff + n * x0 + c * x1, x2, os, oOff + n * o0 + c * o1, o2, o3, H, W, OH, OW, sp);
                }
            });
            return;
        }
        Parallel.forRange(N * C, Math.max(1, 4096 / Math.max(1, OH * OW)), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int n = pl / C, c = pl % C;
                long xb = x.offset() + n * x.stride(0) + c * x.stride(1), ob = out.offset() + n * out.stride(0) + c * out.stride(1);
                for (int oh = 0; oh < OH; oh++) {
                    int h0 = oh * sp.strideH() - sp.padH();
                    int ha = Math.max(h0, 0), hb = Math.min(h0 + sp.kernelH(), H);
                    for (int ow = 0; ow < OW; ow++) {
                        int w0 = ow * sp.strideW() - sp.padW();
                        int wa = Math.max(w0, 0), wb = Math.min(w0 + sp.kernelW(), W);
                        double s = 0;
                        for (int ih = ha; ih < hb; ih++)
                            for (int iw = wa; iw < wb; iw++) s += x.read(xb + ih * x.stride(2) + iw * x.stride(3));
                        int cnt = Math.max(hb - ha, 0) * Math.max(wb - wa, 0);
                        out.write(ob + oh * out.stride(2) + ow * out.stride(3), s / cnt);
                    }
                }
            }
        });
    }

    /**
     * One F32 plane with unit-stride rows: each window's row sums in float lanes ({@link #sumRunF32}), the
     * window total in double as the oracle, divided by the count of covered (unpadded) elements. A window
     * spanning whole rows of a dense plane (global average pooling) is one contiguous run.
     */
    private static void avgPoolPlaneF32(MemorySegment xs, long xb, long x2, MemorySegment os, long ob, long o2, long o3,
                                        int H, int W, int OH, int OW, Pool2dSpec sp) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        for (int oh = 0; oh < OH; oh++) {
            int h0 = oh * sp.strideH() - sp.padH();
            int ha = Math.max(h0, 0), hb = Math.min(h0 + sp.kernelH(), H);
            for (int ow = 0; ow < OW; ow++) {
                int w0 = ow * sp.strideW() - sp.padW();
                int wa = Math.max(w0, 0), wb = Math.min(w0 + sp.kernelW(), W);
                double s = 0;
                if (wa == 0 && wb == W && x2 == W) {
                    if (hb > ha) s = sumRunF32(xs, xb + (long) ha * W, (hb - ha) * W);
                } else if (wb > wa) {
                    for (int ih = ha; ih < hb; ih++) s += sumRunF32(xs, xb + ih * x2 + wa, wb - wa);
                }
                int cnt = Math.max(hb - ha, 0) * Math.max(wb - wa, 0);
                os.setAtIndex(F, ob + oh * o2 + ow * o3, (float) (s / cnt));
            }
        }
    }

    /** One F32 plane of the average-pool backward: zero it, then add gradOut / count to each window, row by row. */
    private static void avgPoolBackPlaneF32(MemorySegment gos, long gb, long g2, long g3, MemorySegment gis, long ib, long i2,
                                            int H, int W, int OH, int OW, Pool2dSpec sp) {
        gos = nat(gos); gis = nat(gis); // see NativeSegments
        if (i2 == W) zeroF32(gis, ib, H * W);
        else for (int h = 0; h < H; h++) zeroF32(gis, ib + h * i2, W);
        for (int oh = 0; oh < OH; oh++) {
            int h0 = oh * sp.strideH() - sp.padH();
            int ha = Math.max(h0, 0), hb = Math.min(h0 + sp.kernelH(), H);
            for (int ow = 0; ow < OW; ow++) {
                int w0 = ow * sp.strideW() - sp.padW();
                int wa = Math.max(w0, 0), wb = Math.min(w0 + sp.kernelW(), W);
                int cnt = Math.max(hb - ha, 0) * Math.max(wb - wa, 0);
                if (cnt == 0) continue;
                float g = (float) (gos.getAtIndex(F, gb + oh * g2 + ow * g3) / (double) cnt);
                for (int ih = ha; ih < hb; ih++) addRunF32(gis, ib + ih * i2 + wa, wb - wa, g);
            }
        }
    }

    /** seg[e, e + len) += v, F32 (element offsets). */
    private static void addRunF32(MemorySegment seg, long e, int len, float v) {
        seg = nat(seg); // see NativeSegments
        int i = 0;
        if (len >= L) {
            FloatVector bv = FloatVector.broadcast(FS, v);
            for (; i + L <= len; i += L) {
                long q = 4 * (e + i);
                FloatVector.fromMemorySegment(FS, seg, q, NO).add(bv).intoMemorySegment(seg, q, NO);
            }
        }
        for (; i < len; i++) seg.setAtIndex(F, e + i, seg.getAtIndex(F, e + i) + v);
    }

    /** Sum of the F32 elements [e, e + len) (element offsets): vector lanes in lane order, then the tail. */
    private static float sumRunF32(MemorySegment s, long e, int len) {
        s = nat(s); // see NativeSegments
        int i = 0;
        float t = 0;
        if (len >= L) {
            FloatVector acc = FloatVector.fromMemorySegment(FS, s, 4 * e, NO);
            for (i = L; i + L <= len; i += L) acc = acc.add(FloatVector.fromMemorySegment(FS, s, 4 * (e + i), NO));
            t = Lanes.sum(acc);
        }
        for (; i < len; i++) t += s.getAtIndex(F, e + i);
        return t;
    }

    /** Lane i takes lane i / 2 (DUP_LO) or L / 2 + i / 2 (DUP_HI) of one vector: each gradient twice, side by side. */
    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(FS, i -> i / 2), DUP_HI = VectorShuffle.fromOp(FS, i -> L / 2 + i / 2);

    /**
     * F32 average pool 2x2 stride 2 (no padding, so every window has 4 elements) with unit-stride rows: L outputs
     * per step from two vectors of each input row split into even / odd columns (the max-pool's shuffles), summed
     * (x00 + x01) + (x10 + x11) in float and times 0.25 (exact); the scalar tail uses the same order. Parallel over
     * planes; inline (no task object) when it would not split.
     */
    private static void avgPool2x2(Tensor x, Tensor out, int N, int C, int OH, int OW) {
        MemorySegment xs = nat(x.segment()), os = nat(out.segment());
        long x0 = x.stride(0), x1 = x.stride(1), x2 = x.stride(2), o0 = out.stride(0), o1 = out.stride(1), o2 = out.stride(2);
        long xOff = x.offset(), oOff = out.offset();
        int planes = N * C, grain = Math.max(1, 4096 / Math.max(1, OH * OW));
        if (!Parallel.wouldSplit(planes, grain)) {
            avgPool2x2Planes(xs, os, x0, x1, x2, o0, o1, o2, xOff, oOff, C, OH, OW, 0, planes);
            return;
        }
        Parallel.forRange(planes, grain, (lo, hi) -> avgPool2x2Planes(xs, os, x0, x1, x2, o0, o1, o2, xOff, oOff, C, OH, OW, lo, hi));
    }

    private static void avgPool2x2Planes(MemorySegment xs, MemorySegment os, long x0, long x1, long x2, long o0, long o1, long o2,
                                         long xOff, long oOff, int C, int OH, int OW, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        for (int pl = lo; pl < hi; pl++) {
            int n = pl / C, c = pl % C;
            long xb = xOff + n * x0 + c * x1, ob = oOff + n * o0 + c * o1;
            for (int oh = 0; oh < OH; oh++) avgPool2x2Row(xs, xb + 2L * oh * x2, x2, os, ob + oh * o2, OW);
        }
    }

    /** One output row from input rows r0 and r0 + rowStride (elements). */
    private static void avgPool2x2Row(MemorySegment xs, long r0, long rowStride, MemorySegment os, long ob, int OW) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        long r1 = r0 + rowStride;
        int ow = 0;
        // As maxPool2x2Row: a row of fewer outputs than lanes is one block, masked store, where it fits the segments.
        boolean narrow = OW < L && (r1 + 2L * L) * 4 <= xs.byteSize() && (ob + L) * 4 <= os.byteSize();
        VectorMask<Float> first = FS.indexInRange(0, OW);
        while (ow < OW && (OW >= L || narrow)) {
            if (ow + L > OW) ow = Math.max(0, OW - L); // last block overlaps the previous one (same values again)
            long e0 = (r0 + 2L * ow) * 4, e1 = (r1 + 2L * ow) * 4;
            FloatVector p = FloatVector.fromMemorySegment(FS, xs, e0, NO), q = FloatVector.fromMemorySegment(FS, xs, e0 + 4L * L, NO);
            FloatVector u = FloatVector.fromMemorySegment(FS, xs, e1, NO), v = FloatVector.fromMemorySegment(FS, xs, e1 + 4L * L, NO);
            FloatVector top = EVEN.selectFrom(p, q).add(ODD.selectFrom(p, q)), bottom = EVEN.selectFrom(u, v).add(ODD.selectFrom(u, v));
            FloatVector avg = top.add(bottom).mul(0.25f);
            if (narrow) avg.intoMemorySegment(os, (ob + ow) * 4, NO, first);
            else avg.intoMemorySegment(os, (ob + ow) * 4, NO);
            ow += L;
        }
        for (; ow < OW; ow++) {
            long e0 = r0 + 2L * ow, e1 = r1 + 2L * ow;
            float top = xs.getAtIndex(F, e0) + xs.getAtIndex(F, e0 + 1), bottom = xs.getAtIndex(F, e1) + xs.getAtIndex(F, e1 + 1);
            os.setAtIndex(F, ob + ow, (top + bottom) * 0.25f);
        }
    }

    /**
     * Backward of {@link #avgPool2x2}: the windows do not overlap, so each input element of a window is written
     * (not added) with gradOut / 4, L gradients at a time duplicated into 2L lanes (DUP_LO / DUP_HI); the column
     * and row no window covers (odd W, odd H) are zeroed.
     */
    private static void avgPool2x2Backward(Tensor gradOut, Tensor gradIn, int N, int C, int H, int W, int OH, int OW) {
        MemorySegment gs = nat(gradOut.segment()), is = nat(gradIn.segment());
        long g0 = gradOut.stride(0), g1 = gradOut.stride(1), g2 = gradOut.stride(2), i0 = gradIn.stride(0), i1 = gradIn.stride(1), i2 = gradIn.stride(2);
        long gOff = gradOut.offset(), iOff = gradIn.offset();
        int planes = N * C, grain = Math.max(1, 4096 / Math.max(1, H * W));
        if (!Parallel.wouldSplit(planes, grain)) {
            avgPool2x2BackPlanes(gs, is, g0, g1, g2, i0, i1, i2, gOff, iOff, C, H, W, OH, OW, 0, planes);
            return;
        }
        Parallel.forRange(planes, grain, (lo, hi) -> avgPool2x2BackPlanes(gs, is, g0, g1, g2, i0, i1, i2, gOff, iOff, C, H, W, OH, OW, lo, hi));
    }

    private static void avgPool2x2BackPlanes(MemorySegment gs, MemorySegment is, long g0, long g1, long g2, long i0, long i1, long i2,
                                             long gOff, long iOff, int C, int H, int W, int OH, int OW, int lo, int hi) {
        gs = nat(gs); is = nat(is); // see NativeSegments
        for (int pl = lo; pl < hi; pl++) {
            int n = pl / C, c = pl % C;
            long gb = gOff + n * g0 + c * g1, ib = iOff + n * i0 + c * i1;
            for (int oh = 0; oh < OH; oh++) avgPool2x2BackRow(gs, gb + oh * g2, is, ib + 2L * oh * i2, i2, OW, W);
            for (int h = 2 * OH; h < H; h++) zeroF32(is, ib + h * i2, W);
        }
    }

    /** Input rows r0 and r0 + rowStride from one gradOut row (elements). */
    private static void avgPool2x2BackRow(MemorySegment gs, long gb, MemorySegment is, long r0, long rowStride, int OW, int W) {
        gs = nat(gs); is = nat(is); // see NativeSegments
        long r1 = r0 + rowStride;
        int ow = 0;
        while (ow < OW && OW >= L) {
            if (ow + L > OW) ow = OW - L; // overlapping last block: stores the same values again
            FloatVector g = FloatVector.fromMemorySegment(FS, gs, (gb + ow) * 4, NO).mul(0.25f);
            FloatVector lo = g.rearrange(DUP_LO), hi = g.rearrange(DUP_HI);
            long e0 = (r0 + 2L * ow) * 4, e1 = (r1 + 2L * ow) * 4;
            lo.intoMemorySegment(is, e0, NO); hi.intoMemorySegment(is, e0 + 4L * L, NO);
            lo.intoMemorySegment(is, e1, NO); hi.intoMemorySegment(is, e1 + 4L * L, NO);
            ow += L;
        }
        for (; ow < OW; ow++) {
            float g = gs.getAtIndex(F, gb + ow) * 0.25f;
            long e0 = r0 + 2L * ow, e1 = r1 + 2L * ow;
            is.setAtIndex(F, e0, g); is.setAtIndex(F, e0 + 1, g);
            is.setAtIndex(F, e1, g); is.setAtIndex(F, e1 + 1, g);
        }
        for (int w = 2 * OW; w < W; w++) {
            is.setAtIndex(F, r0 + w, 0f);
            is.setAtIndex(F, r1 + w, 0f);
        }
    }

    static void avgPool2dBackward(VectorKernels k, Tensor gradOut, Pool2dSpec sp, Tensor gradIn) {
        int N = gradIn.dim(0), C = gradIn.dim(1), H = gradIn.dim(2), W = gradIn.dim(3), OH = gradOut.dim(2), OW = gradOut.dim(3);
        if (anyZero(N, C, H, W)) {
            k.scalarAvgPool2dBackward(gradOut, sp, gradIn);
            return;
        }
        if (gradIn.dtype() == DType.F32 && is2x2(sp) && gradIn.stride(3) == 1 && gradOut.stride(3) == 1) {
            avgPool2x2Backward(gradOut, gradIn, N, C, H, W, OH, OW);
            return;
        }
        if (gradIn.dtype() == DType.F32 && gradIn.stride(3) == 1) {
            MemorySegment gis = nat(gradIn.segment()), gos = nat(gradOut.segment());
            long iOff = gradIn.offset(), i0 = gradIn.stride(0), i1 = gradIn.stride(1), i2 = gradIn.stride(2);
            long gOff = gradOut.offset(), g0 = gradOut.stride(0), g1 = gradOut.stride(1), g2 = gradOut.stride(2), g3 = gradOut.stride(3);
            Parallel.forRange(N * C, Math.max(1, 4096 / Math.max(1, H * W)), (lo, hi) -> {
                for (int pl = lo; pl < hi; pl++) {
                    int n = pl / C, c = pl % C;
                    avgPoolBackPlaneF32(gos, gOff + n * g0 + c * g1, g2, g3, gis, iOff + n * i0 + c * i1, i2, H, W, OH, OW, sp);
                }
            });
            return;
        }
        Parallel.forRange(N * C, Math.max(1, 4096 / Math.max(1, H * W)), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int n = pl / C, c = pl % C;
                long gb = gradIn.offset() + n * gradIn.stride(0) + c * gradIn.stride(1);
                long ob = gradOut.offset() + n * gradOut.stride(0) + c * gradOut.stride(1);
                zeroPlane(gradIn, gb, H, W);
                for (int oh = 0; oh < OH; oh++) {
                    int h0 = oh * sp.strideH() - sp.padH();
                    int ha = Math.max(h0, 0), hb = Math.min(h0 + sp.kernelH(), H);
                    for (int ow = 0; ow < OW; ow++) {
                        int w0 = ow * sp.strideW() - sp.padW();
                        int wa = Math.max(w0, 0), wb = Math.min(w0 + sp.kernelW(), W);
                        int cnt = Math.max(hb - ha, 0) * Math.max(wb - wa, 0);
                        double g = gradOut.read(ob + oh * gradOut.stride(2) + ow * gradOut.stride(3)) / cnt;
                        for (int ih = ha; ih < hb; ih++)
                            for (int iw = wa; iw < wb; iw++) {
                                long e = gb + ih * gradIn.stride(2) + iw * gradIn.stride(3);
                                gradIn.write(e, gradIn.read(e) + g);
                            }
                    }
                }
            }
        });
    }
}
