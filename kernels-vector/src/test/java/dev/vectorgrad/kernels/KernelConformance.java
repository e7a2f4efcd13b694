package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * OpInfo-style conformance table for the elementwise, reduction and softmax kernels: every op, run on a given
 * {@link Kernels} and on {@link ScalarKernels} (the specification) with the same inputs, must agree within the
 * op's tolerance. Public so other backends (kernels-native via the test-jar) can run it on themselves.
 *
 * <p>Tolerances are relative, in units of the dtype's epsilon (2^-23 for F32, 2^-52 for F64):
 * <ul>
 * <li>EXACT ops (neg, abs, sqrt, square, relu, max, min, compare, where, fill, copy, max/min/argmax
 * reductions) are correctly rounded or pure selections in both implementations: they must match bit for bit
 * (NaN matching NaN).
 * <li>BASIC arithmetic (+ - * / reciprocal): IEEE operations are correctly rounded; the scalar spec computes in
 * double and rounds once, which for F32 equals the float operation, except that binaryScalar rounds its scalar
 * operand to float first. So |got - want| <= 2 eps max(|want|, |a| + |b|) (one rounding of each operand).
 * <li>TRANSCENDENTAL (exp, log, tanh, sigmoid, pow): Vector API (SVML) functions are within 4 ulp; the spec is
 * within 1 ulp: 8 eps |want|. GELU evaluates tanh(u) with u = c (x + 0.044715 x^3) computed in the dtype, and
 * an error of eps |u| in u moves the result by about |2u| eps relative: 8 eps (1 + |2u|) |want|; plus the spec's
 * own cancellation in 1 + tanh(u) for negative x, absolute 2^-52 |x|.
 * <li>SUMS (sum, mean over n elements): the classical bound for recursive summation in any order,
 * |err| <= n eps sum|x_i| (divided by n for mean).
 * <li>VARIANCE: the mean is rounded to the dtype (error eps |mean|), each deviation squared adds 2 eps, and the
 * sum of n of them n eps: (n + 4) eps 2 mean(x^2).
 * <li>SOFTMAX: x - max rounds with error eps |x - max| <= 2 eps max|x| which exp amplifies by the same amount,
 * exp adds 4 ulp, the row sum n eps: (n + 8 + 2 max|x|) eps |want|. LOG-SOFTMAX x - lse is absolute-error
 * bounded: (n + 8) eps (|x| + |lse|) with |lse| <= max|x| + log n.
 * </ul>
 */
public final class KernelConformance {
    /** Lengths that leave every kind of loop tail for 4-, 8- and 16-lane vectors. */
    public static final int[] SIZES = {1, 2, 3, 7, 13, 17, 31, 63, 127, 207, 1000, 4099};

    public enum Kind { UNARY, BINARY, BINARY_SCALAR, WHERE, FILL, COPY, REDUCE, REDUCE_ALL, SOFTMAX }

    /** Runs the op on k: in are the inputs (already expanded to out's shape for elementwise ops). */
    @FunctionalInterface
    public interface Runner {
        void run(Kernels k, Tensor[] in, int axis, Tensor out);
    }

    /** Allowed |got - want| for one output element; x are the element's inputs (elementwise) or null. */
    @FunctionalInterface
    public interface Tolerance {
        double bound(double eps, double want, double[] x, LineStats line);
    }

    /** Statistics of the reduced line (reductions and softmax). */
    public record LineStats(int n, double absSum, double absMax, double sqMean) {}

    /** One op: name, kind, input range, how to run it, its tolerance. */
    public record OpInfo(String name, Kind kind, double lo, double hi, Runner runner, Tolerance tol) {
        @Override public String toString() { return name; }
    }

