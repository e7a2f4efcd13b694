package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused F32 inference kernel: conv2d (stride 1, dilation 1, any padding, any C/K/KH/KW) + bias + ReLU + 2x2
 * stride-2 max pooling, without ever writing the convolution output (the batch-1 MNIST layer: 32 x 26 x 26
 * values that the unfused path writes, reads back to pool and reads again for the ReLU).
 *
 * <p>{@link #prepare} copies an image once into a zero-padded scratch split into even and odd columns. The four
 * convolution values of a row of pooling windows are then computed L windows at a time with contiguous loads:
 * padded column 2pw + b + j (window column b, tap j) is element pw + (b + j) / 2 of the even (b + j even) or
 * odd row. Per window: the running maximum in the pooling scan order, then ReLU. One input channel with a 3 x 3
 * kernel (the MNIST layer) runs {@link #run3x3}, the channel's weights held in registers across the plane; other
 * KW = 3 layers unroll the taps with two blocks of L windows per pass ({@link #block3x2}: eight independent FMA
 * chains). The generic pass (one block, a tap loop, four chains) took 33 us against 19-21 us with block3x2 for the
 * MNIST layer, and run3x3 13.2-13.9 us against block3x2's 19.0-19.4 us (thread CPU time, interleaved runs, loaded
 * machine, 2026-11-23).
 *
 * <p>Same bits as the vector backend's unfused layers ({@link VectorConv}'s built-in kernel, which runs for
 * C*KH*KW &lt;= {@link VectorConv#directMaxR}): each convolution value is the same FMA chain (bias first, then the
 * taps in (c, i, j) order, the zero padding included); the maximum follows the pooling kernel's scan order (first
 * maximum wins ties, a NaN wins); ReLU of the maximum equals the maximum of the ReLUs (ReLU is monotone and
 * maps NaN to NaN; {@code v <= 0 ? +0 : v} as the activation kernel). An odd conv row or column that pooling
 * drops is never computed.
 *
 * <p>An instance owns the scratch for one input shape: one thread prepares the input, then {@link #run} may be
 * called from several threads on disjoint output-channel ranges. Weights and bias are read at every call (a
 * parameter updated in place is seen). Nothing is allocated per call.
 */
public final class ConvPoolF32 {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ByteOrder BO = ByteOrder.nativeOrder();

    /** Even / odd lanes of two concatenated vectors (lane i takes lane 2i / 2i+1 of [a, b]). */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i), ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1);

    private final Tensor w, bias;
    /**
     * The de-interleaved padded images, [N][C][Hp][even | odd][rowLen], on the heap (int indices): the MNIST layer
     * measured 18-19 us with it against 19.5-21 us with an off-heap scratch (thread CPU time, interleaved runs,
     * loaded 2-core machine, 2026-11-23).
     */
    private final float[] sc;
    private final int N, C, H, W, K, KH, KW, padH, padW, Hp, PH, PW, rowLen;
    /** Elements of one image in the scratch. */
    private final int imageLen;
    /** Whether an input has been prepared. */
    private boolean prepared;

    /**
     * Why this kernel cannot replace conv2d(w, bias, spec) + ReLU + max pooling(pool) on input shape
     * {@code in} with the same bits as backend {@code k}, or null when it can.
     */
    public static String unsupported(Kernels k, Tensor w, Tensor bias, Conv2dSpec spec, Pool2dSpec pool, int[] in) {
        if (k == null || k.getClass() != VectorKernels.class) return "the backend is not the vector backend";
        return unsupportedShape(w, bias, spec, pool, in);
    }

    private static String unsupportedShape(Tensor w, Tensor bias, Conv2dSpec spec, Pool2dSpec pool, int[] in) {
        if (w.dtype() != DType.F32 || (bias != null && bias.dtype() != DType.F32)) return "the parameters are not F32";
        if (w.rank() != 4 || in.length != 4 || in[1] != w.dim(1)) return "the shapes are not NCHW input / [K, C, KH, KW] weight";
        if (spec.strideH() != 1 || spec.strideW() != 1 || spec.dilationH() != 1 || spec.dilationW() != 1) return "the convolution is not stride 1, dilation 1";
        if (!(pool.kernelH() == 2 && pool.kernelW() == 2 && pool.strideH() == 2 && pool.strideW() == 2 && pool.padH() == 0 && pool.padW() == 0)) {
            return "the pooling is not 2x2 stride 2 without padding";
        }
        if ((long) w.dim(1) * w.dim(2) * w.dim(3) > VectorConv.directMaxR) return "C*KH*KW is above the built-in conv kernel's limit (other summation order)";
        int oh = spec.outH(in[2], w.dim(2)), ow = spec.outW(in[3], w.dim(3));
        if (oh < 2 || ow < 2) return "the convolution output is smaller than one pooling window";
        return null;
    }

    /** Kernel for input [N, C, H, W], weight [K, C, KH, KW], bias [K] or null (its scratch is allocated here, once). */
    public ConvPoolF32(Tensor w, Tensor bias, Conv2dSpec spec, int... inShape) {
        String why = unsupportedShape(w, bias, spec, Pool2dSpec.of(2, 2), inShape);
        if (why != null) {
            throw new IllegalArgumentException("fused conv + ReLU + 2x2 max pool: " + why + " (input " + Shapes.str(inShape) + ", weight "
                    + Shapes.str(w.shape()) + ", " + spec + ")");
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != w.dim(0))) {
            throw new IllegalArgumentException("fused conv + ReLU + 2x2 max pool: bias " + Shapes.str(bias.shape()) + " does not match weight " + Shapes.str(w.shape()));
        }
        this.w = w;
        this.bias = bias;
        N = inShape[0];
        C = inShape[1];
        H = inShape[2];
        W = inShape[3];
        K = w.dim(0);
        KH = w.dim(2);
        KW = w.dim(3);
        padH = spec.padH();
        padW = spec.padW();
        Hp = H + 2 * padH;
        PH = spec.outH(H, KH) / 2;
        PW = spec.outW(W, KW) / 2;
        // Loads of a block of L windows reach element start + L - 1 + KW / 2; the last block starts at PW - L (or at 0).
        rowLen = Math.max(PW, L) + KW / 2 + 1;
        long len = (long) N * C * Hp * 2 * rowLen;
        if (len > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("fused conv + ReLU + max pool: input " + Shapes.str(inShape) + " is too large for its scratch");
        imageLen = C * Hp * 2 * rowLen;
        sc = new float[(int) len];
    }

    public int[] outputShape() { return new int[] {N, K, PH, PW}; }

    public int outChannels() { return K; }

    /** Copies x (of this kernel's input shape) into the de-interleaved padded scratch. */
    public void prepare(Tensor x) {
        if (x.dtype() != DType.F32 || x.rank() != 4 || x.dim(0) != N || x.dim(1) != C || x.dim(2) != H || x.dim(3) != W) {
            throw new IllegalArgumentException("fused conv + ReLU + max pool was built for F32 input [" + N + ", " + C + ", " + H + ", " + W + "], got "
                    + x.dtype() + " " + Shapes.str(x.shape()));
        }
        MemorySegment xs = nat(x.segment());
        for (int n = 0; n < N; n++) prepareImage(xs, x.offset() + n * x.stride(0), x.stride(1), x.stride(2), x.stride(3), n * imageLen);
        prepared = true;
    }

    private void prepareImage(MemorySegment xs, long xb, long x1, long x2, long x3, int so) {
        for (int c = 0; c < C; c++) {
            for (int h = 0; h < H; h++) {
                long src = xb + c * x1 + h * x2;
                int even = so + (c * Hp + h + padH) * 2 * rowLen, odd = even + rowLen;
                int col = 0;
                if (x3 == 1 && W >= 2 * L) {
                    // 2L input columns at a time, split into even and odd columns by two shuffles; input column c
                    // is padded column c + padW, so with an odd padW the even input columns land in the odd row
                    int toE = padW % 2 == 0 ? even + padW / 2 : odd + (padW - 1) / 2;
                    int toO = padW % 2 == 0 ? odd + padW / 2 : even + (padW + 1) / 2;
                    int last = (W - 2 * L) & ~1; // the last block overlaps (same values again) and starts on an even column
                    for (int c0 = 0; ; c0 += 2 * L) {
                        int start = Math.min(c0, last);
                        FloatVector lo = FloatVector.fromMemorySegment(S, xs, (src + start) * 4, BO);
                        FloatVector hi = FloatVector.fromMemorySegment(S, xs, (src + start + L) * 4, BO);
                        lo.rearrange(EVEN, hi).intoArray(sc, toE + start / 2);
                        lo.rearrange(ODD, hi).intoArray(sc, toO + start / 2);
                        if (start == last) break;
                    }
                    col = last + 2 * L; // W, or W - 1 for an odd W: its last column below
                }
                int q = padW + col; // padded column of input column col
                for (; col < W; col++, q++) {
                    sc[((q & 1) == 0 ? even : odd) + (q >> 1)] = xs.getAtIndex(F, src + col * x3);
                }
            }
        }
    }

    /**
     * out[n, k, :, :] = maxpool2x2(relu(conv(x[n]) + bias))[k] for k0 &lt;= k &lt; k1, x prepared. out has
     * this kernel's output shape and unit-stride rows.
     */
    public void run(Tensor out, int n, int k0, int k1) {
        if (out.dtype() != DType.F32 || out.rank() != 4 || out.dim(0) != N || out.dim(1) != K || out.dim(2) != PH || out.dim(3) != PW || out.stride(3) != 1) {
            throw new IllegalArgumentException("fused conv + ReLU + max pool writes F32 [" + N + ", " + K + ", " + PH + ", " + PW + "] with unit-stride rows, got "
                    + out.dtype() + " " + Shapes.str(out.shape()));
        }
        if (!prepared) throw new IllegalStateException("no input was prepared (prepare(x) first)");
        if (n < 0 || n >= N) throw new IndexOutOfBoundsException("image " + n + " of a batch of " + N);
        if (k0 < 0 || k1 > K || k0 > k1) throw new IndexOutOfBoundsException("channels [" + k0 + ", " + k1 + ") of " + K);
        MemorySegment os = nat(out.segment()), ws = nat(w.segment());
        long ob = out.offset() + n * out.stride(0), o1 = out.stride(1), o2 = out.stride(2);
        long w0 = w.offset(), w1s = w.stride(0), w1 = w.stride(1), w2 = w.stride(2), w3 = w.stride(3);
        int so = n * imageLen;
        if (C == 1 && KH == 3 && KW == 3) {
            run3x3(os, ob, o1, o2, so, k0, k1);
            return;
        }
        for (int k = k0; k < k1; k++) {
            float b = bias == null ? 0f : bias.segment().getAtIndex(F, bias.offset() + k * bias.stride(0));
            long wk = w0 + k * w1s;
            for (int ph = 0; ph < PH; ph++) {
                long orow = ob + k * o1 + ph * o2;
                // the last block overlaps the previous one (same values again); a row shorter than L is stored masked
                int pw = 0;
                if (KW == 3) {
                    // two blocks at a time: 8 independent FMA chains (4 would wait on the FMA latency)
                    for (; pw + L < PW; pw += 2 * L) {
                        int s1 = Math.min(pw + L, PW - L);
                        block3x2(ws, wk, w1, w2, w3, so, ph, pw, s1, b, os, orow);
                    }
                }
                for (; pw < PW; pw += L) {
                    int start = Math.max(0, Math.min(pw, PW - L));
                    block(ws, wk, w1, w2, w3, so, ph, start, b, os, orow + start);
                }
            }
        }
    }

    /**
     * {@link #run} for one input channel and a 3 x 3 kernel (the MNIST layer): per output
     * channel, its 9 weights and bias stay in registers for the whole plane; each block of L windows (the last one
     * overlapping the previous: the same values again) is 16 loads and 36 FMAs in four chains, each chain the bias
     * then taps (0,0) .. (2,2) in order, as in {@link #block3x2}; consecutive blocks are independent, so the core
     * overlaps their chains. One block per iteration, not two: the two-block body was too large for C1 ("out of
     * virtual registers"), which left it interpreted, allocating every vector, until C2 compiled it. Measured in one
     * JVM alternating with block3x2 (which reloads the weights per pass) and the two-block form, MNIST layer, one
     * thread, medians of the thread's CPU time: 13.2-13.9 us against 19.0-19.4 us and 12.5-13.0 us, same bits (AMD
     * EPYC, AVX2, 2026-11-23). Fewer pooled columns than lanes (13 on AVX-512) take one block per row and store its
     * first PW lanes; before, such layers ran the per-tap {@link #block} (MNIST layer on AVX-512: 14.3 us, against
     * 7.4 us for the unfused convolution alone).
     */
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[L]);

    private void run3x3(MemorySegment os, long ob, long o1, long o2, int so, int k0, int k1) {
        MemorySegment ws = nat(w.segment());
        long wo = w.offset(), w0 = w.stride(0), w2 = w.stride(2), w3 = w.stride(3);
        final int len = rowLen, pwN = PW, phN = PH;
        final float[] x = sc;
        final boolean narrow = pwN < L; // one block per row, its first PW lanes stored (the MNIST layer on AVX-512)
        final float[] tile = narrow ? TILE.get() : null;
        final VectorMask<Float> first = S.indexInRange(0, pwN);
        final long osBytes = os.byteSize();
        for (int k = k0; k < k1; k++) {
            long wk = wo + k * w0;
            FloatVector bv = FloatVector.broadcast(S, bias == null ? 0f : bias.segment().getAtIndex(F, bias.offset() + k * bias.stride(0)));
            FloatVector k00 = FloatVector.broadcast(S, ws.getAtIndex(F, wk)), k01 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + w3)), k02 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + 2 * w3));
            FloatVector k10 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + w2)), k11 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + w2 + w3)), k12 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + w2 + 2 * w3));
            FloatVector k20 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + 2 * w2)), k21 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + 2 * w2 + w3)), k22 = FloatVector.broadcast(S, ws.getAtIndex(F, wk + 2 * w2 + 2 * w3));
            for (int ph = 0; ph < phN; ph++) {
                long orow = ob + k * o1 + ph * o2;
                for (int pw = 0; pw < pwN; pw += L) {
                    int st = Math.max(0, Math.min(pw, pwN - L));
                    // padded row 2ph + q at r + 2q * len; column offsets 0, 1, 2, 3 at +0, +len, +1, +len + 1
                    int r = so + 4 * ph * len + st;
                    FloatVector a00 = bv, a01 = bv, a10 = bv, a11 = bv, v;
                    v = FloatVector.fromArray(S, x, r); a00 = v.fma(k00, a00);
                    v = FloatVector.fromArray(S, x, r + len); a00 = v.fma(k01, a00); a01 = v.fma(k00, a01);
                    v = FloatVector.fromArray(S, x, r + 1); a00 = v.fma(k02, a00); a01 = v.fma(k01, a01);
                    v = FloatVector.fromArray(S, x, r + len + 1); a01 = v.fma(k02, a01);
                    v = FloatVector.fromArray(S, x, r + 2 * len); a00 = v.fma(k10, a00); a10 = v.fma(k00, a10);
                    v = FloatVector.fromArray(S, x, r + 2 * len + len); a00 = v.fma(k11, a00); a01 = v.fma(k10, a01); a10 = v.fma(k01, a10); a11 = v.fma(k00, a11);
                    v = FloatVector.fromArray(S, x, r + 2 * len + 1); a00 = v.fma(k12, a00); a01 = v.fma(k11, a01); a10 = v.fma(k02, a10); a11 = v.fma(k01, a11);
                    v = FloatVector.fromArray(S, x, r + 2 * len + len + 1); a01 = v.fma(k12, a01); a11 = v.fma(k02, a11);
                    v = FloatVector.fromArray(S, x, r + 4 * len); a00 = v.fma(k20, a00); a10 = v.fma(k10, a10);
                    v = FloatVector.fromArray(S, x, r + 4 * len + len); a00 = v.fma(k21, a00); a01 = v.fma(k20, a01); a10 = v.fma(k11, a10); a11 = v.fma(k10, a11);
                    v = FloatVector.fromArray(S, x, r + 4 * len + 1); a00 = v.fma(k22, a00); a01 = v.fma(k21, a01); a10 = v.fma(k12, a10); a11 = v.fma(k11, a11);
                    v = FloatVector.fromArray(S, x, r + 4 * len + len + 1); a01 = v.fma(k22, a01); a11 = v.fma(k12, a11);
                    v = FloatVector.fromArray(S, x, r + 6 * len); a10 = v.fma(k20, a10);
                    v = FloatVector.fromArray(S, x, r + 6 * len + len); a10 = v.fma(k21, a10); a11 = v.fma(k20, a11);
                    v = FloatVector.fromArray(S, x, r + 6 * len + 1); a10 = v.fma(k22, a10); a11 = v.fma(k21, a11);
                    v = FloatVector.fromArray(S, x, r + 6 * len + len + 1); a11 = v.fma(k22, a11);
                    // maximum of each window's four conv values in scan order, then ReLU
                    FloatVector m = a00;
                    m = m.blend(a01, a01.compare(VectorOperators.GT, m).or(a01.compare(VectorOperators.NE, a01).and(m.compare(VectorOperators.EQ, m))));
                    m = m.blend(a10, a10.compare(VectorOperators.GT, m).or(a10.compare(VectorOperators.NE, a10).and(m.compare(VectorOperators.EQ, m))));
                    m = m.blend(a11, a11.compare(VectorOperators.GT, m).or(a11.compare(VectorOperators.NE, a11).and(m.compare(VectorOperators.EQ, m))));
                    FloatVector y = m.blend(0f, m.compare(VectorOperators.LE, 0f));
                    if (!narrow) {
                        y.intoMemorySegment(os, (orow + st) * 4, BO);
                    } else if ((orow + L) * 4 <= osBytes) {
                        y.intoMemorySegment(os, orow * 4, BO, first);
                    } else {
                        // Through a heap tile where a masked store's whole vector would reach past the segment: the
                        // JDK checks such a store lane by lane, code that C2 leaves as calls.
                        y.intoArray(tile, 0);
                        MemorySegment.copy(tile, 0, os, F, orow * 4, pwN);
                    }
                }
            }
        }
    }

    /**
     * Pooled outputs (ph, start .. start + L - 1) of the channel whose weights start at wk, stored at element oe of
     * os: the four conv values of each window as FMA chains from the bias over the taps, then their maximum in
     * scan order, then ReLU. Stores rather than returns the vector: a vector returned from a call C2 does not
     * inline is boxed (an allocation per block).
     */
    private void block(MemorySegment ws, long wk, long w1, long w2, long w3, int so, int ph, int start, float b, MemorySegment os, long oe) {
        FloatVector a00 = FloatVector.broadcast(S, b), a01 = a00, a10 = a00, a11 = a00;
        final int kh = KH, kw = KW, c = C, hp = Hp, len = rowLen;
        final float[] x = sc;
        for (int ci = 0; ci < c; ci++) {
            for (int i = 0; i < kh; i++) {
                // padded rows 2ph + i (conv row 2ph) and 2ph + 1 + i (conv row 2ph + 1), even halves
                int r0 = so + (ci * hp + 2 * ph + i) * 2 * len + start, r1 = r0 + 2 * len;
                long wr = wk + ci * w1 + i * w2;
                // column offset s = b + j: s even -> even row, element s / 2; s odd -> odd row (len further)
                FloatVector v0 = FloatVector.fromArray(S, x, r0), u0 = FloatVector.fromArray(S, x, r1);
                for (int j = 0; j < kw; j++) {
                    int s = j + 1;
                    int e = ((s & 1) == 0 ? 0 : len) + (s >> 1);
                    FloatVector v1 = FloatVector.fromArray(S, x, r0 + e), u1 = FloatVector.fromArray(S, x, r1 + e);
                    FloatVector wv = FloatVector.broadcast(S, ws.getAtIndex(F, wr + j * w3));
                    a00 = v0.fma(wv, a00);
                    a01 = v1.fma(wv, a01);
                    a10 = u0.fma(wv, a10);
                    a11 = u1.fma(wv, a11);
                    v0 = v1;
                    u0 = u1;
                }
            }
        }
        // scan order of the 2x2 window: (0,0), (0,1), (1,0), (1,1)
        FloatVector m = a00;
        m = m.blend(a01, takes(a01, m));
        m = m.blend(a10, takes(a10, m));
        m = m.blend(a11, takes(a11, m));
        m = m.blend(0f, m.compare(VectorOperators.LE, 0f));
        if (PW >= L) m.intoMemorySegment(os, oe * 4, BO);
        else m.intoMemorySegment(os, oe * 4, BO, S.indexInRange(0, PW));
    }

    /**
     * Two full blocks of {@link #block} (starting at pooled columns s0 and s1, stored at orow + s0 / s1) for KW = 3,
     * the MNIST kernel, with the taps unrolled: per kernel row and block, column offsets 0..3 of both conv rows
     * are loaded once (8 loads and the row's 3 weights for 12 FMAs, no inner loop), and the two blocks give 8
     * independent FMA chains.
     */
    private void block3x2(MemorySegment ws, long wk, long w1, long w2, long w3, int so, int ph, int s0, int s1, float b,
                          MemorySegment os, long orow) {
        FloatVector a00 = FloatVector.broadcast(S, b), a01 = a00, a10 = a00, a11 = a00;
        FloatVector c00 = a00, c01 = a00, c10 = a00, c11 = a00;
        final int kh = KH, c = C, hp = Hp;
        final int len = rowLen, d = s1 - s0;
        final float[] x = sc;
        for (int ci = 0; ci < c; ci++) {
            long wc = wk + ci * w1;
            int rc = so + (ci * hp + 2 * ph) * 2 * len + s0;
            for (int i = 0; i < kh; i++) {
                int r0 = rc + i * 2 * len, r1 = r0 + 2 * len;
                long wr = wc + i * w2;
                FloatVector k0 = FloatVector.broadcast(S, ws.getAtIndex(F, wr));
                FloatVector k1 = FloatVector.broadcast(S, ws.getAtIndex(F, wr + w3));
                FloatVector k2 = FloatVector.broadcast(S, ws.getAtIndex(F, wr + 2 * w3));
                // column offsets 0, 1, 2, 3 = even[0], odd[0], even[1], odd[1]; each FMA chain in tap order j = 0, 1, 2
                FloatVector v0 = FloatVector.fromArray(S, x, r0), v1 = FloatVector.fromArray(S, x, r0 + len);
                FloatVector v2 = FloatVector.fromArray(S, x, r0 + 1), v3 = FloatVector.fromArray(S, x, r0 + len + 1);
                a00 = v2.fma(k2, v1.fma(k1, v0.fma(k0, a00)));
                a01 = v3.fma(k2, v2.fma(k1, v1.fma(k0, a01)));
                v0 = FloatVector.fromArray(S, x, r0 + d);
                v1 = FloatVector.fromArray(S, x, r0 + d + len);
                v2 = FloatVector.fromArray(S, x, r0 + d + 1);
                v3 = FloatVector.fromArray(S, x, r0 + d + len + 1);
                c00 = v2.fma(k2, v1.fma(k1, v0.fma(k0, c00)));
                c01 = v3.fma(k2, v2.fma(k1, v1.fma(k0, c01)));
                v0 = FloatVector.fromArray(S, x, r1);
                v1 = FloatVector.fromArray(S, x, r1 + len);
                v2 = FloatVector.fromArray(S, x, r1 + 1);
                v3 = FloatVector.fromArray(S, x, r1 + len + 1);
                a10 = v2.fma(k2, v1.fma(k1, v0.fma(k0, a10)));
                a11 = v3.fma(k2, v2.fma(k1, v1.fma(k0, a11)));
                v0 = FloatVector.fromArray(S, x, r1 + d);
                v1 = FloatVector.fromArray(S, x, r1 + d + len);
                v2 = FloatVector.fromArray(S, x, r1 + d + 1);
                v3 = FloatVector.fromArray(S, x, r1 + d + len + 1);
                c10 = v2.fma(k2, v1.fma(k1, v0.fma(k0, c10)));
                c11 = v3.fma(k2, v2.fma(k1, v1.fma(k0, c11)));
            }
        }
        // maximum of each window's four conv values in scan order, then ReLU (written out: a helper taking vectors
        // that C2 does not inline boxes them)
        FloatVector m = a00;
        m = m.blend(a01, a01.compare(VectorOperators.GT, m).or(a01.compare(VectorOperators.NE, a01).and(m.compare(VectorOperators.EQ, m))));
        m = m.blend(a10, a10.compare(VectorOperators.GT, m).or(a10.compare(VectorOperators.NE, a10).and(m.compare(VectorOperators.EQ, m))));
        m = m.blend(a11, a11.compare(VectorOperators.GT, m).or(a11.compare(VectorOperators.NE, a11).and(m.compare(VectorOperators.EQ, m))));
        m.blend(0f, m.compare(VectorOperators.LE, 0f)).intoMemorySegment(os, (orow + s0) * 4, BO);
        m = c00;
        m = m.blend(c01, c01.compare(VectorOperators.GT, m).or(c01.compare(VectorOperators.NE, c01).and(m.compare(VectorOperators.EQ, m))));
        m = m.blend(c10, c10.compare(VectorOperators.GT, m).or(c10.compare(VectorOperators.NE, c10).and(m.compare(VectorOperators.EQ, m))));
        m = m.blend(c11, c11.compare(VectorOperators.GT, m).or(c11.compare(VectorOperators.NE, c11).and(m.compare(VectorOperators.EQ, m))));
        m.blend(0f, m.compare(VectorOperators.LE, 0f)).intoMemorySegment(os, (orow + s1) * 4, BO);
    }

    /** Lanes where candidate v replaces the running maximum m: v > m, or v is NaN and m is not. */
    private static VectorMask<Float> takes(FloatVector v, FloatVector m) {
        return v.compare(VectorOperators.GT, m).or(v.compare(VectorOperators.NE, v).and(m.compare(VectorOperators.EQ, m)));
    }
}
