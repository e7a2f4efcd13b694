package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API losses, fused bias+activation and optimizer updates (issue 4).
 *
 * <p>Each op is one vectorised pass over contiguous F32 tensors, written as its own direct loop (full vectors,
 * then a scalar tail with the same float formula): a loop whose body is a shared lambda/interface call is
 * megamorphic, C2 does not inline it and boxes every vector (about 30x slower and allocating). The losses, mse
 * and the optimizers have F64 loops too (double lanes); other F64 ops and non-contiguous operands run the scalar
 * oracle. Loss totals are accumulated per row / chunk in float lanes and summed in double. The optimizer
 * updates split large parameters across {@link Parallel} workers (they are memory-bound).
 */
final class VectorTraining {
    private VectorTraining() {}

    private static final VectorSpecies<Float> FS = VectorKernels.FS;
    private static final int L = FS.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /**
     * Elements per parallel part for the memory-bound optimizer passes. A kernel asks {@link Parallel#splits} and
     * builds its capturing RangeTask lambda only when the work is split, else calls its range loop directly: made on
     * every call, the lambda was the only allocation of the serial path (56-144 bytes).
     */
    private static final int OPT_GRAIN = 1 << 15;

    /**
     * Per-thread lane buffers of the loss lane sums (BCE, softmax cross-entropy). A new array per call was 48 bytes
     * with 256-bit vectors but 80 with 512-bit ones, over the allocation test's bound on AVX-512.
     */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);
    private static final ThreadLocal<double[]> LANES64 = ThreadLocal.withInitial(() -> new double[VectorKernels.DS.length()]);

    /**
     * True when every non-null operand is contiguous F64 (the F64 loops) / F32 ({@code fast}). Fixed arities, not
     * varargs: the varargs array was allocated on every kernel call (32-40 bytes, not removed by escape analysis).
     */
    private static boolean fast64(Tensor t) { return t == null || (t.dtype() == DType.F64 && t.isContiguous()); }

    private static boolean fast64(Tensor a, Tensor b) { return fast64(a) && fast64(b); }

    private static boolean fast64(Tensor a, Tensor b, Tensor c) { return fast64(a) && fast64(b) && fast64(c); }

    private static boolean fast64(Tensor a, Tensor b, Tensor c, Tensor d) { return fast64(a, b) && fast64(c, d); }

    private static boolean fast(Tensor t) { return t == null || (t.dtype() == DType.F32 && t.isContiguous()); }

    private static boolean fast(Tensor a, Tensor b) { return fast(a) && fast(b); }

    private static boolean fast(Tensor a, Tensor b, Tensor c) { return fast(a) && fast(b) && fast(c); }

    private static boolean fast(Tensor a, Tensor b, Tensor c, Tensor d) { return fast(a, b) && fast(c, d); }

    private static FloatVector load(MemorySegment s, long e, VectorMask<Float> m) {
        s = nat(s); // see NativeSegments
        return FloatVector.fromMemorySegment(FS, s, e * 4, NO, m);
    }

    private static void store(FloatVector v, MemorySegment s, long e, VectorMask<Float> m) {
        s = nat(s); // see NativeSegments
        v.intoMemorySegment(s, e * 4, NO, m);
    }

    private static MemorySegment seg(Tensor t) {
        return t == null ? null : nat(t.segment());
    }

    // ------------------------------------------------------------------ fused activation

    /**
     * The vector loops of the fused activations take no helper that passes a vector (such a helper, left out of line
     * by C2 at a cold call site or past its node budget, boxes every vector: 2-7 KB per call in ShortRowsProfileProbe).
     * IDENTITY and RELU are one formula, max(v, floor): floor 0 is RELU (v > 0 || NaN ? v : +0, as UnaryOp.RELU) and
     * floor -Inf leaves every v as it is. SIGMOID and TANH (VMath) add the bias with IDENTITY, then run VMath's
     * ranges over the whole output ({@link #transcendental}).
     */
    private static float reluFloor(Activation act) {
        return switch (act) {
            case IDENTITY -> Float.NEGATIVE_INFINITY;
            case RELU -> 0f;
            case SIGMOID, TANH -> throw new IllegalStateException(act + " runs in its own loops");
        };
    }

    static void biasActivation(VectorKernels k, Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) {
        if (!fast(x, bias, out)) {
            k.scalarBiasActivation(x, bias, channelAxis, act, out);
            return;
        }
        MemorySegment xs = nat(x.segment()), os = nat(out.segment()), bs = seg(bias);
        long xo = x.offset(), oo = out.offset(), bo = bias == null ? 0 : bias.offset();
        if (act == Activation.SIGMOID || act == Activation.TANH) {
            // x + bias into out first (the IDENTITY path), then the activation over out in place: the fused op is
            // the unary op on the shifted input, bit for bit, and VMath's range runs once over the whole tensor.
            if (bias != null) biasActivation(k, x, bias, channelAxis, Activation.IDENTITY, out);
            transcendental(act == Activation.TANH, bias == null ? xs : os, bias == null ? xo : oo, os, oo, Math.toIntExact(out.numel()));
            return;
        }
        // dims read one by one, and the lambda made only when the work is split: no allocation per call
        int rank = out.rank();
        long inner = 1, outer = 1;
        for (int d = channelAxis + 1; d < rank; d++) inner *= out.dim(d);
        for (int d = 0; d < channelAxis; d++) outer *= out.dim(d);
        int channels = rank == 0 ? 1 : out.dim(channelAxis);
        if (bias == null) {
            int n = Math.toIntExact(out.numel());
            if (Parallel.splits(n, OPT_GRAIN)) Parallel.forRange(n, OPT_GRAIN, (lo, hi) -> activateRange(act, xs, xo, os, oo, lo, hi));
            else activateRange(act, xs, xo, os, oo, 0, n);
        } else if (inner == 1) {
            // Dense layout [.., channels]: the bias vector lines up with each row.
            for (long row = 0; row < outer; row++) {
                long base = row * channels;
                biasActDenseRow(act, xs, xo + base, bs, bo, os, oo + base, channels);
            }
        } else {
            // Conv layout [n, c, h, w]: one bias value per plane.
            int plane = Math.toIntExact(inner);
            for (long row = 0; row < outer; row++)
                for (int c = 0; c < channels; c++) {
                    long base = (row * channels + c) * inner;
                    biasActPlane(act, xs, xo + base, bs.getAtIndex(F, bo + c), os, oo + base, plane);
                }
        }
    }

    /** out[c] = act(x[c] + bias[c]) for c < C (one dense row). */
    private static void biasActDenseRow(Activation act, MemorySegment xs, long xo, MemorySegment bs, long bo, MemorySegment os, long oo, int C) {
        xs = nat(xs); bs = nat(bs); os = nat(os); // see NativeSegments
        float floor = reluFloor(act);
        int c = 0, bound = FS.loopBound(C);
        for (; c < bound; c += L) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + c) * 4, NO).add(FloatVector.fromMemorySegment(FS, bs, (bo + c) * 4, NO));
            v.max(floor).intoMemorySegment(os, (oo + c) * 4, NO);
        }
        for (; c < C; c++) os.setAtIndex(F, oo + c, activate(act, xs.getAtIndex(F, xo + c) + bs.getAtIndex(F, bo + c)));
    }

    /** out[i] = act(x[i] + b) for i < len (one conv plane). */
    private static void biasActPlane(Activation act, MemorySegment xs, long xo, float b, MemorySegment os, long oo, int len) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        float floor = reluFloor(act);
        int i = 0, bound = FS.loopBound(len);
        for (; i < bound; i += L) FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, NO).add(b).max(floor).intoMemorySegment(os, (oo + i) * 4, NO);
        for (; i < len; i++) os.setAtIndex(F, oo + i, activate(act, xs.getAtIndex(F, xo + i) + b));
    }

    static void activationBackward(VectorKernels k, Activation act, Tensor y, Tensor gradOut, Tensor gradIn) {
        if (!fast(y, gradOut, gradIn)) {
            k.scalarActivationBackward(act, y, gradOut, gradIn);
            return;
        }
        MemorySegment ys = nat(y.segment()), gs = nat(gradOut.segment()), is = nat(gradIn.segment());
        long yo = y.offset(), go = gradOut.offset(), io = gradIn.offset();
        int n = Math.toIntExact(gradIn.numel());
        if (Parallel.splits(n, OPT_GRAIN)) Parallel.forRange(n, OPT_GRAIN, (lo, hi) -> activationGradRange(act, ys, yo, gs, go, is, io, lo, hi));
        else activationGradRange(act, ys, yo, gs, go, is, io, 0, n);
    }

    /** out[i] = act(x[i]) for i in [lo, hi): full vectors, then the same formula per element. */
    private static void activateRange(Activation act, MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        float floor = reluFloor(act);
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += L) FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, NO).max(floor).intoMemorySegment(os, (oo + i) * 4, NO);
        for (; i < hi; i++) os.setAtIndex(F, oo + i, activate(act, xs.getAtIndex(F, xo + i)));
    }

    // The SIGMOID and TANH paths: VMath's ranges (the same bits interpreted, under C1 and under C2, where
    // lanewise(TANH) was a vector stub under C2 and Math.tanh per lane before: a seeded run's bits depended on JIT
    // timing). Each range is a compilation of its own behind a MethodHandle (VMath, "ranges"): inlined here,
    // exp and the code around it ran past C2's node cutoff, and the late-inlined rest boxed a vector at random. With
    // a bias, biasActivation first writes x + bias into out and the range runs there in place. The scalar tails use
    // the formulas of activate(act, float) (Math.exp, Math.tanh: the same in every tier).

    /** out[i] = sigmoid(x[i]) (tanh false) or tanh(x[i]) for i < n, split over the kernel threads when large. */
    private static void transcendental(boolean tanh, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        if (Parallel.splits(n, OPT_GRAIN)) {
            Parallel.forRange(n, OPT_GRAIN, tanh ? (lo, hi) -> tanhRange(xs, xo, os, oo, lo, hi) : (lo, hi) -> sigmoidRange(xs, xo, os, oo, lo, hi));
        } else if (tanh) {
            tanhRange(xs, xo, os, oo, 0, n);
        } else {
            sigmoidRange(xs, xo, os, oo, 0, n);
        }
    }

    /** out[i] = sigmoid(x[i]) for i in [lo, hi): whole vectors in VMath's range (its own compilation), then the tail. */
    private static void sigmoidRange(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int vectors = (hi - lo) / L, i = lo + vectors * L;
        VMath.sigmoidVectorsF(xs, (xo + lo) * 4, os, (oo + lo) * 4, vectors);
        for (; i < hi; i++) os.setAtIndex(F, oo + i, activate(Activation.SIGMOID, xs.getAtIndex(F, xo + i)));
    }

    /** out[i] = tanh(x[i]) for i in [lo, hi). */
    private static void tanhRange(MemorySegment xs, long xo, MemorySegment os, long oo, int lo, int hi) {
        xs = nat(xs); os = nat(os); // see NativeSegments
        int vectors = (hi - lo) / L, i = lo + vectors * L;
        VMath.tanhVectorsF(xs, (xo + lo) * 4, os, (oo + lo) * 4, vectors);
        for (; i < hi; i++) os.setAtIndex(F, oo + i, (float) Math.tanh(xs.getAtIndex(F, xo + i)));
    }

    /** gradIn = gradOut * act'(y) over [lo, hi): one vector loop per activation (no helper takes a vector), then the tail. */
    private static void activationGradRange(Activation act, MemorySegment ys, long yo, MemorySegment gs, long go,
                                            MemorySegment is, long io, int lo, int hi) {
        ys = nat(ys); gs = nat(gs); is = nat(is); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        switch (act) {
            case IDENTITY -> {
                for (; i < bound; i += L) FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO).intoMemorySegment(is, (io + i) * 4, NO);
            }
            case RELU -> {
                for (; i < bound; i += L) {
                    FloatVector y = FloatVector.fromMemorySegment(FS, ys, (yo + i) * 4, NO), g = FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO);
                    g.blend(0f, y.compare(VectorOperators.GT, 0f).not()).intoMemorySegment(is, (io + i) * 4, NO);
                }
            }
            case SIGMOID -> {
                for (; i < bound; i += L) {
                    FloatVector y = FloatVector.fromMemorySegment(FS, ys, (yo + i) * 4, NO), g = FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO);
                    g.mul(y.mul(y.neg().add(1f))).intoMemorySegment(is, (io + i) * 4, NO);
                }
            }
            case TANH -> {
                for (; i < bound; i += L) {
                    FloatVector y = FloatVector.fromMemorySegment(FS, ys, (yo + i) * 4, NO), g = FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO);
                    g.mul(y.mul(y).neg().add(1f)).intoMemorySegment(is, (io + i) * 4, NO);
                }
            }
        }
        for (; i < hi; i++) is.setAtIndex(F, io + i, activationGrad(act, ys.getAtIndex(F, yo + i), gs.getAtIndex(F, go + i)));
    }

    /** The lane formulas of the activation loops on one float (loop tails). */
    static float activate(Activation act, float v) {
        return switch (act) {
            case IDENTITY -> v;
            case RELU -> v > 0f || v != v ? v : 0f;
            case SIGMOID -> {
                float e = (float) Math.exp(-Math.abs(v));
                yield (v >= 0f ? 1f : e) / (e + 1f);
            }
            case TANH -> (float) Math.tanh(v);
        };
    }

    static float activationGrad(Activation act, float y, float g) {
        return switch (act) {
            case IDENTITY -> g;
            case RELU -> y > 0f ? g : 0f;
            case SIGMOID -> g * (y * (-y + 1f));
            case TANH -> g * (-(y * y) + 1f);
        };
    }

    // ------------------------------------------------------------------ losses

    /** Maximum of row [base, base + C) of s. */
    private static float rowMax(MemorySegment s, long base, int C) {
        s = nat(s); // see NativeSegments
        FloatVector mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < C; c += L) {
            VectorMask<Float> m = FS.indexInRange(c, C);
            mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY).blend(load(s, base + c, m), m).max(mx);
        }
        return mx.reduceLanes(VectorOperators.MAX);
    }

    /** log(sum exp(x - max)) of the row; the log-sum-exp is max + this, kept apart so x - max stays exact. */
    private static float rowLogSum(MemorySegment s, long base, int C, float max, float[] lanes, MemorySegment scratch) {
        s = nat(s); scratch = nat(scratch); // see NativeSegments
        // Full vectors, then a scalar tail: masked operations here pushed C2 past its inlining node budget and
        // the vectors were boxed (8 KB per 32 x 10 call). Math.exp is the same stub in every tier.
        FloatVector sum = FloatVector.zero(FS);
        int c = 0, bound = FS.loopBound(C);
        for (; c < bound; c += L) {
            FloatVector.fromMemorySegment(FS, s, (base + c) * 4, NO).sub(max).intoMemorySegment(scratch, 0, NO);
            VMath.expF(scratch, 0, scratch, 0);
            sum = FloatVector.fromMemorySegment(FS, scratch, 0, NO).add(sum);
        }
        // Lanes.sum here went past the inlining node budget too; a store and a scalar loop (same order) do not.
        sum.intoArray(lanes, 0);
        float t = lanes[0];
        for (int i = 1; i < L; i++) t += lanes[i];
        for (; c < C; c++) t += (float) Math.exp(s.getAtIndex(F, base + c) - max);
        return (float) Math.log(t);
    }

    static double softmaxCrossEntropy(VectorKernels k, Tensor logits, Tensor labels, Reduction r, Tensor grad) {
        if (fast64(logits, grad) && labels.dtype() == DType.I32) return softmaxCrossEntropyF64(logits, labels, r, grad);
        if (!fast(logits, grad) || labels.dtype() != DType.I32) return k.scalarSoftmaxCrossEntropy(logits, labels, r, grad);
        int N = logits.dim(0), C = logits.dim(1);
        float scale = r == Reduction.MEAN && N > 0 ? 1f / N : 1f;
        MemorySegment xs = nat(logits.segment()), gs = seg(grad);
        long xo = logits.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        float[] lanes = LANES.get();
        MemorySegment scratch = VMath.scratch();
        for (int i = 0; i < N; i++) {
            long base = xo + (long) i * C;
            float max = rowMax(xs, base, C), ls = rowLogSum(xs, base, C, max, lanes, scratch);
            int y = (int) labels.read(labels.offset() + i * labels.stride(0));
            total += ((double) max - xs.getAtIndex(F, base + y)) + ls;
            if (gs != null) {
                long gb = go + (long) i * C;
                ceRowGrad(xs, base, gs, gb, C, max, ls, scale);
                gs.setAtIndex(F, gb + y, gs.getAtIndex(F, gb + y) - scale);
            }
        }
        return total * scale;
    }

    /** grad row = softmax(x) * scale; its own method (and no masks) so C2 inlines everything in it. */
    private static void ceRowGrad(MemorySegment xs, long base, MemorySegment gs, long gb, int C, float max, float ls,
                                  float scale) {
        xs = nat(xs); gs = nat(gs); // see NativeSegments
        int c = 0, bound = FS.loopBound(C);
        for (; c < bound; c += L) {
            long at = (gb + c) * 4;
            FloatVector.fromMemorySegment(FS, xs, (base + c) * 4, NO).sub(max).sub(ls).intoMemorySegment(gs, at, NO);
            VMath.expF(gs, at, gs, at);
            FloatVector.fromMemorySegment(FS, gs, at, NO).mul(scale).intoMemorySegment(gs, at, NO);
        }
        for (; c < C; c++) gs.setAtIndex(F, gb + c, (float) Math.exp(xs.getAtIndex(F, base + c) - max - ls) * scale);
    }

    static double softmaxCrossEntropyProbs(VectorKernels k, Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        if (fast64(logits, targets, grad)) return softmaxCrossEntropyProbsF64(logits, targets, r, grad);
        if (!fast(logits, targets, grad)) return k.scalarSoftmaxCrossEntropyProbs(logits, targets, r, grad);
        int N = logits.dim(0), C = logits.dim(1);
        float scale = r == Reduction.MEAN && N > 0 ? 1f / N : 1f;
        MemorySegment xs = nat(logits.segment()), ts = nat(targets.segment()), gs = seg(grad);
        long xo = logits.offset(), to = targets.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        float[] lanes = LANES.get();
        MemorySegment scratch = VMath.scratch();
        for (int i = 0; i < N; i++) {
            long base = xo + (long) i * C, tb = to + (long) i * C;
            float max = rowMax(xs, base, C), ls = rowLogSum(xs, base, C, max, lanes, scratch);
            total += probsRowLoss(xs, base, ts, tb, C, max + ls);
            if (gs != null) probsRowGrad(xs, base, ts, tb, gs, go + (long) i * C, C, max, ls, scale);
        }
        return total * scale;
    }

    /** sum over the row of t * (lse - x), where t == 0 contributes nothing (even where lse - x is infinite). */
    private static float probsRowLoss(MemorySegment xs, long base, MemorySegment ts, long tb, int C, float lse) {
        xs = nat(xs); ts = nat(ts); // see NativeSegments
        FloatVector loss = FloatVector.zero(FS);
        int c = 0, bound = FS.loopBound(C);
        for (; c < bound; c += L) {
            FloatVector t = FloatVector.fromMemorySegment(FS, ts, (tb + c) * 4, NO);
            FloatVector x = FloatVector.fromMemorySegment(FS, xs, (base + c) * 4, NO);
            loss = t.mul(x.neg().add(lse)).blend(0f, t.compare(VectorOperators.EQ, 0f)).add(loss);
        }
        float s = Lanes.sum(loss);
        for (; c < C; c++) {
            float t = ts.getAtIndex(F, tb + c);
            if (t != 0f) s += t * (-xs.getAtIndex(F, base + c) + lse);
        }
        return s;
    }

    /** grad = (softmax(x) * sum(t) - t) * scale over the row. */
    private static void probsRowGrad(MemorySegment xs, long base, MemorySegment ts, long tb, MemorySegment gs, long gb, int C,
                                     float max, float ls, float scale) {
        xs = nat(xs); ts = nat(ts); gs = nat(gs); // see NativeSegments
        FloatVector tsum = FloatVector.zero(FS);
        int c = 0, bound = FS.loopBound(C);
        for (; c < bound; c += L) tsum = FloatVector.fromMemorySegment(FS, ts, (tb + c) * 4, NO).add(tsum);
        float ts0 = Lanes.sum(tsum);
        for (; c < C; c++) ts0 += ts.getAtIndex(F, tb + c);
        for (c = 0; c < bound; c += L) {
            long at = (gb + c) * 4;
            FloatVector t = FloatVector.fromMemorySegment(FS, ts, (tb + c) * 4, NO); // before gs is written (gs may be ts)
            FloatVector.fromMemorySegment(FS, xs, (base + c) * 4, NO).sub(max).sub(ls).intoMemorySegment(gs, at, NO);
            VMath.expF(gs, at, gs, at);
            FloatVector.fromMemorySegment(FS, gs, at, NO).mul(ts0).sub(t).mul(scale).intoMemorySegment(gs, at, NO);
        }
        for (; c < C; c++) {
            float p = (float) Math.exp(xs.getAtIndex(F, base + c) - max - ls);
            gs.setAtIndex(F, gb + c, (p * ts0 - ts.getAtIndex(F, tb + c)) * scale);
        }
    }

    /** Elements summed in float lanes before the partial goes into the double total. */
    private static final int SUM_CHUNK = 4096;

    /**
     * Per-thread F32 scratch of SUM_CHUNK elements for exp(-|x|) (made once per thread, freed with it). Off-heap like
     * the tensors: with a heap (float[]) segment here the passes saw two segment classes, and the loss without a grad
     * ran at times 1.5x slower than the one-pass lanewise kernel.
     */
    private static final ThreadLocal<MemorySegment> BCE_SCRATCH_F =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate((long) SUM_CHUNK * Float.BYTES, 64));

    /**
     * F32 BCE with logits in chunks of SUM_CHUNK, up to three passes per chunk: e = exp(-|x|) into a scratch chunk;
     * the loss terms max(x, 0) - x*t + log1p(e) summed in float lanes; with a grad tensor, grad = (sigmoid(x) - t) *
     * scale from e. Both transcendentals are VMath's (the same bits interpreted, C1 or C2; {@code lanewise(LOG1P)} was
     * not), one per loop: exp and log1p in one loop overran C2's inlining node budget and boxed, and log1p with the
     * gradient in one loop left Lanes.sum out of line (NodeCountInliningCutoff: a vector boxed per chunk). The
     * gradient pass writes each element after reading it, so grad may be the logits or the targets tensor.
     */
    static double bceWithLogits(VectorKernels k, Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        if (fast64(logits, targets, grad)) return bceWithLogitsF64(logits, targets, r, grad);
        if (!fast(logits, targets, grad)) return k.scalarBceWithLogits(logits, targets, r, grad);
        long n = logits.numel();
        float scale = r == Reduction.MEAN && n > 0 ? 1f / n : 1f;
        MemorySegment xs = nat(logits.segment()), ts = nat(targets.segment()), gs = seg(grad), es = BCE_SCRATCH_F.get(), scratch = VMath.chunkScratch();
        long xo = logits.offset(), to = targets.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        for (long i = 0; i < n; i += SUM_CHUNK) {
            int len = (int) Math.min(SUM_CHUNK, n - i);
            bceExpF32(xs, xo + i, es, len);
            total += bceLossF32(xs, xo + i, ts, to + i, es, len, scratch);
            if (gs != null) bceGradF32(xs, xo + i, ts, to + i, es, gs, go + i, len, scale);
        }
        return total * scale;
    }

    /** e[0, len) = exp(-|x|): -|x| into es, then VMath's exp range over es in place. */
    private static void bceExpF32(MemorySegment xs, long xo, MemorySegment es, int len) {
        xs = nat(xs); es = nat(es); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        for (; i < bound; i += L) FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, NO).abs().neg().intoMemorySegment(es, i * 4L, NO);
        VMath.expVectorsF(es, 0, es, 0, bound / L);
        for (; i < len; i++) es.setAtIndex(F, i, (float) Math.exp(-Math.abs(xs.getAtIndex(F, xo + i))));
    }

    /** Stable BCE with logits summed over [0, len): max(x, 0) - x*t + log1p(e), e = exp(-|x|) in (0, 1]. */
    private static float bceLossF32(MemorySegment xs, long xo, MemorySegment ts, long to, MemorySegment es, int len, MemorySegment scratch) {
        xs = nat(xs); ts = nat(ts); es = nat(es); scratch = nat(scratch); // see NativeSegments
        FloatVector acc = FloatVector.zero(FS);
        int i = 0, bound = FS.loopBound(len), vectors = bound / L;
        for (int k = 0; k < vectors; k += VMath.CHUNK) {
            int m = Math.min(VMath.CHUNK, vectors - k);
            // log1p(e) of the chunk into the scratch (not in place: the gradient pass reads e again), by VMath's
            // range: log1pUnitF inlined here took this method past C2's inlining cutoff (see VMath "ranges").
            VMath.log1pUnitVectorsF(es, (long) k * L * 4, scratch, 0, m);
            for (int v = 0; v < m; v++) {
                long e = (long) (k + v) * L;
                FloatVector x = FloatVector.fromMemorySegment(FS, xs, (xo + e) * 4, NO), t = FloatVector.fromMemorySegment(FS, ts, (to + e) * 4, NO);
                acc = x.max(0f).sub(x.mul(t)).add(FloatVector.fromMemorySegment(FS, scratch, v * 4L * L, NO)).add(acc);
            }
        }
        i = bound;
        float[] lanes = LANES.get();
        acc.intoArray(lanes, 0);
        float s = Lanes.sum(lanes);
        for (; i < len; i++) {
            float x = xs.getAtIndex(F, xo + i), t = ts.getAtIndex(F, to + i);
            s += Math.max(x, 0f) - x * t + (float) Math.log1p(es.getAtIndex(F, i));
        }
        return s;
    }

    /** grad[0, len) = (sigmoid(x) - t) * scale with sigmoid(x) = (x >= 0 ? 1 : e) / (1 + e). */
    private static void bceGradF32(MemorySegment xs, long xo, MemorySegment ts, long to, MemorySegment es, MemorySegment gs, long go,
                                   int len, float scale) {
        xs = nat(xs); ts = nat(ts); es = nat(es); gs = nat(gs); // see NativeSegments
        int i = 0, bound = FS.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, NO), t = FloatVector.fromMemorySegment(FS, ts, (to + i) * 4, NO);
            FloatVector e = FloatVector.fromMemorySegment(FS, es, i * 4L, NO);
            e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f)).sub(t).mul(scale).intoMemorySegment(gs, (go + i) * 4, NO);
        }
        for (; i < len; i++) {
            float x = xs.getAtIndex(F, xo + i), t = ts.getAtIndex(F, to + i), e = es.getAtIndex(F, i);
            gs.setAtIndex(F, go + i, ((x >= 0 ? 1f : e) / (e + 1f) - t) * scale);
        }
    }

    // ------------------------------------------------------------------ F64 losses
    // Same structure as the F32 ones, in double lanes with VMath's double exp / log1p (tier-stable: the same
    // result interpreted, C1 or C2). Each loop holds at most one VMath call: two of them (exp and log1p) in one
    // loop can exceed C2's inlining node budget (when VMath still took vectors, a call left out of line boxed them).

    /** Maximum of the F64 row [base, base + C) (NaN propagates, as Math.max in the oracle). */
    private static double rowMaxF64(MemorySegment s, long base, int C) {
        s = nat(s); // see NativeSegments
        int c = 0, bound = DS.loopBound(C);
        double m = Double.NEGATIVE_INFINITY;
        if (bound > 0) {
            DoubleVector mx = DoubleVector.fromMemorySegment(DS, s, base * 8, NO);
            for (c = DL; c < bound; c += DL) mx = DoubleVector.fromMemorySegment(DS, s, (base + c) * 8, NO).max(mx);
            m = mx.reduceLanes(VectorOperators.MAX);
        }
        for (; c < C; c++) m = Math.max(m, s.getAtIndex(D, base + c));
        return m;
    }

    /**
     * sum of exp(x - max) over the F64 row: double lanes in lane order, then the tail. As in {@link #rowLogSum},
     * the lanes leave through a store into {@code lanes} (Lanes.sum here was not inlined, and boxed a vector per row).
     */
    private static double rowSumExpF64(MemorySegment s, long base, int C, double max, double[] lanes, MemorySegment scratch) {
        s = nat(s); scratch = nat(scratch); // see NativeSegments
        DoubleVector sum = DoubleVector.zero(DS);
        int c = 0, bound = DS.loopBound(C), vectors = bound / DL;
        for (int k = 0; k < vectors; k += VMath.CHUNK) { // scratch: VMath.chunkScratch(), CHUNK vectors
            int m = Math.min(VMath.CHUNK, vectors - k);
            long x0 = (base + (long) k * DL) * 8;
            for (int v = 0; v < m; v++) DoubleVector.fromMemorySegment(DS, s, x0 + v * 8L * DL, NO).sub(max).intoMemorySegment(scratch, v * 8L * DL, NO);
            VMath.expVectorsD(scratch, 0, scratch, 0, m);
            for (int v = 0; v < m; v++) sum = DoubleVector.fromMemorySegment(DS, scratch, v * 8L * DL, NO).add(sum);
        }
        c = bound;
        sum.intoArray(lanes, 0);
        double t = lanes[0];
        for (int i = 1; i < DL; i++) t += lanes[i];
        for (; c < C; c++) t += Math.exp(s.getAtIndex(D, base + c) - max);
        return t;
    }

    /**
     * F64 grad row = softmax(x) * scale = exp(x - max - ls) * scale: the exp arguments of the row's whole vectors
     * into the grad row, VMath's exp range over them in place (a compilation of its own: expD inlined here took
     * this method past C2's inlining cutoff, see VMath "ranges"), then the scaling. Each pass reads a place
     * before writing it, so grad may be the logits.
     */
    private static void ceRowGradF64(MemorySegment xs, long base, MemorySegment gs, long gb, int C, double max, double ls, double scale) {
        xs = nat(xs); gs = nat(gs); // see NativeSegments
        int c = 0, bound = DS.loopBound(C);
        for (; c < bound; c += DL) DoubleVector.fromMemorySegment(DS, xs, (base + c) * 8, NO).sub(max).sub(ls).intoMemorySegment(gs, (gb + c) * 8, NO);
        VMath.expVectorsD(gs, gb * 8, gs, gb * 8, bound / DL);
        for (c = 0; c < bound; c += DL) DoubleVector.fromMemorySegment(DS, gs, (gb + c) * 8, NO).mul(scale).intoMemorySegment(gs, (gb + c) * 8, NO);
        c = bound;
        for (; c < C; c++) gs.setAtIndex(D, gb + c, Math.exp(xs.getAtIndex(D, base + c) - max - ls) * scale);
    }

    private static double softmaxCrossEntropyF64(Tensor logits, Tensor labels, Reduction r, Tensor grad) {
        int N = logits.dim(0), C = logits.dim(1);
        double scale = r == Reduction.MEAN && N > 0 ? 1.0 / N : 1.0;
        MemorySegment xs = nat(logits.segment()), gs = seg(grad);
        long xo = logits.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        double[] lanes = LANES64.get();
        MemorySegment scratch = VMath.chunkScratch();
        for (int i = 0; i < N; i++) {
            long base = xo + (long) i * C;
            double max = rowMaxF64(xs, base, C), ls = Math.log(rowSumExpF64(xs, base, C, max, lanes, scratch));
            int y = (int) labels.read(labels.offset() + i * labels.stride(0));
            total += (max - xs.getAtIndex(D, base + y)) + ls;
            if (gs != null) {
                long gb = go + (long) i * C;
                ceRowGradF64(xs, base, gs, gb, C, max, ls, scale);
                gs.setAtIndex(D, gb + y, gs.getAtIndex(D, gb + y) - scale);
            }
        }
        return total * scale;
    }

    private static double softmaxCrossEntropyProbsF64(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        int N = logits.dim(0), C = logits.dim(1);
        double scale = r == Reduction.MEAN && N > 0 ? 1.0 / N : 1.0;
        MemorySegment xs = nat(logits.segment()), ts = nat(targets.segment()), gs = seg(grad);
        long xo = logits.offset(), to = targets.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        double[] lanes = LANES64.get();
        MemorySegment scratch = VMath.chunkScratch();
        for (int i = 0; i < N; i++) {
            long base = xo + (long) i * C, tb = to + (long) i * C;
            double max = rowMaxF64(xs, base, C), ls = Math.log(rowSumExpF64(xs, base, C, max, lanes, scratch));
            total += probsRowLossF64(xs, base, ts, tb, C, max + ls);
            if (gs != null) probsRowGradF64(xs, base, ts, tb, gs, go + (long) i * C, C, max, ls, scale, scratch);
        }
        return total * scale;
    }

    /** sum over the F64 row of t * (lse - x), where t == 0 contributes nothing (even where lse - x is infinite). */
    private static double probsRowLossF64(MemorySegment xs, long base, MemorySegment ts, long tb, int C, double lse) {
        xs = nat(xs); ts = nat(ts); // see NativeSegments
        DoubleVector loss = DoubleVector.zero(DS);
        int c = 0, bound = DS.loopBound(C);
        for (; c < bound; c += DL) {
            DoubleVector t = DoubleVector.fromMemorySegment(DS, ts, (tb + c) * 8, NO);
            DoubleVector x = DoubleVector.fromMemorySegment(DS, xs, (base + c) * 8, NO);
            loss = t.mul(x.neg().add(lse)).blend(0.0, t.compare(VectorOperators.EQ, 0.0)).add(loss);
        }
        double s = Lanes.sum(loss);
        for (; c < C; c++) {
            double t = ts.getAtIndex(D, tb + c);
            if (t != 0) s += t * (-xs.getAtIndex(D, base + c) + lse);
        }
        return s;
    }

    /**
     * F64 grad = (softmax(x) * sum(t) - t) * scale over the row; exp(x - max - ls) by VMath's range as in
     * {@link #ceRowGradF64}, but through the chunk scratch: grad may be the targets, which the last pass reads.
     */
    private static void probsRowGradF64(MemorySegment xs, long base, MemorySegment ts, long tb, MemorySegment gs, long gb, int C,
                                        double max, double ls, double scale, MemorySegment scratch) {
        xs = nat(xs); ts = nat(ts); gs = nat(gs); scratch = nat(scratch); // see NativeSegments
        DoubleVector tsum = DoubleVector.zero(DS);
        int c = 0, bound = DS.loopBound(C);
        for (; c < bound; c += DL) tsum = DoubleVector.fromMemorySegment(DS, ts, (tb + c) * 8, NO).add(tsum);
        double ts0 = Lanes.sum(tsum);
        for (; c < C; c++) ts0 += ts.getAtIndex(D, tb + c);
        int vectors = bound / DL;
        for (int k = 0; k < vectors; k += VMath.CHUNK) {
            int m = Math.min(VMath.CHUNK, vectors - k);
            long x0 = (base + (long) k * DL) * 8, t0 = (tb + (long) k * DL) * 8, g0 = (gb + (long) k * DL) * 8;
            for (int v = 0; v < m; v++)
                DoubleVector.fromMemorySegment(DS, xs, x0 + v * 8L * DL, NO).sub(max).sub(ls).intoMemorySegment(scratch, v * 8L * DL, NO);
            VMath.expVectorsD(scratch, 0, scratch, 0, m);
            for (int v = 0; v < m; v++) { // t read before gs is written at the same place (gs may be ts)
                DoubleVector t = DoubleVector.fromMemorySegment(DS, ts, t0 + v * 8L * DL, NO);
                DoubleVector.fromMemorySegment(DS, scratch, v * 8L * DL, NO).mul(ts0).sub(t).mul(scale).intoMemorySegment(gs, g0 + v * 8L * DL, NO);
            }
        }
        for (c = bound; c < C; c++) {
            double p = Math.exp(xs.getAtIndex(D, base + c) - max - ls);
            gs.setAtIndex(D, gb + c, (p * ts0 - ts.getAtIndex(D, tb + c)) * scale);
        }
    }

    /** Per-thread F64 scratch of SUM_CHUNK elements for exp(-|x|) of BCE without a grad tensor (made once per thread). */
    private static final ThreadLocal<MemorySegment> BCE_SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate((long) SUM_CHUNK * Double.BYTES, 64)); // off-heap: as BCE_SCRATCH_F

    /**
     * F64 BCE with logits in chunks of SUM_CHUNK, three passes per chunk so no loop holds more than one VMath call
     * (exp and log1p with the rest in one loop boxed: 32 B per element): e = exp(-|x|) into the grad tensor (or a
     * scratch chunk); the sum of log1p(e); then the sum of max(x, 0) - x*t and the gradient
     * (sigmoid(x) - t) * scale with sigmoid(x) = (x >= 0 ? 1 : e) / (1 + e), overwriting e. Where grad shares memory
     * with the logits or targets (an in-place gradient), e goes to the scratch chunk instead.
     */
    private static double bceWithLogitsF64(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        long n = logits.numel();
        double scale = r == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
        MemorySegment xs = nat(logits.segment()), ts = nat(targets.segment()), gs = seg(grad);
        long xo = logits.offset(), to = targets.offset(), go = grad == null ? 0 : grad.offset();
        boolean eInGrad = gs != null && gs != xs && gs != ts;
        MemorySegment es = eInGrad ? gs : BCE_SCRATCH.get(), scratch = VMath.chunkScratch();
        double total = 0;
        for (long i = 0; i < n; i += SUM_CHUNK) {
            int len = (int) Math.min(SUM_CHUNK, n - i);
            long eo = eInGrad ? go + i : 0;
            bceExpF64(xs, xo + i, es, eo, len);
            total += bceLog1pSumF64(es, eo, len, scratch);
            total += bceLinearF64(xs, xo + i, ts, to + i, es, eo, gs, go + i, len, scale);
        }
        return total * scale;
    }

    /** e[0, len) = exp(-|x|), as {@link #bceExpF32}. */
    private static void bceExpF64(MemorySegment xs, long xo, MemorySegment es, long eo, int len) {
        xs = nat(xs); es = nat(es); // see NativeSegments
        int i = 0, bound = DS.loopBound(len);
        for (; i < bound; i += DL) DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, NO).abs().neg().intoMemorySegment(es, (eo + i) * 8, NO);
        VMath.expVectorsD(es, eo * 8, es, eo * 8, bound / DL);
        for (; i < len; i++) es.setAtIndex(D, eo + i, Math.exp(-Math.abs(xs.getAtIndex(D, xo + i))));
    }

    /** Sum of log1p(e) over [0, len). */
    private static double bceLog1pSumF64(MemorySegment es, long eo, int len, MemorySegment scratch) {
        es = nat(es); scratch = nat(scratch); // see NativeSegments
        DoubleVector acc = DoubleVector.zero(DS);
        int i = 0, bound = DS.loopBound(len), vectors = bound / DL;
        for (int k = 0; k < vectors; k += VMath.CHUNK) { // not in place: the gradient pass reads e again
            int m = Math.min(VMath.CHUNK, vectors - k);
            VMath.log1pVectorsD(es, (eo + (long) k * DL) * 8, scratch, 0, m);
            for (int v = 0; v < m; v++) acc = DoubleVector.fromMemorySegment(DS, scratch, v * 8L * DL, NO).add(acc);
        }
        i = bound;
        double[] lanes = LANES64.get();
        acc.intoArray(lanes, 0);
        double s = Lanes.sum(lanes);
        for (; i < len; i++) s += Math.log1p(es.getAtIndex(D, eo + i));
        return s;
    }

    /** Sum of max(x, 0) - x*t over [0, len); with gs, also the gradient from e = exp(-|x|) (gs may be es). */
    private static double bceLinearF64(MemorySegment xs, long xo, MemorySegment ts, long to, MemorySegment es, long eo,
                                       MemorySegment gs, long go, int len, double scale) {
        xs = nat(xs); ts = nat(ts); es = nat(es); gs = nat(gs); // see NativeSegments
        boolean writeGrad = gs != null;
        DoubleVector acc = DoubleVector.zero(DS);
        int i = 0, bound = DS.loopBound(len);
        for (; i < bound; i += DL) {
            DoubleVector x = DoubleVector.fromMemorySegment(DS, xs, (xo + i) * 8, NO), t = DoubleVector.fromMemorySegment(DS, ts, (to + i) * 8, NO);
            acc = x.max(0.0).sub(x.mul(t)).add(acc);
            if (writeGrad) {
                DoubleVector e = DoubleVector.fromMemorySegment(DS, es, (eo + i) * 8, NO);
                DoubleVector sig = e.blend(1.0, x.compare(VectorOperators.GE, 0.0)).div(e.add(1.0));
                sig.sub(t).mul(scale).intoMemorySegment(gs, (go + i) * 8, NO);
            }
        }
        double[] lanes = LANES64.get();
        acc.intoArray(lanes, 0);
        double s = Lanes.sum(lanes);
        for (; i < len; i++) {
            double x = xs.getAtIndex(D, xo + i), t = ts.getAtIndex(D, to + i);
            s += Math.max(x, 0) - x * t;
            if (writeGrad) {
                double e = es.getAtIndex(D, eo + i);
                gs.setAtIndex(D, go + i, ((x >= 0 ? 1.0 : e) / (1.0 + e) - t) * scale);
            }
        }
        return s;
    }

    static double mse(VectorKernels k, Tensor pred, Tensor target, Reduction r, Tensor grad) {
        if (fast64(pred, target, grad)) return mseF64(pred, target, r, grad);
        if (!fast(pred, target, grad)) return k.scalarMse(pred, target, r, grad);
        long n = pred.numel();
        float scale = r == Reduction.MEAN && n > 0 ? 1f / n : 1f;
        MemorySegment ps = nat(pred.segment()), ts = nat(target.segment()), gs = seg(grad);
        long po = pred.offset(), to = target.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        for (long i = 0; i < n; i += SUM_CHUNK) {
            int len = (int) Math.min(SUM_CHUNK, n - i);
            total += mseChunk(ps, po + i, ts, to + i, gs, go + i, len, 2f * scale);
        }
        return total * scale;
    }

    /** F64 mean squared error: the sum in double lanes (lane order, then the tail), grad = 2 * d * scale as the oracle. */
    private static double mseF64(Tensor pred, Tensor target, Reduction r, Tensor grad) {
        long n = pred.numel();
        double scale = r == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
        MemorySegment ps = nat(pred.segment()), ts = nat(target.segment()), gs = seg(grad);
        long po = pred.offset(), to = target.offset(), go = grad == null ? 0 : grad.offset();
        return mseRangeF64(ps, po, ts, to, gs, go, Math.toIntExact(n), scale) * scale;
    }

    private static double mseRangeF64(MemorySegment ps, long po, MemorySegment ts, long to, MemorySegment gs, long go, int n, double scale) {
        ps = nat(ps); ts = nat(ts); gs = nat(gs); // see NativeSegments
        DoubleVector acc = DoubleVector.zero(VectorKernels.DS);
        int dl = VectorKernels.DS.length();
        boolean g = gs != null;
        int i = 0, bound = VectorKernels.DS.loopBound(n);
        for (; i < bound; i += dl) {
            DoubleVector d = DoubleVector.fromMemorySegment(VectorKernels.DS, ps, (po + i) * 8, NO)
                    .sub(DoubleVector.fromMemorySegment(VectorKernels.DS, ts, (to + i) * 8, NO));
            if (g) d.mul(2).mul(scale).intoMemorySegment(gs, (go + i) * 8, NO);
            acc = d.mul(d).add(acc);
        }
        double s = Lanes.sum(acc);
        for (; i < n; i++) {
            double d = ps.getAtIndex(ValueLayout.JAVA_DOUBLE, po + i) - ts.getAtIndex(ValueLayout.JAVA_DOUBLE, to + i);
            if (g) gs.setAtIndex(ValueLayout.JAVA_DOUBLE, go + i, 2 * d * scale);
            s += d * d;
        }
        return s;
    }

    /** sum of (p - t)^2 over [0, len); with gs, also grad = (p - t) * gScale. */
    private static float mseChunk(MemorySegment ps, long po, MemorySegment ts, long to, MemorySegment gs, long go, int len, float gScale) {
        ps = nat(ps); ts = nat(ts); gs = nat(gs); // see NativeSegments
        FloatVector acc = FloatVector.zero(FS);
        boolean g = gs != null;
        int i = 0, bound = FS.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector d = FloatVector.fromMemorySegment(FS, ps, (po + i) * 4, NO).sub(FloatVector.fromMemorySegment(FS, ts, (to + i) * 4, NO));
            if (g) d.mul(gScale).intoMemorySegment(gs, (go + i) * 4, NO);
            acc = d.mul(d).add(acc);
        }
        float s = Lanes.sum(acc);
        for (; i < len; i++) {
            float d = ps.getAtIndex(F, po + i) - ts.getAtIndex(F, to + i);
            if (g) gs.setAtIndex(F, go + i, d * gScale);
            s += d * d;
        }
        return s;
    }

    // ------------------------------------------------------------------ optimizers (PyTorch semantics, as ScalarKernels)

    static void sgdUpdate(VectorKernels k, Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) {
        boolean mom = s.momentum() != 0;
        if (fast64(p, g, mom ? buf : null)) {
            sgdUpdateF64(p, g, buf, s);
            return;
        }
        if (!fast(p, g, mom ? buf : null)) {
            k.scalarSgdUpdate(p, g, buf, s);
            return;
        }
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), bs = mom ? buf.segment() : null;
        long po = p.offset(), go = g.offset(), bo = mom ? buf.offset() : 0;
        float lr = (float) s.lr(), wd = (float) s.weightDecay(), mu = (float) s.momentum(), damp = (float) (1 - s.dampening());
        boolean nesterov = s.nesterov();
        int n = Math.toIntExact(p.numel());
        // Direct loops per op (not a shared forLanes(body) helper): a megamorphic body call is not inlined and
        // every vector gets boxed.
        if (Parallel.splits(n, OPT_GRAIN)) Parallel.forRange(n, OPT_GRAIN, (lo, hi) -> sgdRange(ps, po, gs, go, bs, bo, lo, hi, mom, nesterov, lr, wd, mu, damp));
        else sgdRange(ps, po, gs, go, bs, bo, 0, n, mom, nesterov, lr, wd, mu, damp);
    }

    private static void sgdRange(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment bs, long bo, int lo, int hi,
                                 boolean mom, boolean nesterov, float lr, float wd, float mu, float damp) {
        ps = nat(ps); gs = nat(gs); bs = nat(bs); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += L) {
            FloatVector pv = FloatVector.fromMemorySegment(FS, ps, (po + i) * 4, NO);
            FloatVector d = pv.mul(wd).add(FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO));
            if (mom) {
                FloatVector b = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, NO).mul(mu).add(d.mul(damp));
                b.intoMemorySegment(bs, (bo + i) * 4, NO);
                d = nesterov ? b.mul(mu).add(d) : b;
            }
            d.mul(-lr).add(pv).intoMemorySegment(ps, (po + i) * 4, NO);
        }
        for (; i < hi; i++) {
            float pv = ps.getAtIndex(F, po + i);
            float d = pv * wd + gs.getAtIndex(F, go + i);
            if (mom) {
                float b = bs.getAtIndex(F, bo + i) * mu + d * damp;
                bs.setAtIndex(F, bo + i, b);
                d = nesterov ? b * mu + d : b;
            }
            ps.setAtIndex(F, po + i, d * -lr + pv);
        }
    }

    static void adamUpdate(VectorKernels k, Tensor p, Tensor g, Tensor mt, Tensor vt, OptimizerSteps.Adam s) {
        if (fast64(p, g, mt, vt)) {
            adamUpdateF64(p, g, mt, vt, s);
            return;
        }
        if (!fast(p, g, mt, vt)) {
            k.scalarAdamUpdate(p, g, mt, vt, s);
            return;
        }
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), ms = nat(mt.segment()), vs = nat(vt.segment());
        long po = p.offset(), go = g.offset(), mo = mt.offset(), vo = vt.offset();
        float lr = (float) s.lr(), b1 = (float) s.beta1(), b2 = (float) s.beta2(), eps = (float) s.eps(), wd = (float) s.weightDecay();
        float c1 = (float) (1 - s.beta1()), c2 = (float) (1 - s.beta2());
        float invBc1 = (float) (1 / (1 - Math.pow(s.beta1(), s.step())));
        float invSqrtBc2 = (float) (1 / Math.sqrt(1 - Math.pow(s.beta2(), s.step())));
        float decay = (float) (1 - s.lr() * s.weightDecay());
        boolean decoupled = s.decoupled();
        float stepScale = lr * invBc1;
        int n = Math.toIntExact(p.numel());
        // A direct loop per op (not the shared forLanes(body) helper): Adam runs every training step, and the
        // megamorphic body.run call there was not inlined, so every vector was boxed (about 1 MB per MNIST step).
        if (Parallel.splits(n, OPT_GRAIN)) Parallel.forRange(n, OPT_GRAIN, (lo, hi) -> adamRange(ps, po, gs, go, ms, mo, vs, vo, lo, hi, decoupled, decay, wd,
                b1, c1, b2, c2, invSqrtBc2, eps, stepScale));
        else adamRange(ps, po, gs, go, ms, mo, vs, vo, 0, n, decoupled, decay, wd,
                b1, c1, b2, c2, invSqrtBc2, eps, stepScale);
    }

    private static void adamRange(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ms, long mo,
            MemorySegment vs, long vo, int lo, int hi, boolean decoupled, float decay, float wd, float b1, float c1,
            float b2, float c2, float invSqrtBc2, float eps, float stepScale) {
        ps = nat(ps); gs = nat(gs); ms = nat(ms); vs = nat(vs); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += L) {
            FloatVector pv = FloatVector.fromMemorySegment(FS, ps, (po + i) * 4, NO);
            FloatVector gv = FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO);
            if (decoupled) pv = pv.mul(decay);
            else gv = pv.mul(wd).add(gv);
            FloatVector mv = FloatVector.fromMemorySegment(FS, ms, (mo + i) * 4, NO).mul(b1).add(gv.mul(c1));
            FloatVector vv = FloatVector.fromMemorySegment(FS, vs, (vo + i) * 4, NO).mul(b2).add(gv.mul(gv).mul(c2));
            mv.intoMemorySegment(ms, (mo + i) * 4, NO);
            vv.intoMemorySegment(vs, (vo + i) * 4, NO);
            FloatVector denom = vv.sqrt().mul(invSqrtBc2).add(eps);
            pv.sub(mv.mul(stepScale).div(denom)).intoMemorySegment(ps, (po + i) * 4, NO);
        }
        for (; i < hi; i++) {
            float pv = ps.getAtIndex(ValueLayout.JAVA_FLOAT, po + i), gv = gs.getAtIndex(ValueLayout.JAVA_FLOAT, go + i);
            if (decoupled) pv *= decay;
            else gv = pv * wd + gv;
            float mv = ms.getAtIndex(ValueLayout.JAVA_FLOAT, mo + i) * b1 + gv * c1;
            float vv = vs.getAtIndex(ValueLayout.JAVA_FLOAT, vo + i) * b2 + gv * gv * c2;
            ms.setAtIndex(ValueLayout.JAVA_FLOAT, mo + i, mv);
            vs.setAtIndex(ValueLayout.JAVA_FLOAT, vo + i, vv);
            float denom = (float) Math.sqrt(vv) * invSqrtBc2 + eps;
            ps.setAtIndex(ValueLayout.JAVA_FLOAT, po + i, pv - mv * stepScale / denom);
        }
    }

    static void rmsPropUpdate(VectorKernels k, Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) {
        boolean mom = s.momentum() != 0;
        if (fast64(p, g, sq, mom ? buf : null)) {
            rmsPropUpdateF64(p, g, sq, buf, s);
            return;
        }
        if (!fast(p, g, sq, mom ? buf : null)) {
            k.scalarRmsPropUpdate(p, g, sq, buf, s);
            return;
        }
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), ss = nat(sq.segment()), bs = mom ? buf.segment() : null;
        long po = p.offset(), go = g.offset(), so = sq.offset(), bo = mom ? buf.offset() : 0;
        float lr = (float) s.lr(), alpha = (float) s.alpha(), c = (float) (1 - s.alpha()), eps = (float) s.eps();
        float wd = (float) s.weightDecay(), mu = (float) s.momentum();
        int n = Math.toIntExact(p.numel());
        if (Parallel.splits(n, OPT_GRAIN)) Parallel.forRange(n, OPT_GRAIN, (lo, hi) -> rmsPropRange(ps, po, gs, go, ss, so, bs, bo, lo, hi, mom, lr, alpha, c, eps, wd, mu));
        else rmsPropRange(ps, po, gs, go, ss, so, bs, bo, 0, n, mom, lr, alpha, c, eps, wd, mu);
    }

    private static void rmsPropRange(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ss, long so,
                                     MemorySegment bs, long bo, int lo, int hi, boolean mom, float lr, float alpha, float c,
                                     float eps, float wd, float mu) {
        ps = nat(ps); gs = nat(gs); ss = nat(ss); bs = nat(bs); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += L) {
            FloatVector pv = FloatVector.fromMemorySegment(FS, ps, (po + i) * 4, NO);
            FloatVector gv = pv.mul(wd).add(FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO));
            FloatVector sv = FloatVector.fromMemorySegment(FS, ss, (so + i) * 4, NO).mul(alpha).add(gv.mul(gv).mul(c));
            sv.intoMemorySegment(ss, (so + i) * 4, NO);
            FloatVector step = gv.div(sv.sqrt().add(eps));
            if (mom) {
                step = FloatVector.fromMemorySegment(FS, bs, (bo + i) * 4, NO).mul(mu).add(step);
                step.intoMemorySegment(bs, (bo + i) * 4, NO);
            }
            step.mul(-lr).add(pv).intoMemorySegment(ps, (po + i) * 4, NO);
        }
        for (; i < hi; i++) {
            float pv = ps.getAtIndex(F, po + i);
            float gv = pv * wd + gs.getAtIndex(F, go + i);
            float sv = ss.getAtIndex(F, so + i) * alpha + gv * gv * c;
            ss.setAtIndex(F, so + i, sv);
            float step = gv / ((float) Math.sqrt(sv) + eps);
            if (mom) {
                step = bs.getAtIndex(F, bo + i) * mu + step;
                bs.setAtIndex(F, bo + i, step);
            }
            ps.setAtIndex(F, po + i, step * -lr + pv);
        }
    }

    static void adadeltaUpdate(VectorKernels k, Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) {
        if (fast64(p, g, sq, acc)) {
            adadeltaUpdateF64(p, g, sq, acc, s);
            return;
        }
        if (!fast(p, g, sq, acc)) {
            k.scalarAdadeltaUpdate(p, g, sq, acc, s);
            return;
        }
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), ss = nat(sq.segment()), as = nat(acc.segment());
        long po = p.offset(), go = g.offset(), so = sq.offset(), ao = acc.offset();
        float lr = (float) s.lr(), rho = (float) s.rho(), c = (float) (1 - s.rho()), eps = (float) s.eps(), wd = (float) s.weightDecay();
        int n = Math.toIntExact(p.numel());
        if (Parallel.splits(n, OPT_GRAIN)) Parallel.forRange(n, OPT_GRAIN, (lo, hi) -> adadeltaRange(ps, po, gs, go, ss, so, as, ao, lo, hi, lr, rho, c, eps, wd));
        else adadeltaRange(ps, po, gs, go, ss, so, as, ao, 0, n, lr, rho, c, eps, wd);
    }

    private static void adadeltaRange(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ss, long so,
                                      MemorySegment as, long ao, int lo, int hi, float lr, float rho, float c, float eps, float wd) {
        ps = nat(ps); gs = nat(gs); ss = nat(ss); as = nat(as); // see NativeSegments
        int i = lo, bound = lo + FS.loopBound(hi - lo);
        for (; i < bound; i += L) {
            FloatVector pv = FloatVector.fromMemorySegment(FS, ps, (po + i) * 4, NO);
            FloatVector gv = pv.mul(wd).add(FloatVector.fromMemorySegment(FS, gs, (go + i) * 4, NO));
            FloatVector sv = FloatVector.fromMemorySegment(FS, ss, (so + i) * 4, NO).mul(rho).add(gv.mul(gv).mul(c));
            sv.intoMemorySegment(ss, (so + i) * 4, NO);
            FloatVector av = FloatVector.fromMemorySegment(FS, as, (ao + i) * 4, NO);
            FloatVector delta = av.add(eps).sqrt().div(sv.add(eps).sqrt()).mul(gv);
            av.mul(rho).add(delta.mul(delta).mul(c)).intoMemorySegment(as, (ao + i) * 4, NO);
            delta.mul(-lr).add(pv).intoMemorySegment(ps, (po + i) * 4, NO);
        }
        for (; i < hi; i++) {
            float pv = ps.getAtIndex(F, po + i);
            float gv = pv * wd + gs.getAtIndex(F, go + i);
            float sv = ss.getAtIndex(F, so + i) * rho + gv * gv * c;
            ss.setAtIndex(F, so + i, sv);
            float av = as.getAtIndex(F, ao + i);
            float delta = (float) Math.sqrt(av + eps) / (float) Math.sqrt(sv + eps) * gv;
            as.setAtIndex(F, ao + i, av * rho + delta * delta * c);
            ps.setAtIndex(F, po + i, delta * -lr + pv);
        }
    }

    // ------------------------------------------------------------------ F64 optimizers
    // One direct loop per op (no shared body lambda), each vector step in the oracle's operation order
    // (ScalarKernels), so vector lanes and the scalar tail give the oracle's doubles.

    private static final VectorSpecies<Double> DS = VectorKernels.DS;
    private static final int DL = DS.length();
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    private static void sgdUpdateF64(Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) {
        boolean mom = s.momentum() != 0, nesterov = s.nesterov();
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), bs = mom ? buf.segment() : null;
        long po = p.offset(), go = g.offset(), bo = mom ? buf.offset() : 0;
        double lr = s.lr(), wd = s.weightDecay(), mu = s.momentum(), damp = 1 - s.dampening();
        int n = Math.toIntExact(p.numel());
        if (Parallel.splits(n, OPT_GRAIN / 2)) Parallel.forRange(n, OPT_GRAIN / 2, (lo, hi) -> sgdRangeF64(ps, po, gs, go, bs, bo, lo, hi, mom, nesterov, lr, wd, mu, damp));
        else sgdRangeF64(ps, po, gs, go, bs, bo, 0, n, mom, nesterov, lr, wd, mu, damp);
    }

    private static void sgdRangeF64(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment bs, long bo, int lo, int hi,
                                    boolean mom, boolean nesterov, double lr, double wd, double mu, double damp) {
        ps = nat(ps); gs = nat(gs); bs = nat(bs); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector pv = DoubleVector.fromMemorySegment(DS, ps, (po + i) * 8, NO);
            DoubleVector d = DoubleVector.fromMemorySegment(DS, gs, (go + i) * 8, NO).add(pv.mul(wd));
            if (mom) {
                DoubleVector b = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, NO).mul(mu).add(d.mul(damp));
                b.intoMemorySegment(bs, (bo + i) * 8, NO);
                d = nesterov ? d.add(b.mul(mu)) : b;
            }
            pv.sub(d.mul(lr)).intoMemorySegment(ps, (po + i) * 8, NO);
        }
        for (; i < hi; i++) {
            double pv = ps.getAtIndex(D, po + i);
            double d = gs.getAtIndex(D, go + i) + wd * pv;
            if (mom) {
                double b = mu * bs.getAtIndex(D, bo + i) + damp * d;
                bs.setAtIndex(D, bo + i, b);
                d = nesterov ? d + mu * b : b;
            }
            ps.setAtIndex(D, po + i, pv - lr * d);
        }
    }

    private static void adamUpdateF64(Tensor p, Tensor g, Tensor mt, Tensor vt, OptimizerSteps.Adam s) {
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), ms = nat(mt.segment()), vs = nat(vt.segment());
        long po = p.offset(), go = g.offset(), mo = mt.offset(), vo = vt.offset();
        double lr = s.lr(), b1 = s.beta1(), b2 = s.beta2(), eps = s.eps(), wd = s.weightDecay();
        double c1 = 1 - b1, c2 = 1 - b2, lrWd = lr * wd;
        double bc1 = 1 - Math.pow(b1, s.step()), bc2 = 1 - Math.pow(b2, s.step());
        boolean decoupled = s.decoupled();
        int n = Math.toIntExact(p.numel());
        if (Parallel.splits(n, OPT_GRAIN / 2)) Parallel.forRange(n, OPT_GRAIN / 2, (lo, hi) -> adamRangeF64(ps, po, gs, go, ms, mo, vs, vo, lo, hi, decoupled, lr, lrWd, wd,
                b1, c1, b2, c2, bc1, bc2, eps));
        else adamRangeF64(ps, po, gs, go, ms, mo, vs, vo, 0, n, decoupled, lr, lrWd, wd,
                b1, c1, b2, c2, bc1, bc2, eps);
    }

    private static void adamRangeF64(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ms, long mo,
            MemorySegment vs, long vo, int lo, int hi, boolean decoupled, double lr, double lrWd, double wd, double b1, double c1,
            double b2, double c2, double bc1, double bc2, double eps) {
        ps = nat(ps); gs = nat(gs); ms = nat(ms); vs = nat(vs); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector pv = DoubleVector.fromMemorySegment(DS, ps, (po + i) * 8, NO);
            DoubleVector gv = DoubleVector.fromMemorySegment(DS, gs, (go + i) * 8, NO);
            if (decoupled) pv = pv.sub(pv.mul(lrWd));
            else gv = gv.add(pv.mul(wd));
            DoubleVector mv = DoubleVector.fromMemorySegment(DS, ms, (mo + i) * 8, NO).mul(b1).add(gv.mul(c1));
            DoubleVector vv = DoubleVector.fromMemorySegment(DS, vs, (vo + i) * 8, NO).mul(b2).add(gv.mul(c2).mul(gv));
            mv.intoMemorySegment(ms, (mo + i) * 8, NO);
            vv.intoMemorySegment(vs, (vo + i) * 8, NO);
            DoubleVector denom = vv.div(bc2).sqrt().add(eps);
            pv.sub(mv.div(bc1).mul(lr).div(denom)).intoMemorySegment(ps, (po + i) * 8, NO);
        }
        for (; i < hi; i++) {
            double pv = ps.getAtIndex(D, po + i), gv = gs.getAtIndex(D, go + i);
            if (decoupled) pv -= lrWd * pv;
            else gv += wd * pv;
            double mv = b1 * ms.getAtIndex(D, mo + i) + c1 * gv;
            double vv = b2 * vs.getAtIndex(D, vo + i) + c2 * gv * gv;
            ms.setAtIndex(D, mo + i, mv);
            vs.setAtIndex(D, vo + i, vv);
            double denom = Math.sqrt(vv / bc2) + eps;
            ps.setAtIndex(D, po + i, pv - lr * (mv / bc1) / denom);
        }
    }

    private static void rmsPropUpdateF64(Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) {
        boolean mom = s.momentum() != 0;
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), ss = nat(sq.segment()), bs = mom ? buf.segment() : null;
        long po = p.offset(), go = g.offset(), so = sq.offset(), bo = mom ? buf.offset() : 0;
        double lr = s.lr(), alpha = s.alpha(), c = 1 - s.alpha(), eps = s.eps(), wd = s.weightDecay(), mu = s.momentum();
        int n = Math.toIntExact(p.numel());
        if (Parallel.splits(n, OPT_GRAIN / 2)) Parallel.forRange(n, OPT_GRAIN / 2, (lo, hi) -> rmsPropRangeF64(ps, po, gs, go, ss, so, bs, bo, lo, hi, mom, lr, alpha, c, eps, wd, mu));
        else rmsPropRangeF64(ps, po, gs, go, ss, so, bs, bo, 0, n, mom, lr, alpha, c, eps, wd, mu);
    }

    private static void rmsPropRangeF64(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ss, long so,
                                        MemorySegment bs, long bo, int lo, int hi, boolean mom, double lr, double alpha, double c,
                                        double eps, double wd, double mu) {
        ps = nat(ps); gs = nat(gs); ss = nat(ss); bs = nat(bs); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector pv = DoubleVector.fromMemorySegment(DS, ps, (po + i) * 8, NO);
            DoubleVector gv = DoubleVector.fromMemorySegment(DS, gs, (go + i) * 8, NO).add(pv.mul(wd));
            DoubleVector sv = DoubleVector.fromMemorySegment(DS, ss, (so + i) * 8, NO).mul(alpha).add(gv.mul(c).mul(gv));
            sv.intoMemorySegment(ss, (so + i) * 8, NO);
            DoubleVector avg = sv.sqrt().add(eps);
            if (mom) {
                DoubleVector b = DoubleVector.fromMemorySegment(DS, bs, (bo + i) * 8, NO).mul(mu).add(gv.div(avg));
                b.intoMemorySegment(bs, (bo + i) * 8, NO);
                pv.sub(b.mul(lr)).intoMemorySegment(ps, (po + i) * 8, NO);
            } else {
                pv.sub(gv.mul(lr).div(avg)).intoMemorySegment(ps, (po + i) * 8, NO);
            }
        }
        for (; i < hi; i++) {
            double pv = ps.getAtIndex(D, po + i);
            double gv = gs.getAtIndex(D, go + i) + wd * pv;
            double sv = alpha * ss.getAtIndex(D, so + i) + c * gv * gv;
            ss.setAtIndex(D, so + i, sv);
            double avg = Math.sqrt(sv) + eps;
            if (mom) {
                double b = mu * bs.getAtIndex(D, bo + i) + gv / avg;
                bs.setAtIndex(D, bo + i, b);
                ps.setAtIndex(D, po + i, pv - lr * b);
            } else {
                ps.setAtIndex(D, po + i, pv - lr * gv / avg);
            }
        }
    }

    private static void adadeltaUpdateF64(Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) {
        MemorySegment ps = nat(p.segment()), gs = nat(g.segment()), ss = nat(sq.segment()), as = nat(acc.segment());
        long po = p.offset(), go = g.offset(), so = sq.offset(), ao = acc.offset();
        double lr = s.lr(), rho = s.rho(), c = 1 - s.rho(), eps = s.eps(), wd = s.weightDecay();
        int n = Math.toIntExact(p.numel());
        if (Parallel.splits(n, OPT_GRAIN / 2)) Parallel.forRange(n, OPT_GRAIN / 2, (lo, hi) -> adadeltaRangeF64(ps, po, gs, go, ss, so, as, ao, lo, hi, lr, rho, c, eps, wd));
        else adadeltaRangeF64(ps, po, gs, go, ss, so, as, ao, 0, n, lr, rho, c, eps, wd);
    }

    private static void adadeltaRangeF64(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ss, long so,
                                         MemorySegment as, long ao, int lo, int hi, double lr, double rho, double c, double eps, double wd) {
        ps = nat(ps); gs = nat(gs); ss = nat(ss); as = nat(as); // see NativeSegments
        int i = lo, bound = lo + DS.loopBound(hi - lo);
        for (; i < bound; i += DL) {
            DoubleVector pv = DoubleVector.fromMemorySegment(DS, ps, (po + i) * 8, NO);
            DoubleVector gv = DoubleVector.fromMemorySegment(DS, gs, (go + i) * 8, NO).add(pv.mul(wd));
            DoubleVector sv = DoubleVector.fromMemorySegment(DS, ss, (so + i) * 8, NO).mul(rho).add(gv.mul(c).mul(gv));
            sv.intoMemorySegment(ss, (so + i) * 8, NO);
            DoubleVector av = DoubleVector.fromMemorySegment(DS, as, (ao + i) * 8, NO);
            DoubleVector delta = av.add(eps).sqrt().div(sv.add(eps).sqrt()).mul(gv);
            av.mul(rho).add(delta.mul(c).mul(delta)).intoMemorySegment(as, (ao + i) * 8, NO);
            pv.sub(delta.mul(lr)).intoMemorySegment(ps, (po + i) * 8, NO);
        }
        for (; i < hi; i++) {
            double pv = ps.getAtIndex(D, po + i);
            double gv = gs.getAtIndex(D, go + i) + wd * pv;
            double sv = rho * ss.getAtIndex(D, so + i) + c * gv * gv;
            ss.setAtIndex(D, so + i, sv);
            double av = as.getAtIndex(D, ao + i);
            double delta = Math.sqrt(av + eps) / Math.sqrt(sv + eps) * gv;
            as.setAtIndex(D, ao + i, rho * av + c * delta * delta);
            ps.setAtIndex(D, po + i, pv - lr * delta);
        }
    }
}