    static final Tolerance EXACT = (eps, want, x, l) -> 0;
    static final Tolerance BASIC = (eps, want, x, l) -> {
        double s = Math.abs(want);
        if (x != null) {
            double t = 0;
            for (double v : x) t += Math.abs(v);
            s = Math.max(s, t);
        }
        return 2 * eps * s;
    };
    static final Tolerance TRANSCENDENTAL = (eps, want, x, l) -> 8 * eps * Math.abs(want) + Double.MIN_NORMAL;
    static final Tolerance GELU = (eps, want, x, l) -> {
        double u = Math.sqrt(2 / Math.PI) * (x[0] + 0.044715 * x[0] * x[0] * x[0]);
        // The spec itself computes 1 + tanh(u), which cancels for x << 0: its absolute error is eps |x| / 2
        // (in double; for F32 the spec's double error is far below the F32 tolerance).
        return 8 * eps * (1 + 2 * Math.abs(u)) * Math.abs(want) + Math.ulp(1.0) * Math.abs(x[0]) + Double.MIN_NORMAL;
    };
    static final Tolerance SUM = (eps, want, x, l) -> l.n() * eps * l.absSum();
    static final Tolerance MEAN = (eps, want, x, l) -> l.n() == 0 ? 0 : eps * l.absSum();
    static final Tolerance VARIANCE = (eps, want, x, l) -> (l.n() + 4) * eps * 2 * l.sqMean();
    static final Tolerance SOFTMAX = (eps, want, x, l) -> (l.n() + 8 + 2 * l.absMax()) * eps * Math.abs(want) + Double.MIN_NORMAL;
    static final Tolerance LOG_SOFTMAX = (eps, want, x, l) ->
            (l.n() + 8) * eps * (Math.abs(x[0]) + 2 * l.absMax() + Math.log(l.n()) + 1);

