package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API losses, fused bias+activation and optimizer updates (issue 4).
 *
 * <p>Each op is one vectorised pass over contiguous F32 tensors; the loop tail runs the same lane arithmetic
 * under a mask, so every element sees the same float formula. F64 and non-contiguous operands run the scalar
 * oracle. Loss totals are accumulated per row / chunk in float lanes and summed in double. The optimizer
 * updates split large parameters across {@link Parallel} workers (they are memory-bound).
 */
final class VectorTraining {
    private VectorTraining() {}

    private static final VectorSpecies<Float> FS = VectorKernels.FS;
    private static final int L = FS.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Elements per parallel part for the memory-bound optimizer passes. */
    private static final int OPT_GRAIN = 1 << 15;

    /** True when every non-null tensor is contiguous F32. */
    private static boolean fast(Tensor... ts) {
        for (Tensor t : ts) if (t != null && (t.dtype() != DType.F32 || !t.isContiguous())) return false;
        return true;
    }

    private static FloatVector load(MemorySegment s, long e, VectorMask<Float> m) {
        return FloatVector.fromMemorySegment(FS, s, e * 4, NO, m);
    }

    private static void store(FloatVector v, MemorySegment s, long e, VectorMask<Float> m) {
        v.intoMemorySegment(s, e * 4, NO, m);
    }

    private static MemorySegment seg(Tensor t) {
        return t == null ? null : t.segment();
    }

    /** Runs body over [0, n) in chunks of L lanes (the last chunk masked), split across workers when large. */
    private interface Lanes {
        void run(long i, VectorMask<Float> m);
    }

    private static void forLanes(long n, boolean parallel, Lanes body) {
        int chunks = Math.toIntExact((n + L - 1) / L);
        Parallel.RangeTask task = (lo, hi) -> {
            long end = Math.min(n, (long) hi * L);
            long i = (long) lo * L;
            VectorMask<Float> all = FS.maskAll(true);
            for (; i + L <= end; i += L) body.run(i, all);
            if (i < end) body.run(i, FS.indexInRange(i, end));
        };
        if (parallel && n >= 2L * OPT_GRAIN) Parallel.forRange(chunks, OPT_GRAIN / L, task);
        else task.run(0, chunks);
    }

    // ------------------------------------------------------------------ fused activation

    static FloatVector activate(Activation act, FloatVector v) {
        return switch (act) {
            case IDENTITY -> v;
            // v > 0 || NaN ? v : +0 (as UnaryOp.RELU)
            case RELU -> v.blend(0f, v.compare(VectorOperators.LE, 0f));
            // Split by sign so exp never overflows (as UnaryOp.SIGMOID): (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|).
            case SIGMOID -> {
                FloatVector e = v.abs().neg().lanewise(VectorOperators.EXP);
                yield e.blend(1f, v.compare(VectorOperators.GE, 0f)).div(e.add(1f));
            }
            case TANH -> v.lanewise(VectorOperators.TANH);
        };
    }

    static FloatVector activationGrad(Activation act, FloatVector y, FloatVector g) {
        return switch (act) {
            case IDENTITY -> g;
            case RELU -> g.blend(0f, y.compare(VectorOperators.GT, 0f).not());
            case SIGMOID -> g.mul(y.mul(y.neg().add(1f)));
            case TANH -> g.mul(y.mul(y).neg().add(1f));
        };
    }

    static void biasActivation(VectorKernels k, Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) {
        if (!fast(x, bias, out)) {
            k.scalarBiasActivation(x, bias, channelAxis, act, out);
            return;
        }
        int[] shape = out.shape();
        long inner = 1, outer = 1;
        for (int d = channelAxis + 1; d < shape.length; d++) inner *= shape[d];
        for (int d = 0; d < channelAxis; d++) outer *= shape[d];
        int channels = shape.length == 0 ? 1 : shape[channelAxis];
        MemorySegment xs = x.segment(), os = out.segment(), bs = seg(bias);
        long xo = x.offset(), oo = out.offset(), bo = bias == null ? 0 : bias.offset();
        if (bias == null) {
            forLanes(out.numel(), true, (i, m) -> store(activate(act, load(xs, xo + i, m)), os, oo + i, m));
        } else if (inner == 1) {
            // Dense layout [.., channels]: the bias vector lines up with each row.
            for (long row = 0; row < outer; row++) {
                long base = row * channels;
                for (int c = 0; c < channels; c += L) {
                    VectorMask<Float> m = FS.indexInRange(c, channels);
                    FloatVector v = load(xs, xo + base + c, m).add(load(bs, bo + c, m));
                    store(activate(act, v), os, oo + base + c, m);
                }
            }
        } else {
            // Conv layout [n, c, h, w]: one bias value per plane.
            for (long row = 0; row < outer; row++)
                for (int c = 0; c < channels; c++) {
                    float b = bs.getAtIndex(F, bo + c);
                    long base = (row * channels + c) * inner;
                    for (long i = 0; i < inner; i += L) {
                        VectorMask<Float> m = FS.indexInRange(i, inner);
                        store(activate(act, load(xs, xo + base + i, m).add(b)), os, oo + base + i, m);
                    }
                }
        }
    }

