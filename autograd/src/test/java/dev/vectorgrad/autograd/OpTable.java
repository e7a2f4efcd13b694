package dev.vectorgrad.autograd;

import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The table of differentiable ops for the property tests: for every gradient rule in {@link F#RULES}, how to
 * build a random instance (input shapes including size-1, broadcast dimensions and tails 7/13/17; values in the
 * op's valid range, away from kinks and ties) from a few random choices. Choices shrink toward 0, which maps to
 * the smallest shapes, so QuickTheories reports a minimal failing shape.
 */
final class OpTable {
    private OpTable() {}

    /** How an input's values are drawn. */
    interface Values {
        double[] draw(Rng rng, int[] shape);
    }

    static final Values ANY = (r, s) -> fill(r, s, -2, 2);
    static final Values POSITIVE = (r, s) -> fill(r, s, 0.5, 2);
    /** |x| in [0.2, 2], either sign: away from the kink of abs/relu and the pole of 1/x. */
    static final Values AWAY_FROM_ZERO = (r, s) -> {
        double[] v = fill(r, s, 0.2, 2);
        for (int i = 0; i < v.length; i++) if (r.nextDouble() < 0.5) v[i] = -v[i];
        return v;
    };
    /** All distinct, at least 0.1 apart (no ties for max and max pooling). */
    static final Values DISTINCT = (r, s) -> grid(r, s, 0.0);
    /** Like DISTINCT but shifted by 0.05: never closer than 0.05 to a DISTINCT value (maximum/minimum). */
    static final Values DISTINCT_SHIFTED = (r, s) -> grid(r, s, 0.05);
    static final Values UNIT = (r, s) -> fill(r, s, 0.05, 0.95);
    /** Positive rows summing to 1 along the last axis. */
    static final Values PROBS = (r, s) -> {
        double[] v = fill(r, s, 0.1, 1);
        int c = s[s.length - 1];
        for (int i = 0; i < v.length; i += c) {
            double sum = 0;
            for (int j = 0; j < c; j++) sum += v[i + j];
            for (int j = 0; j < c; j++) v[i + j] /= sum;
        }
        return v;
    };

    static double[] fill(Rng r, int[] s, double lo, double hi) {
        double[] v = new double[(int) Shapes.numel(s)];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r.nextDouble();
        return v;
    }

    static double[] grid(Rng r, int[] s, double shift) {
        int n = (int) Shapes.numel(s);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2) * 0.1 + shift;
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = r.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    record Input(int[] shape, Values values) {}

    /** One random instance of an op: inputs and the function of them under test (in F64). */
    record Instance(String desc, List<Input> inputs, Function<Var[], Var> fn) {
        Tensor[] tensors(Scope scope, long seed) {
            Rng rng = new Rng(seed);
            Tensor[] t = new Tensor[inputs.size()];
            for (int i = 0; i < t.length; i++) {
                Input in = inputs.get(i);
                t[i] = Tensor.of(scope, in.values().draw(rng, in.shape()), in.shape());
            }
            return t;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(desc).append(" inputs");
            for (Input in : inputs) sb.append(' ').append(Shapes.str(in.shape()));
            return sb.toString();
        }
    }

    /** Reads random choices (each in [0, 100)) as shapes and parameters; choice 0 gives the smallest option. */
    static final class Draw {
        private final int[] c;
        private int at;

        Draw(int[] choices) { this.c = choices; }

        int next() { return at < c.length ? c[at++] : 0; }

        int below(int n) { return next() % n; }

        boolean bool() { return below(2) == 1; }

        /** 1, 2 or 3 mostly; sometimes a loop-tail size 7, 13 or 17. */
        int dim() {
            int v = next();
            return v < 75 ? 1 + v % 3 : new int[] {7, 13, 17}[v % 3];
        }

        /** A shape of rank 1..maxRank with at most maxNumel elements (leading dims cut to 1 when over). */
        int[] shape(int minRank, int maxRank, int maxNumel) {
            int r = minRank + below(maxRank - minRank + 1);
            int[] s = new int[r];
            for (int i = 0; i < r; i++) s[i] = dim();
            for (int i = 0; i < r && Shapes.numel(s) > maxNumel; i++) s[i] = 1;
            for (int i = r - 1; i >= 0 && Shapes.numel(s) > maxNumel; i--) s[i] = Math.min(s[i], 3);
            return s;
        }

        int[] shape(int maxRank) { return shape(1, maxRank, 40); }
    }

    static Instance inst(String desc, Function<Var[], Var> fn, Input... inputs) {
        return new Instance(desc, List.of(inputs), fn);
    }

    static Input in(int[] shape, Values v) { return new Input(shape, v); }

    /** Two shapes that broadcast: the second has some dimensions set to 1 and maybe fewer leading dimensions. */
    static int[][] broadcastPair(Draw d) {
        int[] a = d.shape(3);
        int[] b = a.clone();
        for (int i = 0; i < b.length; i++) if (d.below(3) == 0) b[i] = 1;
        int drop = d.below(b.length + 1);
        b = Arrays.copyOfRange(b, Math.min(drop, b.length - 1), b.length);
        return d.bool() ? new int[][] {a, b} : new int[][] {b, a};
    }

    static int[] permutation(Draw d, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = d.below(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static Instance binary(Draw d, String name, java.util.function.BinaryOperator<Var> op, Values va, Values vb) {
        int[][] s = broadcastPair(d);
        return inst(name, v -> op.apply(v[0], v[1]), in(s[0], va), in(s[1], vb));
    }

    static Instance unary(Draw d, String name, Function<Var, Var> op, Values v) {
        return inst(name, x -> op.apply(x[0]), in(d.shape(3), v));
    }

    /** A reduction instance: all axes (when allowed) or one random axis with random keepDim. */
    static Instance reduction(Draw d, String name, Values values, Function<Var, Var> all, Reducer axis) {
        int[] s = d.shape(3);
        if (all != null && d.below(4) == 0) return inst(name + " all", x -> all.apply(x[0]), in(s, values));
        int ax = d.below(s.length) - (d.bool() ? s.length : 0); // negative axes too
        boolean keep = d.bool();
        return inst(name + " axis " + ax + " keepDim " + keep, x -> axis.apply(x[0], ax, keep), in(s, values));
    }

    interface Reducer {
        Var apply(Var x, int axis, boolean keepDim);
    }

    static final Map<String, Integer> EXAMPLES = new LinkedHashMap<>();
    static final Map<String, Function<Draw, Instance>> OPS = new LinkedHashMap<>();

    static void op(String rule, int examples, Function<Draw, Instance> gen) {
        if (OPS.put(rule, gen) != null) throw new IllegalStateException("op " + rule + " listed twice");
        EXAMPLES.put(rule, examples);
    }

    static {
        int n = 40;
        // ---- binary with broadcasting
        op("add", n, d -> binary(d, "add", F::add, ANY, ANY));
        op("sub", n, d -> binary(d, "sub", F::sub, ANY, ANY));
        op("mul", n, d -> binary(d, "mul", F::mul, ANY, ANY));
        op("div", n, d -> binary(d, "div", F::div, ANY, AWAY_FROM_ZERO));
        op("pow", n, d -> binary(d, "pow", F::pow, POSITIVE, ANY));
        op("maximum", n, d -> binary(d, "maximum", F::maximum, DISTINCT, DISTINCT_SHIFTED));
        op("minimum", n, d -> binary(d, "minimum", F::minimum, DISTINCT, DISTINCT_SHIFTED));
        op("add_scalar", n, d -> { double s = d.below(7) - 3.5; return unary(d, "add_scalar " + s, x -> F.addScalar(x, s), ANY); });
        op("mul_scalar", n, d -> { double s = d.below(7) - 3.5; return unary(d, "mul_scalar " + s, x -> F.mulScalar(x, s), ANY); });
        op("pow_scalar", n, d -> {
            double p = new double[] {2, 3, 0.5, -1.5, 2.5}[d.below(5)];
            return unary(d, "pow_scalar " + p, x -> F.powScalar(x, p), POSITIVE);
        });
        // ---- unary
        op("neg", n, d -> unary(d, "neg", F::neg, ANY));
        op("exp", n, d -> unary(d, "exp", F::exp, ANY));
        op("log", n, d -> unary(d, "log", F::log, POSITIVE));
        op("sqrt", n, d -> unary(d, "sqrt", F::sqrt, POSITIVE));
        op("square", n, d -> unary(d, "square", F::square, ANY));
        op("reciprocal", n, d -> unary(d, "reciprocal", F::reciprocal, AWAY_FROM_ZERO));
        op("abs", n, d -> unary(d, "abs", F::abs, AWAY_FROM_ZERO));
        op("relu", n, d -> unary(d, "relu", F::relu, AWAY_FROM_ZERO));
        op("sigmoid", n, d -> unary(d, "sigmoid", F::sigmoid, ANY));
        op("tanh", n, d -> unary(d, "tanh", F::tanh, ANY));
        op("gelu", n, d -> unary(d, "gelu", F::gelu, ANY));
        // ---- reductions
        op("sum", n, d -> reduction(d, "sum", ANY, F::sum, F::sum));
        op("mean", n, d -> reduction(d, "mean", ANY, F::mean, F::mean));
        op("max", n, d -> reduction(d, "max", DISTINCT, F::max, F::max));
        op("variance", n, d -> {
            // every reduced axis needs at least 2 elements for a non-degenerate variance: fine at 1 too (gradient 0)
            return reduction(d, "variance", ANY, null, F::variance);
        });
        op("softmax", n, d -> reduction(d, "softmax", ANY, null, (x, ax, k) -> F.softmax(x, ax)));
        op("log_softmax", n, d -> reduction(d, "log_softmax", ANY, null, (x, ax, k) -> F.logSoftmax(x, ax)));
        // ---- views (an elementwise op after the view makes the Jacobian non-trivial and exercises strided inputs)
        op("reshape", n, d -> {
            int[] s = d.shape(3);
            int[] t = d.bool() ? new int[] {-1} : new int[] {s[s.length - 1], -1};
            return inst("reshape " + Arrays.toString(t), x -> F.square(F.reshape(x[0], t)), in(s, ANY));
        });
        op("transpose", n, d -> {
            int[] s = d.shape(2, 3, 40);
            int a = d.below(s.length), b = d.below(s.length);
            return inst("transpose " + a + " " + b, x -> F.square(F.transpose(x[0], a, b)), in(s, ANY));
        });
        op("permute", n, d -> {
            int[] s = d.shape(3);
            int[] p = permutation(d, s.length);
            return inst("permute " + Arrays.toString(p), x -> F.square(F.permute(x[0], p)), in(s, ANY));
        });
        op("slice", n, d -> {
            int[] s = d.shape(3);
            int ax = d.below(s.length);
            int start = d.below(s[ax]);
            int end = start + 1 + d.below(s[ax] - start);
            int step = 1 + d.below(2);
            return inst("slice axis " + ax + " " + start + ":" + end + ":" + step, x -> F.square(F.slice(x[0], ax, start, end, step)), in(s, ANY));
        });
        op("expand", n, d -> {
            int[] t = d.shape(3);
            int[] s = t.clone();
            for (int i = 0; i < s.length; i++) if (d.bool()) s[i] = 1;
            int[] src = Arrays.copyOfRange(s, d.below(s.length), s.length);
            return inst("expand to " + Shapes.str(t), x -> F.square(F.expand(x[0], t)), in(src, ANY));
        });
        op("squeeze", n, d -> {
            int[] s0 = d.shape(2);
            int ax = d.below(s0.length + 1);
            int[] s = new int[s0.length + 1];
            for (int i = 0, j = 0; i < s.length; i++) s[i] = i == ax ? 1 : s0[j++];
            return inst("squeeze " + ax, x -> F.square(F.squeeze(x[0], ax)), in(s, ANY));
        });
        op("unsqueeze", n, d -> {
            int[] s = d.shape(3);
            int ax = d.below(s.length + 1);
            return inst("unsqueeze " + ax, x -> F.square(F.unsqueeze(x[0], ax)), in(s, ANY));
        });
        op("concat", n, d -> {
            int[] s = d.shape(1, 3, 20);
            int ax = d.below(s.length);
            int parts = 1 + d.below(3);
            List<Input> ins = new ArrayList<>();
            for (int i = 0; i < parts; i++) {
                int[] si = s.clone();
                si[ax] = 1 + d.below(3);
                ins.add(in(si, ANY));
            }
            return new Instance("concat axis " + ax, ins, x -> F.square(F.concat(ax, x)));
        });
        op("stack", n, d -> {
            int[] s = d.shape(1, 2, 20);
            int ax = d.below(s.length + 1);
            int parts = 1 + d.below(3);
            List<Input> ins = new ArrayList<>();
            for (int i = 0; i < parts; i++) ins.add(in(s, ANY));
            return new Instance("stack axis " + ax, ins, x -> F.square(F.stack(ax, x)));
        });
        // ---- indexing (index tensors are captured by fn and live in the global scope)
        op("index_select", n, d -> {
            int[] s = d.shape(3);
            int ax = d.below(s.length);
            int[] idx = new int[1 + d.below(4)];
            for (int i = 0; i < idx.length; i++) idx[i] = d.below(s[ax]); // repeats allowed: gradients add up
            Tensor index = Tensor.ofInts(Scope.global(), idx, idx.length);
            return inst("index_select axis " + ax + " " + Arrays.toString(idx), x -> F.indexSelect(x[0], ax, index), in(s, ANY));
        });
        op("gather", n, d -> {
            int[] s = d.shape(1, 3, 40);
            int ax = d.below(s.length);
            int[] is = s.clone();
            is[ax] = 1 + d.below(3);
            int[] idx = new int[(int) Shapes.numel(is)];
            for (int i = 0; i < idx.length; i++) idx[i] = d.below(s[ax]);
            Tensor index = Tensor.ofInts(Scope.global(), idx, is);
            return inst("gather axis " + ax + " index " + Shapes.str(is), x -> F.gather(x[0], ax, index), in(s, ANY));
        });
        // ---- matmul: 2-d, 1-d promotions, batched with broadcast batch dimensions
        op("matmul", n, d -> {
            int m = d.dim() % 5 + 1, k = d.dim() % 7 + 1, nn = d.dim() % 5 + 1;
            int b = 1 + d.below(3);
            return switch (d.below(6)) {
                case 0 -> inst("matmul 2d", v -> F.matmul(v[0], v[1]), in(new int[] {m, k}, ANY), in(new int[] {k, nn}, ANY));
                case 1 -> inst("matmul 1d@2d", v -> F.matmul(v[0], v[1]), in(new int[] {k}, ANY), in(new int[] {k, nn}, ANY));
                case 2 -> inst("matmul 2d@1d", v -> F.matmul(v[0], v[1]), in(new int[] {m, k}, ANY), in(new int[] {k}, ANY));
                case 3 -> inst("matmul batched", v -> F.matmul(v[0], v[1]), in(new int[] {b, m, k}, ANY), in(new int[] {b, k, nn}, ANY));
                case 4 -> inst("matmul batched@2d", v -> F.matmul(v[0], v[1]), in(new int[] {b, m, k}, ANY), in(new int[] {k, nn}, ANY));
                default -> inst("matmul broadcast batch", v -> F.matmul(v[0], v[1]), in(new int[] {1, m, k}, ANY), in(new int[] {b, 1, k, nn}, ANY));
            };
        });
        op("linear", n, d -> {
            int[] lead = d.shape(0, 2, 8);
            int inF = d.dim() % 7 + 1, outF = d.dim() % 5 + 1;
            int[] xs = Arrays.copyOf(lead, lead.length + 1);
            xs[lead.length] = inF;
            boolean bias = d.bool();
            return bias ? inst("linear bias", v -> F.linear(v[0], v[1], v[2]), in(xs, ANY), in(new int[] {outF, inF}, ANY), in(new int[] {outF}, ANY))
                        : inst("linear", v -> F.linear(v[0], v[1], null), in(xs, ANY), in(new int[] {outF, inF}, ANY));
        });
        // ---- convolution and pooling
        op("conv2d", 30, d -> {
            int nb = 1 + d.below(2), c = 1 + d.below(2), k = 1 + d.below(2);
            int kh = 1 + d.below(3), kw = 1 + d.below(3);
            int sh = 1 + d.below(2), sw = 1 + d.below(2), ph = d.below(2), pw = d.below(2);
            int dh = 1 + d.below(2), dw = 1 + d.below(2);
            int h = Math.max(1, dh * (kh - 1) + 1 - 2 * ph) + d.below(3), w = Math.max(1, dw * (kw - 1) + 1 - 2 * pw) + d.below(3);
            boolean bias = d.bool();
            Conv2dSpec spec = new Conv2dSpec(sh, sw, ph, pw, dh, dw);
            Input x = in(new int[] {nb, c, h, w}, ANY), wt = in(new int[] {k, c, kh, kw}, ANY);
            return bias ? inst("conv2d " + spec + " bias", v -> F.conv2d(v[0], v[1], v[2], spec), x, wt, in(new int[] {k}, ANY))
                        : inst("conv2d " + spec, v -> F.conv2d(v[0], v[1], null, spec), x, wt);
        });
        op("max_pool2d", n, d -> {
            int kh = 1 + d.below(3), kw = 1 + d.below(3);
            Pool2dSpec spec = new Pool2dSpec(kh, kw, 1 + d.below(2), 1 + d.below(2), d.below(kh / 2 + 1), d.below(kw / 2 + 1));
            int[] s = {1 + d.below(2), 1 + d.below(2), kh + d.below(3), kw + d.below(3)};
            return inst("max_pool2d " + spec, v -> F.maxPool2d(v[0], spec), in(s, DISTINCT));
        });
        op("avg_pool2d", n, d -> {
            int kh = 1 + d.below(3), kw = 1 + d.below(3);
            Pool2dSpec spec = new Pool2dSpec(kh, kw, 1 + d.below(2), 1 + d.below(2), d.below(kh / 2 + 1), d.below(kw / 2 + 1));
            int[] s = {1 + d.below(2), 1 + d.below(2), kh + d.below(3), kw + d.below(3)};
            return inst("avg_pool2d " + spec, v -> F.avgPool2d(v[0], spec), in(s, ANY));
        });
        // ---- fused losses
        op("cross_entropy", n, d -> {
            int rows = 1 + d.below(4), classes = d.dim();
            Reduction r = d.bool() ? Reduction.SUM : Reduction.MEAN;
            int[] labels = new int[rows];
            for (int i = 0; i < rows; i++) labels[i] = d.below(classes);
            Tensor lt = Tensor.ofInts(Scope.global(), labels, rows);
            return inst("cross_entropy " + r, v -> F.crossEntropy(v[0], lt, r), in(new int[] {rows, classes}, ANY));
        });
        op("cross_entropy_probs", n, d -> {
            int[] s = {1 + d.below(4), d.dim()};
            Reduction r = d.bool() ? Reduction.SUM : Reduction.MEAN;
            return inst("cross_entropy_probs " + r, v -> F.crossEntropyProbs(v[0], v[1], r), in(s, ANY), in(s, PROBS));
        });
        op("bce_with_logits", n, d -> {
            int[] s = d.shape(3);
            Reduction r = d.bool() ? Reduction.SUM : Reduction.MEAN;
            return inst("bce_with_logits " + r, v -> F.bceWithLogits(v[0], v[1], r), in(s, ANY), in(s, UNIT));
        });
        op("mse", n, d -> {
            int[] s = d.shape(3);
            Reduction r = d.bool() ? Reduction.SUM : Reduction.MEAN;
            return inst("mse " + r, v -> F.mse(v[0], v[1], r), in(s, ANY), in(s, ANY));
        });
        op("dropout", n, d -> {
            int[] s = d.shape(3);
            double p = new double[] {0.5, 0.2, 0.8}[d.below(3)];
            long seed = d.next();
            // A fresh Rng with the same seed per evaluation: the same mask for every central difference.
            return inst("dropout p=" + p, v -> F.dropout(v[0], p, new Rng(seed), true), in(s, ANY));
        });
    }

    /** Op names that appear in the graph of fn (walks the recorded nodes). */
    static java.util.Set<String> opsIn(Var root) {
        java.util.Set<String> names = new java.util.HashSet<>();
        java.util.ArrayDeque<Var> stack = new java.util.ArrayDeque<>();
        java.util.Set<Var> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        stack.push(root);
        while (!stack.isEmpty()) {
            Var v = stack.pop();
            if (!seen.add(v)) continue;
            names.add(v.op());
            for (int i = 0; i < v.inputCount(); i++) if (v.input(i) != null) stack.push(v.input(i));
        }
        return names;
    }

    static DType f64() { return DType.F64; }
}