    /** The table: every op of the elementwise / reduction / softmax slice. */
    public static List<OpInfo> ops() {
        List<OpInfo> t = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            double lo = -4, hi = 4;
            Tolerance tol = switch (op) {
                case NEG, ABS, SQRT, SQUARE, RELU -> EXACT;
                case RECIPROCAL -> BASIC;
                case GELU -> GELU;
                default -> TRANSCENDENTAL;
            };
            // log and sqrt: mostly positive inputs, with some negatives to check NaN agrees.
            if (op == UnaryOp.LOG || op == UnaryOp.SQRT) lo = -0.5;
            t.add(new OpInfo(op.name().toLowerCase(), Kind.UNARY, lo, hi, (k, in, ax, out) -> k.unary(op, in[0], out), tol));
        }
        for (BinaryOp op : BinaryOp.values()) {
            Tolerance tol = switch (op) {
                case MAX, MIN -> EXACT;
                case POW -> TRANSCENDENTAL;
                default -> BASIC;
            };
            double lo = op == BinaryOp.POW ? 0.1 : -4;
            t.add(new OpInfo(op.name().toLowerCase(), Kind.BINARY, lo, 4, (k, in, ax, out) -> k.binary(op, in[0], in[1], out), tol));
            // 0.3 is not a float: the F32 path rounds it, which BASIC allows for.
            t.add(new OpInfo(op.name().toLowerCase() + "_scalar", Kind.BINARY_SCALAR, lo, 4,
                    (k, in, ax, out) -> k.binaryScalar(op, in[0], op == BinaryOp.POW ? 1.7 : 0.3, out), tol));
        }
        for (CompareOp op : CompareOp.values()) {
            // Inputs rounded to halves so that equal pairs actually occur.
            t.add(new OpInfo(op.name().toLowerCase(), Kind.BINARY, -2, 2, (k, in, ax, out) -> k.compare(op, in[0], in[1], out), EXACT));
        }
        t.add(new OpInfo("where", Kind.WHERE, -2, 2, (k, in, ax, out) -> k.where(in[0], in[1], in[2], out), EXACT));
        t.add(new OpInfo("fill", Kind.FILL, 0, 1, (k, in, ax, out) -> k.fill(out, -1.25), EXACT));
        t.add(new OpInfo("copy", Kind.COPY, -4, 4, (k, in, ax, out) -> k.copy(in[0], out), EXACT));
        for (ReduceOp op : ReduceOp.values()) {
            Tolerance tol = switch (op) {
                case SUM -> SUM;
                case MEAN -> MEAN;
                case VARIANCE -> VARIANCE;
                default -> EXACT;
            };
            t.add(new OpInfo("reduce_" + op.name().toLowerCase(), Kind.REDUCE, -4, 4, (k, in, ax, out) -> k.reduce(op, in[0], ax, out), tol));
            t.add(new OpInfo("reduce_all_" + op.name().toLowerCase(), Kind.REDUCE_ALL, -4, 4,
                    (k, in, ax, out) -> out.write(out.offset(), k.reduceAll(op, in[0])), tol));
        }
        t.add(new OpInfo("softmax", Kind.SOFTMAX, -6, 6, (k, in, ax, out) -> k.softmax(in[0], ax, out), SOFTMAX));
        t.add(new OpInfo("log_softmax", Kind.SOFTMAX, -6, 6, (k, in, ax, out) -> k.logSoftmax(in[0], ax, out), LOG_SOFTMAX));
        return t;
    }

    /** A call through {@link Ops} that must be rejected with a message containing {@code fragment}. */
    public record ErrorInput(String op, String what, Class<? extends RuntimeException> type, String fragment, Runnable call) {
        @Override public String toString() { return op + ": " + what; }
    }

    /**
     * Error inputs for the ops of the table, checked by {@link Ops} before any kernel runs, so they hold for
     * every backend (run them with the backend under test as {@link Backends#setDefault default}).
     */
    public static List<ErrorInput> errorInputs() {
        Scope g = Scope.global();
        Tensor a23 = Tensor.zeros(g, DType.F32, 2, 3), a43 = Tensor.zeros(g, DType.F32, 4, 3);
        Tensor d23 = Tensor.zeros(g, DType.F64, 2, 3), i3 = Tensor.zeros(g, DType.I32, 3), e03 = Tensor.zeros(g, DType.F32, 0, 3);
        Tensor bcast = Tensor.zeros(g, DType.F32, 1, 3).expand(2, 3);
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        List<ErrorInput> e = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            String n = op.name().toLowerCase();
            e.add(new ErrorInput(n, "integer input", iae, n + " needs a floating-point tensor (F32 or F64), got I32 of shape [3]", () -> Ops.unary(op, i3)));
            e.add(new ErrorInput(n, "wrong output shape", iae, "output has shape [4, 3] but the result has shape [2, 3]", () -> Ops.unaryInto(op, a23, a43)));
        }
        for (BinaryOp op : BinaryOp.values()) {
            String n = op.name().toLowerCase();
            e.add(new ErrorInput(n, "shapes do not broadcast", iae, "cannot broadcast [2, 3] with [4, 3]", () -> Ops.binary(op, a23, a43)));
            e.add(new ErrorInput(n, "dtype mismatch", iae, "dtype mismatch, F32 [2, 3] vs F64 [2, 3]", () -> Ops.binary(op, a23, d23)));
            e.add(new ErrorInput(n, "broadcast output", iae, "is a broadcast view", () -> Ops.binaryInto(op, a23, a23, bcast)));
        }
        for (CompareOp op : CompareOp.values()) {
            e.add(new ErrorInput(op.name().toLowerCase(), "shapes do not broadcast", iae, "cannot broadcast [4, 3] with [2, 3]", () -> Ops.compare(op, a43, a23)));
        }
        e.add(new ErrorInput("where", "dtype mismatch", iae, "dtype mismatch", () -> Ops.where(a23, a23, d23)));
        e.add(new ErrorInput("fill", "broadcast output", iae, "fill: output of shape [2, 3] is a broadcast view", () -> Ops.fill(bcast, 1)));
        e.add(new ErrorInput("copy", "shape mismatch", iae, "copy: expected shape [4, 3] but got [2, 3]", () -> Ops.copyInto(a23, a43)));
        for (ReduceOp op : ReduceOp.values()) {
            String n = op.name().toLowerCase();
            e.add(new ErrorInput(n, "axis out of range", iae, "axis 2 out of range for shape [2, 3] (rank 2)", () -> Ops.reduce(op, a23, 2, false)));
            e.add(new ErrorInput(n, "integer input", iae, "needs a floating-point tensor", () -> Ops.reduceAll(op, i3)));
            if (op == ReduceOp.MAX || op == ReduceOp.MIN || op == ReduceOp.ARGMAX) {
                e.add(new ErrorInput(n, "empty input", iae, n + " of an empty tensor of shape [0, 3]", () -> Ops.reduceAll(op, e03)));
                e.add(new ErrorInput(n, "empty axis", iae, n + " of an empty axis 0 in shape [0, 3]", () -> Ops.reduce(op, e03, 0, true)));
            }
        }
        e.add(new ErrorInput("softmax", "axis out of range", iae, "axis -3 out of range for shape [2, 3]", () -> Ops.softmax(a23, -3)));
        e.add(new ErrorInput("log_softmax", "integer input", iae, "log_softmax needs a floating-point tensor", () -> Ops.logSoftmax(i3, 0)));
        return e;
    }

    /** Runs every error input with k as the default backend; returns how many were checked. */
    public static int checkErrors(Kernels k) {
        Kernels before = Backends.kernels();
        Backends.setDefault(k);
        try {
            int n = 0;
            for (ErrorInput e : errorInputs()) {
                RuntimeException thrown = null;
                try {
                    e.call().run();
                } catch (RuntimeException ex) {
                    thrown = ex;
                }
                if (thrown == null) throw new AssertionError(e + " on " + k.name() + " did not throw");
                if (!e.type().isInstance(thrown) || thrown.getMessage() == null || !thrown.getMessage().contains(e.fragment())) {
                    throw new AssertionError(e + " on " + k.name() + ": expected " + e.type().getSimpleName() + " containing '"
                            + e.fragment() + "' but got " + thrown, thrown);
                }
                n++;
            }
            return n;
        } finally {
            Backends.setDefault(before);
        }
    }

    public static OpInfo op(String name) {
        return ops().stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException("no op " + name));
    }

    private static final ScalarKernels SPEC = new ScalarKernels();

    /** Random tensor of the shape in [lo, hi]; compare ops get values on a grid of halves so ties occur. */
    static Tensor random(Scope s, DType dt, int[] shape, double lo, double hi, Random r, boolean grid) {
        Tensor t = Tensor.zeros(s, dt, shape);
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            double v = lo + (hi - lo) * r.nextDouble();
            if (grid) v = Math.rint(v * 2) / 2;
            t.write(i, v);
        }
        return t;
    }

    /** Layout variants of an input: as is, a transposed copy viewed back, a strided slice, or a broadcast. */
    public enum Layout { CONTIGUOUS, TRANSPOSED, STRIDED, BROADCAST_ROW, BROADCAST_COL, BROADCAST_SCALAR }

    /** Makes an input of the given logical shape with the given layout (values in [lo, hi]). */
    static Tensor input(Scope s, DType dt, int[] shape, Layout layout, double lo, double hi, Random r, boolean grid) {
        int rank = shape.length;
        switch (layout) {
            case TRANSPOSED -> {
                if (rank < 2) return random(s, dt, shape, lo, hi, r, grid);
                int[] sw = shape.clone();
                sw[rank - 1] = shape[rank - 2];
                sw[rank - 2] = shape[rank - 1];
                return random(s, dt, sw, lo, hi, r, grid).transpose(rank - 1, rank - 2);
            }
            case STRIDED -> {
                int[] big = shape.clone();
                big[rank - 1] = shape[rank - 1] * 2;
                return random(s, dt, big, lo, hi, r, grid).slice(rank - 1, 0, big[rank - 1], 2);
            }
            case BROADCAST_ROW, BROADCAST_COL, BROADCAST_SCALAR -> {
                int[] small = shape.clone();
                for (int d = 0; d < rank; d++) {
                    boolean keep = layout == Layout.BROADCAST_ROW ? d == rank - 1 : layout == Layout.BROADCAST_COL && d != rank - 1;
                    if (!keep) small[d] = 1;
                }
                return random(s, dt, small, lo, hi, r, grid).expand(shape);
            }
            default -> {
                return random(s, dt, shape, lo, hi, r, grid);
            }
        }
    }

    /**
     * Runs op on k and on the scalar spec with the same inputs and compares. layouts[i] is the layout of input i
     * (elementwise kinds); axis is the reduction / softmax axis. Throws AssertionError naming the first mismatch.
     */
    public static void check(Kernels k, OpInfo op, DType dt, int[] shape, int axis, Layout[] layouts, long seed) {
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            int arity = switch (op.kind()) {
                case BINARY -> 2;
                case WHERE -> 3;
                case FILL -> 0;
                default -> 1;
            };
            boolean grid = op.kind() == Kind.BINARY && op.tol() == EXACT || op.kind() == Kind.WHERE;
            Tensor[] in = new Tensor[arity];
            for (int i = 0; i < arity; i++) {
                Layout l = i < layouts.length ? layouts[i] : Layout.CONTIGUOUS;
                in[i] = input(s, dt, shape, l, op.lo(), op.hi(), r, grid);
            }
            int[] outShape = switch (op.kind()) {
                case REDUCE -> { int[] o = shape.clone(); o[axis] = 1; yield o; }
                case REDUCE_ALL -> new int[] {1};
                default -> shape;
            };
            DType outDt = op.kind() == Kind.REDUCE_ALL ? DType.F64 : op.kind() == Kind.COPY ? (dt == DType.F32 ? DType.F64 : DType.F32) : dt;
            Tensor want = Tensor.zeros(s, outDt, outShape), got = Tensor.zeros(s, outDt, outShape);
            if (op.kind() == Kind.COPY && layouts.length > 1 && layouts[1] == Layout.CONTIGUOUS) {
                // same-dtype copy too
                want = Tensor.zeros(s, dt, outShape);
                got = Tensor.zeros(s, dt, outShape);
            }
            op.runner().run(SPEC, in, axis, want);
            op.runner().run(k, in, axis, got);
            compare(op, dt, in, axis, shape, want, got, k.name(), layouts, seed);
        }
    }

    private static void compare(OpInfo op, DType dt, Tensor[] in, int axis, int[] shape, Tensor want, Tensor got,
                                String backend, Layout[] layouts, long seed) {
        double eps = dt == DType.F32 ? Math.ulp(1.0f) : Math.ulp(1.0);
        boolean line = op.kind() == Kind.REDUCE || op.kind() == Kind.REDUCE_ALL || op.kind() == Kind.SOFTMAX;
        Tensor absSum = null, absMax = null, sqMean = null;
        int n = 0;
        if (line) {
            Tensor x = in[0].contiguous();
            Tensor abs = Tensor.empty(x), sq = Tensor.empty(x);
            SPEC.unary(UnaryOp.ABS, x, abs);
            SPEC.unary(UnaryOp.SQUARE, x, sq);
            if (op.kind() == Kind.REDUCE_ALL) {
                n = (int) x.numel();
                abs = abs.reshape(1, n);
                sq = sq.reshape(1, n);
            } else {
                n = shape[axis];
            }
            int ax = op.kind() == Kind.REDUCE_ALL ? 1 : axis;
            int[] ls = abs.shape();
            ls[ax] = 1;
            absSum = Tensor.zeros(DType.F64, ls);
            absMax = Tensor.zeros(DType.F64, ls);
            sqMean = Tensor.zeros(DType.F64, ls);
            SPEC.reduce(ReduceOp.SUM, abs, ax, absSum);
            if (n > 0) SPEC.reduce(ReduceOp.MAX, abs, ax, absMax);
            SPEC.reduce(ReduceOp.MEAN, sq, ax, sqMean);
        }
        long count = want.numel();
        int[] os = want.shape();
        for (long i = 0; i < count; i++) {
            double w = want.getFlat(i), g = got.getFlat(i);
            double[] x = null;
            LineStats stats = null;
            if (line) {
                long li = op.kind() == Kind.SOFTMAX ? lineIndex(os, axis, i) : op.kind() == Kind.REDUCE_ALL ? 0 : i;
                stats = new LineStats(n, absSum.getFlat(li), absMax.getFlat(li), sqMean.getFlat(li));
                if (op.kind() == Kind.SOFTMAX) x = new double[] {in[0].getFlat(i)};
            } else {
                x = new double[in.length];
                for (int j = 0; j < in.length; j++) x[j] = in[j].getFlat(i);
            }
            boolean ok;
            if (Double.isNaN(w) || Double.isNaN(g)) ok = Double.isNaN(w) && Double.isNaN(g);
            else if (Double.isInfinite(w) || Double.isInfinite(g)) ok = w == g;
            else ok = Math.abs(g - w) <= op.tol().bound(eps, w, x, stats);
            if (!ok) {
                throw new AssertionError(op.name() + " on " + backend + " " + dt + " shape " + Arrays.toString(shape) + " axis " + axis
                        + " layouts " + Arrays.toString(layouts) + " seed " + seed + ": element " + i + " got " + g + " want " + w
                        + " (inputs " + Arrays.toString(x) + ", tolerance " + op.tol().bound(eps, w, x, stats) + ")");
            }
        }
    }

    /** Flat index of the line (other coordinates, row-major, axis removed) that flat element i belongs to. */
    private static long lineIndex(int[] shape, int axis, long i) {
        long line = 0, mul = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            long c = i % shape[d];
            i /= shape[d];
            if (d == axis) continue;
            line += c * mul;
            mul *= shape[d];
        }
        return line;
    }

    /**
     * The fixed sweep: every op, both dtypes, every size of {@link #SIZES}, as [n] and as [3, n] with the
     * layouts each kind supports (broadcasts for binary ops, transposed / strided inputs, reductions along both
     * axes). Returns the number of cases run.
     */
    public static int runAll(Kernels k) {
        int cases = 0;
        long seed = 1;
        for (OpInfo op : ops()) {
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                for (int n : SIZES) {
                    for (Layout[] ls : layoutsFor(op.kind())) {
                        check(k, op, dt, new int[] {n}, 0, ls, seed++);
                        cases++;
                    }
                    int[] shape2 = {3, n};
                    for (Layout[] ls : layoutsFor(op.kind())) {
                        int[] axes = op.kind() == Kind.REDUCE || op.kind() == Kind.SOFTMAX ? new int[] {0, 1} : new int[] {1};
                        for (int ax : axes) {
                            check(k, op, dt, shape2, ax, ls, seed++);
                            cases++;
                        }
                    }
                }
            }
        }
        return cases;
    }

    static List<Layout[]> layoutsFor(Kind kind) {
        Layout C = Layout.CONTIGUOUS;
        return switch (kind) {
            case BINARY -> List.of(new Layout[] {C, C}, new Layout[] {C, Layout.BROADCAST_ROW}, new Layout[] {Layout.BROADCAST_COL, C},
                    new Layout[] {C, Layout.BROADCAST_SCALAR}, new Layout[] {Layout.BROADCAST_SCALAR, C},
                    new Layout[] {Layout.TRANSPOSED, Layout.STRIDED});
            case WHERE -> List.of(new Layout[] {C, C, C}, new Layout[] {Layout.BROADCAST_ROW, Layout.STRIDED, Layout.BROADCAST_SCALAR});
            case COPY -> List.of(new Layout[] {C}, new Layout[] {C, C}, new Layout[] {Layout.TRANSPOSED}, new Layout[] {Layout.STRIDED});
            case FILL -> List.<Layout[]>of(new Layout[0]);
            default -> List.of(new Layout[] {C}, new Layout[] {Layout.TRANSPOSED}, new Layout[] {Layout.STRIDED});
        };
    }
}
