package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;

/**
 * Plain, obviously-correct Java: the specification of every kernel. Computes in double and rounds once when
 * storing, so for F32 it is at least as accurate as any faster path. Other backends are tested against it.
 */
public class ScalarKernels implements Kernels {

    @Override
    public String name() { return "scalar"; }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        long n = out.numel();
        if (x.isContiguous() && out.isContiguous()) {
            long xo = x.offset(), oo = out.offset();
            for (long i = 0; i < n; i++) out.write(oo + i, op.apply(x.read(xo + i)));
            return;
        }
        for (long i = 0; i < n; i++) out.write(out.elementIndexOfFlat(i), op.apply(x.read(x.elementIndexOfFlat(i))));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        long n = out.numel();
        if (a.isContiguous() && b.isContiguous() && out.isContiguous()) {
            long ao = a.offset(), bo = b.offset(), oo = out.offset();
            for (long i = 0; i < n; i++) out.write(oo + i, op.apply(a.read(ao + i), b.read(bo + i)));
            return;
        }
        for (long i = 0; i < n; i++) {
            out.write(out.elementIndexOfFlat(i), op.apply(a.read(a.elementIndexOfFlat(i)), b.read(b.elementIndexOfFlat(i))));
        }
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor a, double s, Tensor out) {
        long n = out.numel();
        for (long i = 0; i < n; i++) out.write(out.elementIndexOfFlat(i), op.apply(a.read(a.elementIndexOfFlat(i)), s));
    }

    @Override
    public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            boolean r = op.test(a.read(a.elementIndexOfFlat(i)), b.read(b.elementIndexOfFlat(i)));
            out.write(out.elementIndexOfFlat(i), r ? 1.0 : 0.0);
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            double c = cond.read(cond.elementIndexOfFlat(i));
            double v = c != 0 ? a.read(a.elementIndexOfFlat(i)) : b.read(b.elementIndexOfFlat(i));
            out.write(out.elementIndexOfFlat(i), v);
        }
    }

    @Override
    public void fill(Tensor out, double v) {
        long n = out.numel();
        for (long i = 0; i < n; i++) out.write(out.elementIndexOfFlat(i), v);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        long n = dst.numel();
        for (long i = 0; i < n; i++) dst.write(dst.elementIndexOfFlat(i), src.read(src.elementIndexOfFlat(i)));
    }

    // ------------------------------------------------------------------ reductions

    /** Element index of x at (outer o, position j along the axis) where x is seen as [outer..., n, inner...]. */
    @Override
    public void reduce(ReduceOp op, Tensor x, int axis, Tensor out) {
        int[] shape = x.shape();
        int n = shape[axis];
        long axisStride = x.stride(axis);
        long count = out.numel();
        for (long o = 0; o < count; o++) {
            // out has size 1 on `axis`, so its flat index enumerates the other coordinates of x.
            long base = x.elementIndexOfFlatWithAxisZero(o, axis);
            double r = reduceLine(op, x, base, axisStride, n);
            out.write(out.elementIndexOfFlat(o), r);
        }
    }

    /** Reduces n elements of x starting at storage index base with the given stride. */
    protected static double reduceLine(ReduceOp op, Tensor x, long base, long stride, int n) {
        switch (op) {
            case SUM, MEAN -> {
                double s = 0;
                for (int j = 0; j < n; j++) s += x.read(base + j * stride);
                return op == ReduceOp.SUM ? s : s / n;
            }
            case MAX, MIN -> {
                double m = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double v = x.read(base + j * stride);
                    m = op == ReduceOp.MAX ? Math.max(m, v) : Math.min(m, v);
                }
                return m;
            }
            case ARGMAX -> {
                int best = 0;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double v = x.read(base + j * stride);
                    if (Double.isNaN(v)) return j;
                    if (v > m || j == 0) {
                        m = v;
                        best = j;
                    }
                }
                return best;
            }
            case VARIANCE -> {
                // Two-pass: mean first, then squared deviations (no catastrophic cancellation).
                double s = 0;
                for (int j = 0; j < n; j++) s += x.read(base + j * stride);
                double mean = s / n;
                double ss = 0;
                for (int j = 0; j < n; j++) {
                    double d = x.read(base + j * stride) - mean;
                    ss += d * d;
                }
                return ss / n;
            }
        }
        throw new AssertionError(op);
    }

    @Override
    public double reduceAll(ReduceOp op, Tensor x) {
        long n = x.numel();
        if (x.isContiguous()) {
            return reduceLine(op, x, x.offset(), 1, Math.toIntExact(n));
        }
        Tensor c = x.contiguous();
        return reduceLine(op, c, c.offset(), 1, Math.toIntExact(n));
    }

    @Override
    public void softmax(Tensor x, int axis, Tensor out) {
        softmaxImpl(x, axis, out, false);
    }

    @Override
    public void logSoftmax(Tensor x, int axis, Tensor out) {
        softmaxImpl(x, axis, out, true);
    }

    private static void softmaxImpl(Tensor x, int axis, Tensor out, boolean log) {
        int n = x.shape()[axis];
        long xs = x.stride(axis), os = out.stride(axis);
        long lines = n == 0 ? 0 : x.numel() / n;
        for (long o = 0; o < lines; o++) {
            long xb = x.elementIndexOfFlatWithAxisZero(o, axis);
            long ob = out.elementIndexOfFlatWithAxisZero(o, axis);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, x.read(xb + j * xs));
            // A row of all -inf (or containing +inf) has no finite max: subtracting it would give NaN for
            // -inf rows; PyTorch gives NaN there too, and +inf rows give NaN (inf - inf), as IEEE says.
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(x.read(xb + j * xs) - max);
            if (log) {
                double lse = max + Math.log(sum);
                for (int j = 0; j < n; j++) out.write(ob + j * os, x.read(xb + j * xs) - lse);
            } else {
                for (int j = 0; j < n; j++) out.write(ob + j * os, Math.exp(x.read(xb + j * xs) - max) / sum);
            }
        }
    }

    // ------------------------------------------------------------------ matrix multiply

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        int m = c.dim(0), n = c.dim(1), k = a.dim(1);
        long as0 = a.stride(0), as1 = a.stride(1), bs0 = b.stride(0), bs1 = b.stride(1), cs0 = c.stride(0), cs1 = c.stride(1);
        long ao = a.offset(), bo = b.offset(), co = c.offset();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += a.read(ao + i * as0 + p * as1) * b.read(bo + p * bs0 + j * bs1);
                long ce = co + i * cs0 + j * cs1;
                double r = alpha * s;
                if (beta != 0) r += beta * c.read(ce);
                c.write(ce, r);
            }
        }
    }

    // ------------------------------------------------------------------ convolution and pooling

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec sp, Tensor out) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
        int K = w.dim(0), KH = w.dim(2), KW = w.dim(3);
        int OH = out.dim(2), OW = out.dim(3);
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        double s = bias == null ? 0 : bias.getDouble(k);
                        for (int c = 0; c < C; c++)
                            for (int i = 0; i < KH; i++) {
                                int ih = oh * sp.strideH() - sp.padH() + i * sp.dilationH();
                                if (ih < 0 || ih >= H) continue;
                                for (int j = 0; j < KW; j++) {
                                    int iw = ow * sp.strideW() - sp.padW() + j * sp.dilationW();
                                    if (iw < 0 || iw >= W) continue;
                                    s += x.getDouble(n, c, ih, iw) * w.getDouble(k, c, i, j);
                                }
                            }
                        out.setDouble(s, n, k, oh, ow);
                    }
    }

    @Override
    public void conv2dBackwardData(Tensor gradOut, Tensor w, Conv2dSpec sp, Tensor gradIn) {
        int N = gradIn.dim(0), C = gradIn.dim(1), H = gradIn.dim(2), W = gradIn.dim(3);
        int K = w.dim(0), KH = w.dim(2), KW = w.dim(3);
        int OH = gradOut.dim(2), OW = gradOut.dim(3);
        fill(gradIn, 0);
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        double g = gradOut.getDouble(n, k, oh, ow);
                        for (int c = 0; c < C; c++)
                            for (int i = 0; i < KH; i++) {
                                int ih = oh * sp.strideH() - sp.padH() + i * sp.dilationH();
                                if (ih < 0 || ih >= H) continue;
                                for (int j = 0; j < KW; j++) {
                                    int iw = ow * sp.strideW() - sp.padW() + j * sp.dilationW();
                                    if (iw < 0 || iw >= W) continue;
                                    gradIn.setDouble(gradIn.getDouble(n, c, ih, iw) + g * w.getDouble(k, c, i, j), n, c, ih, iw);
                                }
                            }
                    }
    }

    @Override
    public void conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dSpec sp, Tensor gradW, Tensor gradBias) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
        int K = gradW.dim(0), KH = gradW.dim(2), KW = gradW.dim(3);
        int OH = gradOut.dim(2), OW = gradOut.dim(3);
        for (int k = 0; k < K; k++) {
            for (int c = 0; c < C; c++)
                for (int i = 0; i < KH; i++)
                    for (int j = 0; j < KW; j++) {
                        double s = 0;
                        for (int n = 0; n < N; n++)
                            for (int oh = 0; oh < OH; oh++) {
                                int ih = oh * sp.strideH() - sp.padH() + i * sp.dilationH();
                                if (ih < 0 || ih >= H) continue;
                                for (int ow = 0; ow < OW; ow++) {
                                    int iw = ow * sp.strideW() - sp.padW() + j * sp.dilationW();
                                    if (iw < 0 || iw >= W) continue;
                                    s += x.getDouble(n, c, ih, iw) * gradOut.getDouble(n, k, oh, ow);
                                }
                            }
                        gradW.setDouble(s, k, c, i, j);
                    }
            if (gradBias != null) {
                double s = 0;
                for (int n = 0; n < N; n++)
                    for (int oh = 0; oh < OH; oh++)
                        for (int ow = 0; ow < OW; ow++) s += gradOut.getDouble(n, k, oh, ow);
                gradBias.setDouble(s, k);
            }
        }
    }

    @Override
    public void maxPool2d(Tensor x, Pool2dSpec sp, Tensor out, Tensor argmax) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
        int OH = out.dim(2), OW = out.dim(3);
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        double m = Double.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int i = 0; i < sp.kernelH(); i++) {
                            int ih = oh * sp.strideH() - sp.padH() + i;
                            if (ih < 0 || ih >= H) continue;
                            for (int j = 0; j < sp.kernelW(); j++) {
                                int iw = ow * sp.strideW() - sp.padW() + j;
                                if (iw < 0 || iw >= W) continue;
                                double v = x.getDouble(n, c, ih, iw);
                                // First maximum wins on ties; NaN is a maximum (propagates).
                                if (at < 0 || v > m || (Double.isNaN(v) && !Double.isNaN(m))) {
                                    m = v;
                                    at = ih * W + iw;
                                }
                            }
                        }
                        out.setDouble(m, n, c, oh, ow);
                        if (argmax != null) argmax.setDouble(at, n, c, oh, ow);
                    }
    }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor argmax, Pool2dSpec sp, Tensor gradIn) {
        int N = gradIn.dim(0), C = gradIn.dim(1), W = gradIn.dim(3);
        int OH = gradOut.dim(2), OW = gradOut.dim(3);
        fill(gradIn, 0);
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        int at = argmax.getInt(n, c, oh, ow);
                        int ih = at / W, iw = at % W;
                        gradIn.setDouble(gradIn.getDouble(n, c, ih, iw) + gradOut.getDouble(n, c, oh, ow), n, c, ih, iw);
                    }
    }

    private static int poolCount(Pool2dSpec sp, int oh, int ow, int H, int W) {
        int h0 = Math.max(oh * sp.strideH() - sp.padH(), 0), h1 = Math.min(oh * sp.strideH() - sp.padH() + sp.kernelH(), H);
        int w0 = Math.max(ow * sp.strideW() - sp.padW(), 0), w1 = Math.min(ow * sp.strideW() - sp.padW() + sp.kernelW(), W);
        return Math.max(h1 - h0, 0) * Math.max(w1 - w0, 0);
    }

    @Override
    public void avgPool2d(Tensor x, Pool2dSpec sp, Tensor out) {
        int N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
        int OH = out.dim(2), OW = out.dim(3);
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        double s = 0;
                        for (int i = 0; i < sp.kernelH(); i++) {
                            int ih = oh * sp.strideH() - sp.padH() + i;
                            if (ih < 0 || ih >= H) continue;
                            for (int j = 0; j < sp.kernelW(); j++) {
                                int iw = ow * sp.strideW() - sp.padW() + j;
                                if (iw < 0 || iw >= W) continue;
                                s += x.getDouble(n, c, ih, iw);
                            }
                        }
                        out.setDouble(s / poolCount(sp, oh, ow, H, W), n, c, oh, ow);
                    }
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, Pool2dSpec sp, Tensor gradIn) {
        int N = gradIn.dim(0), C = gradIn.dim(1), H = gradIn.dim(2), W = gradIn.dim(3);
        int OH = gradOut.dim(2), OW = gradOut.dim(3);
        fill(gradIn, 0);
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        double g = gradOut.getDouble(n, c, oh, ow) / poolCount(sp, oh, ow, H, W);
                        for (int i = 0; i < sp.kernelH(); i++) {
                            int ih = oh * sp.strideH() - sp.padH() + i;
                            if (ih < 0 || ih >= H) continue;
                            for (int j = 0; j < sp.kernelW(); j++) {
                                int iw = ow * sp.strideW() - sp.padW() + j;
                                if (iw < 0 || iw >= W) continue;
                                gradIn.setDouble(gradIn.getDouble(n, c, ih, iw) + g, n, c, ih, iw);
                            }
                        }
                    }
    }

    // ------------------------------------------------------------------ fused activation

    static double activate(Activation act, double v) {
        return switch (act) {
            case IDENTITY -> v;
            case RELU -> UnaryOp.RELU.apply(v);
            case SIGMOID -> UnaryOp.SIGMOID.apply(v);
            case TANH -> Math.tanh(v);
        };
    }

    /** Derivative of the activation written in terms of its output y. */
    static double activationGrad(Activation act, double y) {
        return switch (act) {
            case IDENTITY -> 1;
            case RELU -> y > 0 ? 1 : 0;
            case SIGMOID -> y * (1 - y);
            case TANH -> 1 - y * y;
        };
    }

    @Override
    public void biasActivation(Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) {
        long n = out.numel();
        int[] shape = out.shape();
        long inner = 1;
        for (int d = channelAxis + 1; d < shape.length; d++) inner *= shape[d];
        int channels = shape[channelAxis];
        for (long i = 0; i < n; i++) {
            double v = x.read(x.elementIndexOfFlat(i));
            if (bias != null) v += bias.read(bias.elementIndexOfFlat((i / inner) % channels));
            out.write(out.elementIndexOfFlat(i), activate(act, v));
        }
    }

    @Override
    public void activationBackward(Activation act, Tensor y, Tensor gradOut, Tensor gradIn) {
        long n = gradIn.numel();
        for (long i = 0; i < n; i++) {
            double g = gradOut.read(gradOut.elementIndexOfFlat(i)) * activationGrad(act, y.read(y.elementIndexOfFlat(i)));
            gradIn.write(gradIn.elementIndexOfFlat(i), g);
        }
    }

    // ------------------------------------------------------------------ losses

    @Override
    public double softmaxCrossEntropy(Tensor logits, Tensor labels, Reduction reduction, Tensor grad) {
        int N = logits.dim(0), C = logits.dim(1);
        double total = 0;
        double scale = reduction == Reduction.MEAN && N > 0 ? 1.0 / N : 1.0;
        for (int i = 0; i < N; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < C; c++) max = Math.max(max, logits.getDouble(i, c));
            double sum = 0;
            for (int c = 0; c < C; c++) sum += Math.exp(logits.getDouble(i, c) - max);
            double lse = max + Math.log(sum);
            int y = labels.getInt(i);
            total += lse - logits.getDouble(i, y);
            if (grad != null) {
                for (int c = 0; c < C; c++) {
                    double p = Math.exp(logits.getDouble(i, c) - lse);
                    grad.setDouble((p - (c == y ? 1 : 0)) * scale, i, c);
                }
            }
        }
        return total * scale;
    }

    @Override
    public double softmaxCrossEntropyProbs(Tensor logits, Tensor targets, Reduction reduction, Tensor grad) {
        int N = logits.dim(0), C = logits.dim(1);
        double total = 0;
        double scale = reduction == Reduction.MEAN && N > 0 ? 1.0 / N : 1.0;
        for (int i = 0; i < N; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < C; c++) max = Math.max(max, logits.getDouble(i, c));
            double sum = 0;
            for (int c = 0; c < C; c++) sum += Math.exp(logits.getDouble(i, c) - max);
            double lse = max + Math.log(sum);
            double tsum = 0;
            for (int c = 0; c < C; c++) {
                double t = targets.getDouble(i, c);
                tsum += t;
                if (t != 0) total += t * (lse - logits.getDouble(i, c));
            }
            if (grad != null) {
                for (int c = 0; c < C; c++) {
                    double p = Math.exp(logits.getDouble(i, c) - lse);
                    grad.setDouble((p * tsum - targets.getDouble(i, c)) * scale, i, c);
                }
            }
        }
        return total * scale;
    }

    @Override
    public double bceWithLogits(Tensor logits, Tensor targets, Reduction reduction, Tensor grad) {
        long n = logits.numel();
        double scale = reduction == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
        double total = 0;
        for (long i = 0; i < n; i++) {
            double x = logits.read(logits.elementIndexOfFlat(i));
            double t = targets.read(targets.elementIndexOfFlat(i));
            total += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
            if (grad != null) grad.write(grad.elementIndexOfFlat(i), (UnaryOp.SIGMOID.apply(x) - t) * scale);
        }
        return total * scale;
    }

    @Override
    public double mse(Tensor pred, Tensor target, Reduction reduction, Tensor grad) {
        long n = pred.numel();
        double scale = reduction == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
        double total = 0;
        for (long i = 0; i < n; i++) {
            double d = pred.read(pred.elementIndexOfFlat(i)) - target.read(target.elementIndexOfFlat(i));
            total += d * d;
            if (grad != null) grad.write(grad.elementIndexOfFlat(i), 2 * d * scale);
        }
        return total * scale;
    }

    // ------------------------------------------------------------------ optimizers (PyTorch semantics)

    @Override
    public void sgdUpdate(Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) {
        long n = p.numel();
        for (long i = 0; i < n; i++) {
            long pe = p.elementIndexOfFlat(i);
            double pv = p.read(pe);
            double d = g.read(g.elementIndexOfFlat(i)) + s.weightDecay() * pv;
            if (s.momentum() != 0) {
                long be = buf.elementIndexOfFlat(i);
                double b = s.momentum() * buf.read(be) + (1 - s.dampening()) * d;
                buf.write(be, b);
                d = s.nesterov() ? d + s.momentum() * b : b;
            }
            p.write(pe, pv - s.lr() * d);
        }
    }

    @Override
    public void adamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, OptimizerSteps.Adam s) {
        long n = p.numel();
        double bc1 = 1 - Math.pow(s.beta1(), s.step());
        double bc2 = 1 - Math.pow(s.beta2(), s.step());
        for (long i = 0; i < n; i++) {
            long pe = p.elementIndexOfFlat(i), me = m.elementIndexOfFlat(i), ve = v.elementIndexOfFlat(i);
            double pv = p.read(pe);
            double gv = g.read(g.elementIndexOfFlat(i));
            if (s.decoupled()) pv -= s.lr() * s.weightDecay() * pv;
            else gv += s.weightDecay() * pv;
            double mv = s.beta1() * m.read(me) + (1 - s.beta1()) * gv;
            double vv = s.beta2() * v.read(ve) + (1 - s.beta2()) * gv * gv;
            m.write(me, mv);
            v.write(ve, vv);
            double denom = Math.sqrt(vv / bc2) + s.eps();
            p.write(pe, pv - s.lr() * (mv / bc1) / denom);
        }
    }

    @Override
    public void rmsPropUpdate(Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) {
        long n = p.numel();
        for (long i = 0; i < n; i++) {
            long pe = p.elementIndexOfFlat(i), se = sq.elementIndexOfFlat(i);
            double pv = p.read(pe);
            double gv = g.read(g.elementIndexOfFlat(i)) + s.weightDecay() * pv;
            double sv = s.alpha() * sq.read(se) + (1 - s.alpha()) * gv * gv;
            sq.write(se, sv);
            double avg = Math.sqrt(sv) + s.eps();
            if (s.momentum() != 0) {
                long be = buf.elementIndexOfFlat(i);
                double b = s.momentum() * buf.read(be) + gv / avg;
                buf.write(be, b);
                p.write(pe, pv - s.lr() * b);
            } else {
                p.write(pe, pv - s.lr() * gv / avg);
            }
        }
    }

    @Override
    public void adadeltaUpdate(Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) {
        long n = p.numel();
        for (long i = 0; i < n; i++) {
            long pe = p.elementIndexOfFlat(i), se = sq.elementIndexOfFlat(i), ae = acc.elementIndexOfFlat(i);
            double pv = p.read(pe);
            double gv = g.read(g.elementIndexOfFlat(i)) + s.weightDecay() * pv;
            double sv = s.rho() * sq.read(se) + (1 - s.rho()) * gv * gv;
            sq.write(se, sv);
            double delta = Math.sqrt(acc.read(ae) + s.eps()) / Math.sqrt(sv + s.eps()) * gv;
            acc.write(ae, s.rho() * acc.read(ae) + (1 - s.rho()) * delta * delta);
            p.write(pe, pv - s.lr() * delta);
        }
    }

    /** True for the dtypes kernels compute in. */
    protected static boolean isFloat(Tensor t) {
        return t.dtype() != DType.I32;
    }
}