    static void activationBackward(VectorKernels k, Activation act, Tensor y, Tensor gradOut, Tensor gradIn) {
        if (!fast(y, gradOut, gradIn)) {
            k.scalarActivationBackward(act, y, gradOut, gradIn);
            return;
        }
        MemorySegment ys = y.segment(), gs = gradOut.segment(), is = gradIn.segment();
        long yo = y.offset(), go = gradOut.offset(), io = gradIn.offset();
        forLanes(gradIn.numel(), true, (i, m) -> store(activationGrad(act, load(ys, yo + i, m), load(gs, go + i, m)), is, io + i, m));
    }

    // ------------------------------------------------------------------ losses

    /** Maximum of row [base, base + C) of s. */
    private static float rowMax(MemorySegment s, long base, int C) {
        FloatVector mx = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < C; c += L) {
            VectorMask<Float> m = FS.indexInRange(c, C);
            mx = mx.lanewise(VectorOperators.MAX, load(s, base + c, m), m);
        }
        return mx.reduceLanes(VectorOperators.MAX);
    }

    /** log(sum exp(x - max)) of the row; the log-sum-exp is max + this, kept apart so x - max stays exact. */
    private static float rowLogSum(MemorySegment s, long base, int C, float max) {
        FloatVector sum = FloatVector.zero(FS);
        for (int c = 0; c < C; c += L) {
            VectorMask<Float> m = FS.indexInRange(c, C);
            sum = sum.add(load(s, base + c, m).sub(max).lanewise(VectorOperators.EXP), m);
        }
        return (float) Math.log(sum.reduceLanes(VectorOperators.ADD));
    }

    static double softmaxCrossEntropy(VectorKernels k, Tensor logits, Tensor labels, Reduction r, Tensor grad) {
        if (!fast(logits, grad) || labels.dtype() != DType.I32) return k.scalarSoftmaxCrossEntropy(logits, labels, r, grad);
        int N = logits.dim(0), C = logits.dim(1);
        float scale = r == Reduction.MEAN && N > 0 ? 1f / N : 1f;
        MemorySegment xs = logits.segment(), gs = seg(grad);
        long xo = logits.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        for (int i = 0; i < N; i++) {
            long base = xo + (long) i * C;
            float max = rowMax(xs, base, C), ls = rowLogSum(xs, base, C, max);
            int y = (int) labels.read(labels.offset() + i * labels.stride(0));
            total += ((double) max - xs.getAtIndex(F, base + y)) + ls;
            if (gs != null) {
                long gb = go + (long) i * C;
                for (int c = 0; c < C; c += L) {
                    VectorMask<Float> m = FS.indexInRange(c, C);
                    store(load(xs, base + c, m).sub(max).sub(ls).lanewise(VectorOperators.EXP).mul(scale), gs, gb + c, m);
                }
                gs.setAtIndex(F, gb + y, gs.getAtIndex(F, gb + y) - scale);
            }
        }
        return total * scale;
    }

    static double softmaxCrossEntropyProbs(VectorKernels k, Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        if (!fast(logits, targets, grad)) return k.scalarSoftmaxCrossEntropyProbs(logits, targets, r, grad);
        int N = logits.dim(0), C = logits.dim(1);
        float scale = r == Reduction.MEAN && N > 0 ? 1f / N : 1f;
        MemorySegment xs = logits.segment(), ts = targets.segment(), gs = seg(grad);
        long xo = logits.offset(), to = targets.offset(), go = grad == null ? 0 : grad.offset();
        double total = 0;
        for (int i = 0; i < N; i++) {
            long base = xo + (long) i * C, tb = to + (long) i * C;
            float max = rowMax(xs, base, C), ls = rowLogSum(xs, base, C, max);
            FloatVector loss = FloatVector.zero(FS), tsum = FloatVector.zero(FS);
            for (int c = 0; c < C; c += L) {
                VectorMask<Float> m = FS.indexInRange(c, C);
                FloatVector t = load(ts, tb + c, m);
                tsum = tsum.add(t);
                // t == 0 contributes nothing (even where lse - x is infinite).
                loss = loss.add(t.mul(load(xs, base + c, m).neg().add(max).add(ls)), t.compare(VectorOperators.NE, 0f).and(m));
            }
            total += loss.reduceLanes(VectorOperators.ADD);
            if (gs != null) {
                float ts0 = tsum.reduceLanes(VectorOperators.ADD);
                long gb = go + (long) i * C;
                for (int c = 0; c < C; c += L) {
                    VectorMask<Float> m = FS.indexInRange(c, C);
                    FloatVector p = load(xs, base + c, m).sub(max).sub(ls).lanewise(VectorOperators.EXP);
                    store(p.mul(ts0).sub(load(ts, tb + c, m)).mul(scale), gs, gb + c, m);
                }
            }
        }
        return total * scale;
    }

    /** Sums per-chunk float partials in double; body returns the lane partial of one chunk. */
    private interface Chunk {
        FloatVector run(long i, VectorMask<Float> m);
    }

    private static double sumLanes(long n, Chunk body) {
        double total = 0;
        VectorMask<Float> all = FS.maskAll(true);
        long i = 0;
        while (i < n) {
            long end = Math.min(n, i + 4096);
            FloatVector acc = FloatVector.zero(FS);
            for (; i + L <= end; i += L) acc = acc.add(body.run(i, all));
            if (i < end) {
                acc = acc.add(body.run(i, FS.indexInRange(i, end)));
                i = end;
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    static double bceWithLogits(VectorKernels k, Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        if (!fast(logits, targets, grad)) return k.scalarBceWithLogits(logits, targets, r, grad);
        long n = logits.numel();
        float scale = r == Reduction.MEAN && n > 0 ? 1f / n : 1f;
        MemorySegment xs = logits.segment(), ts = targets.segment(), gs = seg(grad);
        long xo = logits.offset(), to = targets.offset(), go = grad == null ? 0 : grad.offset();
        double total = sumLanes(n, (i, m) -> {
            FloatVector x = load(xs, xo + i, m), t = load(ts, to + i, m);
            FloatVector e = x.abs().neg().lanewise(VectorOperators.EXP);
            if (gs != null) {
                FloatVector sig = e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f));
                store(sig.sub(t).mul(scale), gs, go + i, m);
            }
            FloatVector l = x.max(0f).sub(x.mul(t)).add(e.lanewise(VectorOperators.LOG1P));
            return l.blend(0f, m.not());
        });
        return total * scale;
    }

    static double mse(VectorKernels k, Tensor pred, Tensor target, Reduction r, Tensor grad) {
        if (!fast(pred, target, grad)) return k.scalarMse(pred, target, r, grad);
        long n = pred.numel();
        float scale = r == Reduction.MEAN && n > 0 ? 1f / n : 1f;
        MemorySegment ps = pred.segment(), ts = target.segment(), gs = seg(grad);
        long po = pred.offset(), to = target.offset(), go = grad == null ? 0 : grad.offset();
        double total = sumLanes(n, (i, m) -> {
            FloatVector d = load(ps, po + i, m).sub(load(ts, to + i, m));
            if (gs != null) store(d.mul(2f * scale), gs, go + i, m);
            return d.mul(d).blend(0f, m.not());
        });
        return total * scale;
    }

    // ------------------------------------------------------------------ optimizers (PyTorch semantics, as ScalarKernels)

    static void sgdUpdate(VectorKernels k, Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) {
        boolean mom = s.momentum() != 0;
        if (!fast(p, g, mom ? buf : null)) {
            k.scalarSgdUpdate(p, g, buf, s);
            return;
        }
        MemorySegment ps = p.segment(), gs = g.segment(), bs = mom ? buf.segment() : null;
        long po = p.offset(), go = g.offset(), bo = mom ? buf.offset() : 0;
        float lr = (float) s.lr(), wd = (float) s.weightDecay(), mu = (float) s.momentum(), damp = (float) (1 - s.dampening());
        boolean nesterov = s.nesterov();
        forLanes(p.numel(), true, (i, m) -> {
            FloatVector pv = load(ps, po + i, m);
            FloatVector d = pv.mul(wd).add(load(gs, go + i, m));
            if (mom) {
                FloatVector b = load(bs, bo + i, m).mul(mu).add(d.mul(damp));
                store(b, bs, bo + i, m);
                d = nesterov ? b.mul(mu).add(d) : b;
            }
            store(d.mul(-lr).add(pv), ps, po + i, m);
        });
    }

    static void adamUpdate(VectorKernels k, Tensor p, Tensor g, Tensor mt, Tensor vt, OptimizerSteps.Adam s) {
        if (!fast(p, g, mt, vt)) {
            k.scalarAdamUpdate(p, g, mt, vt, s);
            return;
        }
        MemorySegment ps = p.segment(), gs = g.segment(), ms = mt.segment(), vs = vt.segment();
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
        Parallel.RangeTask task = (lo, hi) -> adamRange(ps, po, gs, go, ms, mo, vs, vo, lo, hi, decoupled, decay, wd,
                b1, c1, b2, c2, invSqrtBc2, eps, stepScale);
        if (n >= 2L * OPT_GRAIN) Parallel.forRange(n, OPT_GRAIN, task);
        else task.run(0, n);
    }

    private static void adamRange(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ms, long mo,
            MemorySegment vs, long vo, int lo, int hi, boolean decoupled, float decay, float wd, float b1, float c1,
            float b2, float c2, float invSqrtBc2, float eps, float stepScale) {
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
        if (!fast(p, g, sq, mom ? buf : null)) {
            k.scalarRmsPropUpdate(p, g, sq, buf, s);
            return;
        }
        MemorySegment ps = p.segment(), gs = g.segment(), ss = sq.segment(), bs = mom ? buf.segment() : null;
        long po = p.offset(), go = g.offset(), so = sq.offset(), bo = mom ? buf.offset() : 0;
        float lr = (float) s.lr(), alpha = (float) s.alpha(), c = (float) (1 - s.alpha()), eps = (float) s.eps();
        float wd = (float) s.weightDecay(), mu = (float) s.momentum();
        forLanes(p.numel(), true, (i, m) -> {
            FloatVector pv = load(ps, po + i, m);
            FloatVector gv = pv.mul(wd).add(load(gs, go + i, m));
            FloatVector sv = load(ss, so + i, m).mul(alpha).add(gv.mul(gv).mul(c));
            store(sv, ss, so + i, m);
            FloatVector step = gv.div(sv.sqrt().add(eps));
            if (mom) {
                step = load(bs, bo + i, m).mul(mu).add(step);
                store(step, bs, bo + i, m);
            }
            store(step.mul(-lr).add(pv), ps, po + i, m);
        });
    }

    static void adadeltaUpdate(VectorKernels k, Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) {
        if (!fast(p, g, sq, acc)) {
            k.scalarAdadeltaUpdate(p, g, sq, acc, s);
            return;
        }
        MemorySegment ps = p.segment(), gs = g.segment(), ss = sq.segment(), as = acc.segment();
        long po = p.offset(), go = g.offset(), so = sq.offset(), ao = acc.offset();
        float lr = (float) s.lr(), rho = (float) s.rho(), c = (float) (1 - s.rho()), eps = (float) s.eps(), wd = (float) s.weightDecay();
        forLanes(p.numel(), true, (i, m) -> {
            FloatVector pv = load(ps, po + i, m);
            FloatVector gv = pv.mul(wd).add(load(gs, go + i, m));
            FloatVector sv = load(ss, so + i, m).mul(rho).add(gv.mul(gv).mul(c));
            store(sv, ss, so + i, m);
            FloatVector av = load(as, ao + i, m);
            FloatVector delta = av.add(eps).sqrt().div(sv.add(eps).sqrt()).mul(gv);
            store(av.mul(rho).add(delta.mul(delta).mul(c)), as, ao + i, m);
            store(delta.mul(-lr).add(pv), ps, po + i, m);
        });
    }
}
