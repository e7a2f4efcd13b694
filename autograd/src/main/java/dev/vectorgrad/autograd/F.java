package dev.vectorgrad.autograd;

import dev.vectorgrad.kernels.Activation;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.CompareOp;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Differentiable functional ops. Each computes its forward with the checked {@link Ops} entry points (so every
 * backend serves autograd) and records a node named by its op; the gradient of every op is in {@link #RULES}.
 * Composite ops (linear, batchNorm, crossEntropy via fused kernels...) record the nodes of their parts.
 */
public final class F {
    private F() {}

    /** The one table of gradient rules, keyed by op name. */
    public static final Map<String, BackwardRule> RULES;

    static {
        Map<String, BackwardRule> r = new LinkedHashMap<>();
        // ---- binary with broadcasting
        r.put("add", (n, g) -> new Tensor[] {sumTo(g, in(n, 0)), sumTo(g, in(n, 1))});
        r.put("sub", (n, g) -> new Tensor[] {sumTo(g, in(n, 0)), needs(n, 1) ? sumTo(Ops.unary(UnaryOp.NEG, g), in(n, 1)) : null});
        r.put("mul", (n, g) -> new Tensor[] {
                needs(n, 0) ? sumTo(Ops.mul(g, in(n, 1)), in(n, 0)) : null,
                needs(n, 1) ? sumTo(Ops.mul(g, in(n, 0)), in(n, 1)) : null});
        r.put("div", (n, g) -> new Tensor[] {
                needs(n, 0) ? sumTo(Ops.div(g, in(n, 1)), in(n, 0)) : null,
                // d(a/b)/db = -(a/b)/b
                needs(n, 1) ? sumTo(Ops.unary(UnaryOp.NEG, Ops.div(Ops.mul(g, out(n)), in(n, 1))), in(n, 1)) : null});
        r.put("pow", (n, g) -> {
            Tensor a = in(n, 0), b = in(n, 1);
            Tensor ga = null, gb = null;
            if (needs(n, 0)) {
                Tensor powm1 = Ops.binary(BinaryOp.POW, a, Ops.binary(BinaryOp.SUB, b, 1.0));
                ga = sumTo(Ops.mul(g, Ops.mul(b, powm1)), a);
            }
            if (needs(n, 1)) gb = sumTo(Ops.mul(g, Ops.mul(out(n), Ops.unary(UnaryOp.LOG, a))), b);
            return new Tensor[] {ga, gb};
        });
        r.put("maximum", (n, g) -> minMaxRule(n, g, CompareOp.GT));
        r.put("minimum", (n, g) -> minMaxRule(n, g, CompareOp.LT));
        // ---- scalar right operand
        r.put("add_scalar", (n, g) -> new Tensor[] {g});
        r.put("mul_scalar", (n, g) -> new Tensor[] {Ops.binary(BinaryOp.MUL, g, (double) n.saved(0))});
        r.put("pow_scalar", (n, g) -> {
            double p = n.saved(0);
            Tensor d = Ops.binary(BinaryOp.MUL, Ops.binary(BinaryOp.POW, in(n, 0), p - 1.0), p);
            return new Tensor[] {Ops.mul(g, d)};
        });
        // ---- unary
        r.put("neg", (n, g) -> new Tensor[] {Ops.unary(UnaryOp.NEG, g)});
        r.put("exp", (n, g) -> new Tensor[] {Ops.mul(g, out(n))});
        r.put("log", (n, g) -> new Tensor[] {Ops.div(g, in(n, 0))});
        r.put("sqrt", (n, g) -> new Tensor[] {Ops.div(Ops.binary(BinaryOp.MUL, g, 0.5), out(n))});
        r.put("square", (n, g) -> new Tensor[] {Ops.mul(g, Ops.binary(BinaryOp.MUL, in(n, 0), 2.0))});
        r.put("reciprocal", (n, g) -> new Tensor[] {Ops.unary(UnaryOp.NEG, Ops.mul(g, Ops.unary(UnaryOp.SQUARE, out(n))))});
        r.put("abs", (n, g) -> {
            Tensor x = in(n, 0);
            Tensor zero = zerosLike0(x);
            Tensor sign = Ops.sub(Ops.compare(CompareOp.GT, x, zero), Ops.compare(CompareOp.LT, x, zero));
            return new Tensor[] {Ops.mul(g, sign)};
        });
        r.put("relu", (n, g) -> new Tensor[] {actBackward(Activation.RELU, out(n), g)});
        r.put("sigmoid", (n, g) -> new Tensor[] {actBackward(Activation.SIGMOID, out(n), g)});
        r.put("tanh", (n, g) -> new Tensor[] {actBackward(Activation.TANH, out(n), g)});
        r.put("gelu", (n, g) -> new Tensor[] {Ops.mul(g, geluDerivative(in(n, 0)))});
        // ---- reductions
        r.put("sum", (n, g) -> {
            int[] keep = n.saved(0);
            return new Tensor[] {g.reshape(keep).expand(in(n, 0).shape())};
        });
        r.put("mean", (n, g) -> {
            int[] keep = n.saved(0);
            double count = (double) in(n, 0).numel() / Shapes.numel(keep);
            return new Tensor[] {Ops.binary(BinaryOp.MUL, g.reshape(keep), 1.0 / count).expand(in(n, 0).shape())};
        });
        r.put("max", (n, g) -> {
            // Gradient split evenly between tied maxima (a valid subgradient; PyTorch's amax does the same).
            int[] keep = n.saved(0);
            Tensor x = in(n, 0);
            Tensor mask = Ops.compare(CompareOp.EQ, x, out(n).reshape(keep));
            Tensor count = Ops.reduce(ReduceOp.SUM, mask, axesOf(n.saved(1)), true);
            return new Tensor[] {Ops.mul(Ops.div(mask, count), g.reshape(keep))};
        });
        r.put("variance", (n, g) -> {
            // population variance: d var / dx = 2 (x - mean) / count
            int[] keep = n.saved(0);
            Tensor x = in(n, 0);
            double count = (double) x.numel() / Shapes.numel(keep);
            Tensor mean = Ops.reduce(ReduceOp.MEAN, x, axesOf(n.saved(1)), true);
            Tensor d = Ops.binary(BinaryOp.MUL, Ops.sub(x, mean), 2.0 / count);
            return new Tensor[] {Ops.mul(d, g.reshape(keep))};
        });
        r.put("softmax", (n, g) -> {
            int axis = n.saved(0);
            Tensor y = out(n);
            Tensor gy = Ops.mul(g, y);
            Tensor s = Ops.reduce(ReduceOp.SUM, gy, axis, true);
            return new Tensor[] {Ops.sub(gy, Ops.mul(y, s))};
        });
        r.put("log_softmax", (n, g) -> {
            int axis = n.saved(0);
            Tensor p = Ops.unary(UnaryOp.EXP, out(n));
            Tensor s = Ops.reduce(ReduceOp.SUM, g, axis, true);
            return new Tensor[] {Ops.sub(g, Ops.mul(p, s))};
        });
        // ---- views
        r.put("reshape", (n, g) -> new Tensor[] {g.reshape(in(n, 0).shape())});
        r.put("transpose", (n, g) -> new Tensor[] {g.transpose((int) n.saved(0), (int) n.saved(1))});
        r.put("permute", (n, g) -> {
            int[] order = n.saved(0);
            int[] inv = new int[order.length];
            for (int i = 0; i < order.length; i++) inv[order[i]] = i;
            return new Tensor[] {g.permute(inv)};
        });
        r.put("slice", (n, g) -> {
            int[] p = n.saved(0); // axis, start, end, step
            Tensor gi = Tensor.zeros(Scope.current(), g.dtype(), in(n, 0).shape());
            Ops.copyInto(g, gi.slice(p[0], p[1], p[2], p[3]));
            return new Tensor[] {gi};
        });
        r.put("expand", (n, g) -> new Tensor[] {sumTo(g, in(n, 0))});
        r.put("squeeze", (n, g) -> new Tensor[] {g.reshape(in(n, 0).shape())});
        r.put("unsqueeze", (n, g) -> new Tensor[] {g.reshape(in(n, 0).shape())});
        r.put("concat", (n, g) -> {
            int axis = n.saved(0);
            Tensor[] out = new Tensor[n.inputCount()];
            int at = 0;
            for (int i = 0; i < out.length; i++) {
                int len = in(n, i).dim(axis);
                out[i] = g.slice(axis, at, at + len);
                at += len;
            }
            return out;
        });
        r.put("stack", (n, g) -> {
            int axis = n.saved(0);
            Tensor[] out = new Tensor[n.inputCount()];
            for (int i = 0; i < out.length; i++) out[i] = g.select(axis, i);
            return out;
        });
        r.put("index_select", (n, g) -> {
            int axis = n.saved(0);
            Tensor index = n.saved(1);
            Tensor gi = Tensor.zeros(Scope.current(), g.dtype(), in(n, 0).shape());
            int[] idx = index.toIntArray();
            for (int j = 0; j < idx.length; j++) {
                Tensor dst = gi.select(axis, idx[j]);
                Ops.binaryInto(BinaryOp.ADD, dst, g.select(axis, j), dst);
            }
            return new Tensor[] {gi};
        });
        r.put("gather", (n, g) -> {
            int axis = n.saved(0);
            Tensor index = n.saved(1);
            Tensor gi = Tensor.zeros(Scope.current(), g.dtype(), in(n, 0).shape());
            scatterAdd(gi, axis, index, g);
            return new Tensor[] {gi};
        });
        // ---- matrix multiply (operands of rank >= 2; 1-d promotion is done by F.matmul with views)
        r.put("matmul", (n, g) -> {
            Tensor a = in(n, 0), b = in(n, 1);
            Tensor ga = needs(n, 0) ? sumTo(Ops.matmul(g, b.transpose(-1, -2)), a) : null;
            Tensor gb = null;
            if (needs(n, 1)) {
                // b one matrix for a whole batch (x [B, T, d] @ W [d, n]): a single GEMM over all B * T rows,
                // instead of B products into a [B, d, n] temporary that sumTo then adds up.
                gb = b.rank() == 2 && a.rank() > 2 && g.rank() == a.rank()
                        ? Ops.matmul(a.reshape(-1, a.dim(-1)).t(), g.reshape(-1, g.dim(-1)))
                        : sumTo(Ops.matmul(a.transpose(-1, -2), g), b);
            }
            return new Tensor[] {ga, gb};
        });
        r.put("linear", (n, g) -> {
            Tensor x = in(n, 0), w = in(n, 1);
            Tensor g2 = g.reshape(-1, w.dim(0));
            Tensor gx = null, gw = null, gb = null;
            if (needs(n, 0)) {
                Tensor gx2 = Tensor.zeros(Scope.current(), x.dtype(), g2.dim(0), w.dim(1));
                Ops.gemm(1.0, g2, w, 0.0, gx2);
                gx = gx2.reshape(x.shape());
            }
            if (needs(n, 1)) {
                gw = Tensor.zeros(Scope.current(), w.dtype(), w.shape());
                Ops.gemm(1.0, g2.t(), rows(x), 0.0, gw);
            }
            boolean hasBias = n.inputCount() > 2;
            if (hasBias && needs(n, 2)) gb = Ops.reduce(ReduceOp.SUM, g2, 0, false);
            return hasBias ? new Tensor[] {gx, gw, gb} : new Tensor[] {gx, gw};
        });
        // ---- convolution and pooling
        r.put("conv2d", (n, g) -> {
            Tensor x = in(n, 0), w = in(n, 1);
            Conv2dSpec spec = n.saved(0);
            Tensor gc = real(g);
            Tensor gx = null, gw = null, gb = null;
            if (needs(n, 0)) {
                gx = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
                Ops.conv2dBackwardDataInto(gc, w, spec, gx);
            }
            boolean hasBias = n.inputCount() > 2 && n.input(2) != null;
            if (needs(n, 1) || (hasBias && needs(n, 2))) {
                gw = Tensor.zeros(Scope.current(), w.dtype(), w.shape());
                if (hasBias) gb = Tensor.zeros(Scope.current(), w.dtype(), w.dim(0));
                Ops.conv2dBackwardWeightInto(x, gc, spec, gw, gb);
            }
            return hasBias ? new Tensor[] {gx, gw, gb} : new Tensor[] {gx, gw};
        });
        r.put("max_pool2d", (n, g) -> {
            Tensor x = in(n, 0);
            Tensor gi = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
            Ops.maxPool2dBackwardInto(real(g), n.saved(1), n.saved(0), gi);
            return new Tensor[] {gi};
        });
        r.put("avg_pool2d", (n, g) -> {
            Tensor x = in(n, 0);
            Tensor gi = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
            Ops.avgPool2dBackwardInto(real(g), n.saved(0), gi);
            return new Tensor[] {gi};
        });
        // ---- fused losses: the forward saved d loss / d input; scale by the upstream scalar
        r.put("cross_entropy", (n, g) -> new Tensor[] {Ops.mul(n.saved(0), g.expand(in(n, 0).shape()))});
        r.put("cross_entropy_probs", (n, g) -> {
            Tensor gl = Ops.mul(n.saved(0), g.expand(in(n, 0).shape()));
            Tensor gt = null;
            if (needs(n, 1)) {
                // d/dtargets of -sum t * log_softmax(x) (scaled like the loss)
                double scale = n.saved(1);
                gt = Ops.mul(Ops.binary(BinaryOp.MUL, Ops.logSoftmax(in(n, 0), 1), -scale), g.expand(in(n, 0).shape()));
            }
            return new Tensor[] {gl, gt};
        });
        r.put("bce_with_logits", (n, g) -> {
            Tensor gl = Ops.mul(n.saved(0), g.expand(in(n, 0).shape()));
            Tensor gt = null;
            if (needs(n, 1)) {
                double scale = n.saved(1);
                gt = Ops.mul(Ops.binary(BinaryOp.MUL, in(n, 0), -scale), g.expand(in(n, 0).shape()));
            }
            return new Tensor[] {gl, gt};
        });
        r.put("mse", (n, g) -> {
            Tensor gp = Ops.mul(n.saved(0), g.expand(in(n, 0).shape()));
            return new Tensor[] {gp, needs(n, 1) ? Ops.unary(UnaryOp.NEG, gp) : null};
        });
        r.put("dropout", (n, g) -> new Tensor[] {Ops.mul(g, n.saved(0))});
        RULES = Collections.unmodifiableMap(r);
    }

    // ------------------------------------------------------------------ helpers for rules

    private static Tensor in(Var n, int i) { return n.input(i).data(); }

    private static Tensor out(Var n) { return n.data(); }

    private static boolean needs(Var n, int i) {
        Var v = n.input(i);
        return v != null && v.requiresGrad();
    }

    private static Tensor zerosLike0(Tensor x) {
        return Tensor.zeros(Scope.current(), x.dtype());
    }

    /** A tensor with no stride-0 dimension (kernel backward entry points reject broadcast views). */
    private static Tensor real(Tensor g) {
        return g.isContiguous() ? g : g.contiguous();
    }

    private static Tensor actBackward(Activation act, Tensor y, Tensor g) {
        Tensor gi = Tensor.zeros(Scope.current(), y.dtype(), y.shape());
        Ops.activationBackwardInto(act, y, real(g), gi);
        return gi;
    }

    private static Tensor[] minMaxRule(Var n, Tensor g, CompareOp pick) {
        // a wins where a > b (maximum) / a < b (minimum); ties go to b (kinks are avoided by the tests).
        Tensor a = in(n, 0), b = in(n, 1);
        Tensor maskA = Ops.compare(pick, a, b);
        Tensor ga = needs(n, 0) ? sumTo(Ops.mul(g, maskA), a) : null;
        Tensor gb = needs(n, 1) ? sumTo(Ops.mul(g, Ops.sub(onesLike(maskA), maskA)), b) : null;
        return new Tensor[] {ga, gb};
    }

    private static Tensor onesLike(Tensor x) {
        Tensor t = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
        return Ops.fill(t, 1.0);
    }

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    /** d gelu_tanh / dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2), t = tanh(c (x + k x^3)). */
    private static Tensor geluDerivative(Tensor x) {
        double c = SQRT_2_OVER_PI, k = 0.044715;
        Tensor x2 = Ops.unary(UnaryOp.SQUARE, x);
        Tensor inner = Ops.binary(BinaryOp.MUL, Ops.mul(x, Ops.binary(BinaryOp.ADD, Ops.binary(BinaryOp.MUL, x2, k), 1.0)), c);
        Tensor t = Ops.unary(UnaryOp.TANH, inner);
        Tensor left = Ops.binary(BinaryOp.MUL, Ops.binary(BinaryOp.ADD, t, 1.0), 0.5);
        Tensor sech2 = Ops.binary(BinaryOp.ADD, Ops.unary(UnaryOp.NEG, Ops.unary(UnaryOp.SQUARE, t)), 1.0);
        Tensor dInner = Ops.binary(BinaryOp.MUL, Ops.binary(BinaryOp.ADD, Ops.binary(BinaryOp.MUL, x2, 3 * k), 1.0), c);
        Tensor right = Ops.binary(BinaryOp.MUL, Ops.mul(Ops.mul(x, sech2), dInner), 0.5);
        return Ops.add(left, right);
    }

    private static int[] axesOf(int[] axes) { return axes; }

    /** Sums g over the broadcast dimensions so that it has {@code like}'s shape. */
    static Tensor sumTo(Tensor g, Tensor like) {
        return sumTo(g, like.shape());
    }

    static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        if (lead < 0) throw new IllegalStateException("cannot reduce gradient of shape " + Shapes.str(gs) + " to " + Shapes.str(shape));
        int count = 0;
        int[] axes = new int[gs.length];
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) axes[count++] = i;
        }
        Tensor s = count == 0 ? g : Ops.reduce(ReduceOp.SUM, g, Arrays.copyOf(axes, count), true);
        return s.reshape(shape);
    }

    private static void scatterAdd(Tensor dst, int axis, Tensor index, Tensor src) {
        long n = src.numel();
        int r = src.rank();
        int[] idx = new int[r];
        int[] shape = src.shape();
        for (long f = 0; f < n; f++) {
            long rem = f;
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = (int) (rem % shape[d]);
                rem /= shape[d];
            }
            int j = index.getInt(idx);
            double v = src.getDouble(idx);
            idx[axis] = j;
            dst.setDouble(dst.getDouble(idx) + v, idx);
        }
    }

    // ------------------------------------------------------------------ binary (broadcasting)

    private static Var binary(String name, BinaryOp op, Var a, Var b) {
        return Var.node(name, Ops.binary(op, a.data(), b.data()), null, a, b);
    }

    public static Var add(Var a, Var b) { return binary("add", BinaryOp.ADD, a, b); }
    public static Var sub(Var a, Var b) { return binary("sub", BinaryOp.SUB, a, b); }
    public static Var mul(Var a, Var b) { return binary("mul", BinaryOp.MUL, a, b); }
    public static Var div(Var a, Var b) { return binary("div", BinaryOp.DIV, a, b); }
    public static Var pow(Var a, Var b) { return binary("pow", BinaryOp.POW, a, b); }
    public static Var maximum(Var a, Var b) { return binary("maximum", BinaryOp.MAX, a, b); }
    public static Var minimum(Var a, Var b) { return binary("minimum", BinaryOp.MIN, a, b); }

    public static Var addScalar(Var a, double s) {
        return Var.node("add_scalar", Ops.binary(BinaryOp.ADD, a.data(), s), null, a);
    }

    public static Var mulScalar(Var a, double s) {
        return Var.node("mul_scalar", Ops.binary(BinaryOp.MUL, a.data(), s), new Object[] {s}, a);
    }

    public static Var powScalar(Var a, double p) {
        return Var.node("pow_scalar", Ops.binary(BinaryOp.POW, a.data(), p), new Object[] {p}, a);
    }

    // ------------------------------------------------------------------ unary

    private static Var unary(String name, UnaryOp op, Var a) {
        return Var.node(name, Ops.unary(op, a.data()), null, a);
    }

    public static Var neg(Var a) { return unary("neg", UnaryOp.NEG, a); }
    public static Var exp(Var a) { return unary("exp", UnaryOp.EXP, a); }
    public static Var log(Var a) { return unary("log", UnaryOp.LOG, a); }
    public static Var sqrt(Var a) { return unary("sqrt", UnaryOp.SQRT, a); }
    public static Var square(Var a) { return unary("square", UnaryOp.SQUARE, a); }
    public static Var reciprocal(Var a) { return unary("reciprocal", UnaryOp.RECIPROCAL, a); }
    public static Var abs(Var a) { return unary("abs", UnaryOp.ABS, a); }
    public static Var relu(Var a) { return unary("relu", UnaryOp.RELU, a); }
    public static Var sigmoid(Var a) { return unary("sigmoid", UnaryOp.SIGMOID, a); }
    public static Var tanh(Var a) { return unary("tanh", UnaryOp.TANH, a); }
    public static Var gelu(Var a) { return unary("gelu", UnaryOp.GELU, a); }

    // ------------------------------------------------------------------ reductions

    private static int[] allAxes(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) axes[i] = i;
        return axes;
    }

    private static int[] normAxes(int[] axes, int[] shape) {
        int[] n = new int[axes.length];
        for (int i = 0; i < axes.length; i++) n[i] = Shapes.axis(axes[i], shape);
        return n;
    }

    private static Var reduce(String name, ReduceOp op, Var a, int[] axes, boolean keepDim) {
        int[] shape = a.shape();
        if (axes.length == 0) {
            throw new IllegalArgumentException(name + " needs at least one axis (shape " + Shapes.str(shape) + ")");
        }
        int[] ax = normAxes(axes, shape);
        Tensor r = Ops.reduce(op, a.data(), ax, true);
        int[] keep = r.shape();
        Tensor out;
        if (keepDim) {
            out = r;
        } else {
            int[] s = new int[shape.length - ax.length];
            boolean[] red = new boolean[shape.length];
            for (int x : ax) red[x] = true;
            for (int i = 0, j = 0; i < shape.length; i++) if (!red[i]) s[j++] = shape[i];
            out = r.reshape(s);
        }
        return Var.node(name, out, new Object[] {keep, ax}, a);
    }

    /** Sum of all elements (rank-0 result). A rank-0 input is returned summed trivially. */
    public static Var sum(Var a) {
        if (a.data().rank() == 0) return reshape(a);
        return reduce("sum", ReduceOp.SUM, a, allAxes(a.data().rank()), false);
    }

    public static Var sum(Var a, int axis, boolean keepDim) { return reduce("sum", ReduceOp.SUM, a, new int[] {axis}, keepDim); }

    public static Var sum(Var a, int[] axes, boolean keepDim) { return reduce("sum", ReduceOp.SUM, a, axes, keepDim); }

    public static Var mean(Var a) {
        if (a.data().rank() == 0) return reshape(a);
        return reduce("mean", ReduceOp.MEAN, a, allAxes(a.data().rank()), false);
    }

    public static Var mean(Var a, int axis, boolean keepDim) { return reduce("mean", ReduceOp.MEAN, a, new int[] {axis}, keepDim); }

    public static Var mean(Var a, int[] axes, boolean keepDim) { return reduce("mean", ReduceOp.MEAN, a, axes, keepDim); }

    public static Var max(Var a, int axis, boolean keepDim) { return reduce("max", ReduceOp.MAX, a, new int[] {axis}, keepDim); }

    public static Var max(Var a) {
        if (a.data().rank() == 0) return reshape(a);
        return reduce("max", ReduceOp.MAX, a, allAxes(a.data().rank()), false);
    }

    /** Population variance (divides by n) along an axis. */
    public static Var variance(Var a, int axis, boolean keepDim) { return reduce("variance", ReduceOp.VARIANCE, a, new int[] {axis}, keepDim); }

    public static Var variance(Var a, int[] axes, boolean keepDim) { return reduce("variance", ReduceOp.VARIANCE, a, axes, keepDim); }

    public static Var softmax(Var a, int axis) {
        int ax = Shapes.axis(axis, a.shape());
        return Var.node("softmax", Ops.softmax(a.data(), ax), new Object[] {ax}, a);
    }

    public static Var logSoftmax(Var a, int axis) {
        int ax = Shapes.axis(axis, a.shape());
        return Var.node("log_softmax", Ops.logSoftmax(a.data(), ax), new Object[] {ax}, a);
    }

    // ------------------------------------------------------------------ views

    public static Var reshape(Var a, int... shape) {
        return Var.node("reshape", a.data().reshape(shape), null, a);
    }

    public static Var transpose(Var a, int d0, int d1) {
        int x = Shapes.axis(d0, a.shape()), y = Shapes.axis(d1, a.shape());
        return Var.node("transpose", a.data().transpose(x, y), new Object[] {x, y}, a);
    }

    public static Var permute(Var a, int... order) {
        Tensor t = a.data().permute(order);
        return Var.node("permute", t, new Object[] {normAxes(order, a.shape())}, a);
    }

    public static Var slice(Var a, int axis, int start, int end, int step) {
        int ax = Shapes.axis(axis, a.shape());
        return Var.node("slice", a.data().slice(ax, start, end, step), new Object[] {new int[] {ax, start, end, step}}, a);
    }

    public static Var slice(Var a, int axis, int start, int end) { return slice(a, axis, start, end, 1); }

    public static Var expand(Var a, int... shape) {
        return Var.node("expand", a.data().expand(shape), null, a);
    }

    public static Var squeeze(Var a, int axis) {
        return Var.node("squeeze", a.data().squeeze(axis), null, a);
    }

    public static Var unsqueeze(Var a, int axis) {
        return Var.node("unsqueeze", a.data().unsqueeze(axis), null, a);
    }

    /** Concatenation along an existing axis; all other dimensions must match. */
    public static Var concat(int axis, Var... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concat needs at least one tensor");
        int[] s0 = parts[0].shape();
        int ax = Shapes.axis(axis, s0);
        int total = 0;
        for (Var p : parts) {
            int[] s = p.shape();
            boolean ok = s.length == s0.length;
            for (int i = 0; ok && i < s.length; i++) if (i != ax && s[i] != s0[i]) ok = false;
            if (!ok) {
                throw new IllegalArgumentException("concat along axis " + axis + ": shape " + Shapes.str(s) + " does not match "
                        + Shapes.str(s0));
            }
            total += s[ax];
        }
        int[] os = s0.clone();
        os[ax] = total;
        Tensor out = Tensor.zeros(Scope.current(), parts[0].data().dtype(), os);
        int at = 0;
        for (Var p : parts) {
            int len = p.shape()[ax];
            Ops.copyInto(p.data(), out.slice(ax, at, at + len));
            at += len;
        }
        return Var.node("concat", out, new Object[] {ax}, parts);
    }

    /** Stacks same-shaped tensors along a new axis. */
    public static Var stack(int axis, Var... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("stack needs at least one tensor");
        int[] s0 = parts[0].shape();
        int r = s0.length;
        int ax = axis < 0 ? axis + r + 1 : axis;
        if (ax < 0 || ax > r) throw new IllegalArgumentException("stack axis " + axis + " out of range for shape " + Shapes.str(s0));
        for (Var p : parts) {
            if (!Arrays.equals(p.shape(), s0)) {
                throw new IllegalArgumentException("stack needs equal shapes, got " + Shapes.str(p.shape()) + " and " + Shapes.str(s0));
            }
        }
        int[] os = new int[r + 1];
        for (int i = 0, j = 0; i <= r; i++) os[i] = i == ax ? parts.length : s0[j++];
        Tensor out = Tensor.zeros(Scope.current(), parts[0].data().dtype(), os);
        for (int i = 0; i < parts.length; i++) Ops.copyInto(parts[i].data(), out.select(ax, i));
        return Var.node("stack", out, new Object[] {ax}, parts);
    }

    // ------------------------------------------------------------------ indexing

    private static int[] checkIndex(String op, Tensor index, int bound, Tensor x) {
        index.checkAlive();
        if (index.dtype() != DType.I32) {
            throw new IllegalArgumentException(op + " index must be I32, got " + index.dtype() + " of shape " + Shapes.str(index.shape()));
        }
        int[] idx = index.contiguous().toIntArray();
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= bound) {
                throw new IndexOutOfBoundsException(op + " index " + idx[i] + " at position " + i + " out of range [0, " + bound
                        + ") for input of shape " + Shapes.str(x.shape()));
            }
        }
        return idx;
    }

    /** Rows (slices along {@code axis}) picked by a 1-d I32 index, in index order (repeats allowed). */
    public static Var indexSelect(Var a, int axis, Tensor index) {
        Tensor x = a.data();
        int ax = Shapes.axis(axis, x.shape());
        if (index.rank() != 1) throw new IllegalArgumentException("index_select index must be 1-d, got shape " + Shapes.str(index.shape()));
        int[] idx = checkIndex("index_select", index, x.dim(ax), x);
        int[] os = x.shape();
        os[ax] = idx.length;
        Tensor out = Tensor.zeros(Scope.current(), x.dtype(), os);
        for (int j = 0; j < idx.length; j++) Ops.copyInto(x.select(ax, idx[j]), out.select(ax, j));
        return Var.node("index_select", out, new Object[] {ax, index}, a);
    }

    /**
     * PyTorch's gather: out[i][j] = a[index[i][j]][j] for axis 0 (any rank); index has a's rank and, on every
     * other axis, a size no larger than a's. For class labels [n] of logits [n, c]: gather(logits, 1, labels [n, 1]).
     */
    public static Var gather(Var a, int axis, Tensor index) {
        Tensor x = a.data();
        int ax = Shapes.axis(axis, x.shape());
        if (index.rank() != x.rank()) {
            throw new IllegalArgumentException("gather index of shape " + Shapes.str(index.shape()) + " must have the rank of input "
                    + Shapes.str(x.shape()));
        }
        for (int d = 0; d < x.rank(); d++) {
            if (d != ax && index.dim(d) > x.dim(d)) {
                throw new IllegalArgumentException("gather index of shape " + Shapes.str(index.shape()) + " is larger than input "
                        + Shapes.str(x.shape()) + " on axis " + d);
            }
        }
        checkIndex("gather", index, x.dim(ax), x);
        Tensor out = Tensor.zeros(Scope.current(), x.dtype(), index.shape());
        long n = out.numel();
        int r = x.rank();
        int[] idx = new int[r];
        int[] shape = out.shape();
        for (long f = 0; f < n; f++) {
            long rem = f;
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = (int) (rem % shape[d]);
                rem /= shape[d];
            }
            int[] src = idx.clone();
            src[ax] = index.getInt(idx);
            out.setDouble(x.getDouble(src), idx);
        }
        return Var.node("gather", out, new Object[] {ax, index}, a);
    }

    // ------------------------------------------------------------------ matmul, linear

    /** NumPy matmul: 1-d operands are promoted (and the added dimension removed), batch dimensions broadcast. */
    public static Var matmul(Var a, Var b) {
        if (a.data().rank() == 0 || b.data().rank() == 0) {
            throw new IllegalArgumentException("matmul needs at least 1-d operands, got " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
        Var a2 = a.data().rank() == 1 ? unsqueeze(a, 0) : a;
        Var b2 = b.data().rank() == 1 ? unsqueeze(b, 1) : b;
        Var out = Var.node("matmul", Ops.matmul(a2.data(), b2.data()), null, a2, b2);
        if (a.data().rank() == 1) out = squeeze(out, -2);
        if (b.data().rank() == 1) out = squeeze(out, -1);
        return out;
    }

    /**
     * x [..., in] @ w^T + b with PyTorch's weight layout w [out, in], b [out] (b may be null); one node "linear"
     * (one GEMM plus an in-place bias add forward; two GEMMs and a column sum backward).
     */
    public static Var linear(Var x, Var w, Var b) {
        Tensor xd = x.data(), wd = w.data();
        if (wd.rank() != 2) throw new IllegalArgumentException("linear weight must be [out, in], got " + Shapes.str(w.shape()));
        if (xd.rank() < 1 || xd.dim(-1) != wd.dim(1)) {
            throw new IllegalArgumentException("linear input of shape " + Shapes.str(x.shape()) + " does not match weight "
                    + Shapes.str(w.shape()) + " (need last dimension " + wd.dim(1) + ")");
        }
        if (b != null && (b.data().rank() != 1 || b.data().dim(0) != wd.dim(0))) {
            throw new IllegalArgumentException("linear bias must have shape [" + wd.dim(0) + "], got " + Shapes.str(b.shape()));
        }
        if (xd.dtype() != wd.dtype() || (b != null && b.data().dtype() != wd.dtype())) {
            throw new IllegalArgumentException("linear dtype mismatch: input " + xd.dtype() + " " + Shapes.str(x.shape()) + ", weight "
                    + wd.dtype() + " " + Shapes.str(w.shape()) + (b == null ? "" : ", bias " + b.data().dtype()));
        }
        Tensor x2 = rows(xd);
        Tensor out2 = Tensor.zeros(Scope.current(), xd.dtype(), x2.dim(0), wd.dim(0));
        Ops.gemm(1.0, x2, wd.t(), 0.0, out2);
        if (b != null) Ops.biasActivationInto(out2, b.data(), 1, Activation.IDENTITY, out2);
        int[] os = xd.shape();
        os[os.length - 1] = wd.dim(0);
        Tensor out = out2.reshape(os);
        return b == null ? Var.node("linear", out, null, x, w) : Var.node("linear", out, null, x, w, b);
    }

    /** x [..., in] as a matrix [prod(...), in]. */
    private static Tensor rows(Tensor x) {
        return x.reshape(-1, x.dim(-1));
    }

    // ------------------------------------------------------------------ convolution, pooling

    public static Var conv2d(Var x, Var w, Var b, Conv2dSpec spec) {
        Tensor out = Ops.conv2d(x.data(), w.data(), b == null ? null : b.data(), spec);
        Object[] saved = {spec};
        return b == null ? Var.node("conv2d", out, saved, x, w) : Var.node("conv2d", out, saved, x, w, b);
    }

    public static Var maxPool2d(Var x, Pool2dSpec spec) {
        int[] shape = Ops.pool2dShape("max_pool2d", x.data(), spec);
        Tensor out = Tensor.zeros(Scope.current(), x.data().dtype(), shape);
        Tensor argmax = Tensor.zeros(Scope.current(), DType.I32, shape);
        Ops.maxPool2dInto(x.data(), spec, out, argmax);
        return Var.node("max_pool2d", out, new Object[] {spec, argmax}, x);
    }

    public static Var avgPool2d(Var x, Pool2dSpec spec) {
        int[] shape = Ops.pool2dShape("avg_pool2d", x.data(), spec);
        Tensor out = Tensor.zeros(Scope.current(), x.data().dtype(), shape);
        Ops.avgPool2dInto(x.data(), spec, out);
        return Var.node("avg_pool2d", out, new Object[] {spec}, x);
    }

    // ------------------------------------------------------------------ losses (fused kernels)

    private static Tensor scalarOut(Tensor like, double v) {
        Tensor t = Tensor.zeros(Scope.current(), like.dtype());
        t.setDouble(v);
        return t;
    }

    private static double scale(Tensor logits, Reduction r, boolean perRow) {
        if (r == Reduction.SUM) return 1.0;
        long count = perRow ? logits.dim(0) : logits.numel();
        return 1.0 / count;
    }

    /** Softmax cross-entropy of logits [n, c] against I32 class labels [n]; rank-0 result. */
    public static Var crossEntropy(Var logits, Tensor labels, Reduction r) {
        Tensor grad = Tensor.zeros(Scope.current(), logits.data().dtype(), logits.shape());
        double loss = Ops.softmaxCrossEntropy(logits.data(), labels, r, grad);
        return Var.node("cross_entropy", scalarOut(logits.data(), loss), new Object[] {grad}, logits);
    }

    /** Softmax cross-entropy against target probabilities [n, c]; differentiable in both. */
    public static Var crossEntropyProbs(Var logits, Var targets, Reduction r) {
        Tensor grad = Tensor.zeros(Scope.current(), logits.data().dtype(), logits.shape());
        double loss = Ops.softmaxCrossEntropyProbs(logits.data(), targets.data(), r, grad);
        return Var.node("cross_entropy_probs", scalarOut(logits.data(), loss),
                new Object[] {grad, scale(logits.data(), r, true)}, logits, targets);
    }

    public static Var bceWithLogits(Var logits, Var targets, Reduction r) {
        Tensor grad = Tensor.zeros(Scope.current(), logits.data().dtype(), logits.shape());
        double loss = Ops.bceWithLogits(logits.data(), targets.data(), r, grad);
        return Var.node("bce_with_logits", scalarOut(logits.data(), loss),
                new Object[] {grad, scale(logits.data(), r, false)}, logits, targets);
    }

    public static Var mse(Var pred, Var target, Reduction r) {
        Tensor grad = Tensor.zeros(Scope.current(), pred.data().dtype(), pred.shape());
        double loss = Ops.mse(pred.data(), target.data(), r, grad);
        return Var.node("mse", scalarOut(pred.data(), loss), new Object[] {grad}, pred, target);
    }

    // ------------------------------------------------------------------ dropout, batch norm

    /** Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p); identity when not training. */
    public static Var dropout(Var x, double p, Rng rng, boolean training) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        if (!training || p == 0) return x;
        Tensor mask = Tensor.zeros(Scope.current(), x.data().dtype(), x.shape());
        long n = mask.numel();
        double keep = 1.0 / (1.0 - p);
        for (long i = 0; i < n; i++) mask.setFlat(i, rng.nextDouble() >= p ? keep : 0.0);
        return Var.node("dropout", Ops.mul(x.data(), mask), new Object[] {mask}, x);
    }

    /**
     * Batch normalisation over every axis but {@code channelAxis}. Training: normalises with the batch's mean and
     * (biased) variance and updates runningMean/runningVar in place (unbiased variance, PyTorch's rule:
     * running = (1 - momentum) running + momentum batch); evaluation: uses the running statistics. gamma/beta
     * (shape [C], either may be null) scale and shift. Composite: its gradient flows through the recorded parts.
     */
    public static Var batchNorm(Var x, Var gamma, Var beta, Tensor runningMean, Tensor runningVar, double momentum, double eps,
                                boolean training, int channelAxis) {
        int[] xs = x.shape();
        int ca = Shapes.axis(channelAxis, xs);
        int c = xs[ca];
        for (Object[] p : new Object[][] {{"gamma", gamma == null ? null : gamma.data()}, {"beta", beta == null ? null : beta.data()},
                {"running_mean", runningMean}, {"running_var", runningVar}}) {
            Tensor t = (Tensor) p[1];
            if (t != null && (t.rank() != 1 || t.dim(0) != c)) {
                throw new IllegalArgumentException("batch_norm " + p[0] + " must have shape [" + c + "] for input "
                        + Shapes.str(xs) + " with channel axis " + channelAxis + ", got " + Shapes.str(t.shape()));
            }
        }
        int[] bshape = new int[xs.length];
        Arrays.fill(bshape, 1);
        bshape[ca] = c;
        int[] axes = new int[xs.length - 1];
        for (int i = 0, j = 0; i < xs.length; i++) if (i != ca) axes[j++] = i;
        Var mean, var;
        if (training) {
            mean = mean(x, axes, true);
            var = variance(x, axes, true);
            if (runningMean != null || runningVar != null) {
                long count = x.data().numel() / c;
                try (var g = NoGrad.enter()) {
                    if (runningMean != null) updateRunning(runningMean, mean.data().reshape(c), momentum);
                    if (runningVar != null) {
                        double unbias = count > 1 ? (double) count / (count - 1) : 1.0;
                        updateRunning(runningVar, Ops.binary(BinaryOp.MUL, var.data().reshape(c), unbias), momentum);
                    }
                }
            }
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batch_norm in evaluation mode needs running_mean and running_var");
            }
            mean = Var.of(runningMean.reshape(bshape));
            var = Var.of(runningVar.reshape(bshape));
        }
        Var xhat = div(sub(x, mean), sqrt(addScalar(var, eps)));
        Var y = xhat;
        if (gamma != null) y = mul(y, reshape(gamma, bshape));
        if (beta != null) y = add(y, reshape(beta, bshape));
        return y;
    }

    private static void updateRunning(Tensor running, Tensor batch, double momentum) {
        Ops.binaryInto(BinaryOp.MUL, running, 1.0 - momentum, running);
        Tensor add = Ops.binary(BinaryOp.MUL, batch, momentum);
        Ops.binaryInto(BinaryOp.ADD, running, add, running);
    }
}
