package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.ConvPoolF32;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Eval-mode inference for one input shape with every intermediate preallocated: after construction,
 * {@link #run} allocates no tensor (the model's layers write into this session's buffers). A session belongs
 * to one thread; build one per thread to serve a model (whose parameters are in a shared scope) concurrently.
 * Supports Sequential trees of Linear, Conv2d, ReLU/Sigmoid/Tanh, MaxPool2d, AvgPool2d, Flatten and Dropout.
 * Conv2d then ReLU then MaxPool2d(2) (either order of the last two) runs as one kernel, {@link ConvPoolF32}, that
 * never writes the convolution output, where that kernel gives the layers' bits (F32 on the vector backend,
 * stride 1, C*KH*KW &lt;= 32: the MNIST layer; decided at construction from the default backend then; {@link
 * #stepNames} says which steps were fused; {@link #withoutFusedConvPool} turns it off). Otherwise a ReLU
 * followed by a max pooling runs as pooling then ReLU (same result on fewer elements). A ReLU after a Linear is
 * fused into its bias pass.
 *
 * <p>Construction checks every shape once (a first run through the checked {@code Ops} entry points); {@link #run}
 * then calls the kernels directly. With a batch smaller than {@link dev.vectorgrad.kernels.Parallel#threads()}
 * (batch-1 serving) the convolutions and their channel-wise tails run over output-channel groups on the workers,
 * and a large dense layer's matrix-vector product splits its rows: the same bits as one thread. Only one session
 * at a time fans out; others meanwhile run on their own thread. On an oversubscribed machine a fan-out waits for
 * a worker to be scheduled (milliseconds): set {@code Parallel.setThreads(1)} before building the session there.
 */
public final class Inference implements AutoCloseable {
    private final Scope scope = Scope.shared();
    private final List<Module> steps = new ArrayList<>();
    private final List<Tensor> outs = new ArrayList<>();
    /** For a Flatten step, the flattened view of the previous step's buffer, made once (null after the input). */
    private final List<Tensor> flatViews = new ArrayList<>();
    private final int[] inputShape;

    public Inference(Module model, int... inputShape) { this(model, true, inputShape); }

    /**
     * A session that runs Conv2d, ReLU and MaxPool2d as separate layers even where the fused kernel applies (same
     * bits, slower): for benchmarks and tests that compare the two paths.
     */
    public static Inference withoutFusedConvPool(Module model, int... inputShape) { return new Inference(model, false, inputShape); }

    private Inference(Module model, boolean fuseConvPool, int... inputShape) {
        this.inputShape = inputShape.clone();
        List<Module> leaves = new ArrayList<>();
        flatten(model, leaves);
        leaves.removeIf(m -> m instanceof Dropout);
        // Conv2d -> ReLU -> MaxPool2d(2) (or pool then ReLU) as one fused kernel that never writes the conv output,
        // where it gives the same bits as the layers (F32 on the vector backend, stride 1, short reduction).
        if (fuseConvPool) fuseConvReluPool(leaves, inputShape);
        // max(relu(a), relu(b)) == relu(max(a, b)): pooling first applies the ReLU to a quarter of the elements
        // (2x2 pooling), with the same result for any non-NaN input.
        for (int i = 0; i + 1 < leaves.size(); i++) {
            if (leaves.get(i) instanceof ReLU && leaves.get(i + 1) instanceof MaxPool2d) {
                leaves.set(i, leaves.get(i + 1));
                leaves.set(i + 1, new ReLU());
                i++;
            }
        }
        // Linear then ReLU: one fused bias + ReLU pass (same bits: ReLU of the rounded sum either way).
        for (int i = 0; i + 1 < leaves.size(); i++) {
            if (leaves.get(i) instanceof Linear lin && leaves.get(i + 1) instanceof ReLU) {
                leaves.set(i, new LinearRelu(lin));
                leaves.remove(i + 1);
            }
        }
        // A batch smaller than the thread count: a Conv2d and the channel-wise steps after it run over channel
        // groups, one per thread (the convolution kernel itself splits only over the batch).
        int groups = Parallel.threads();
        if (inputShape.length == 4 && inputShape[0] < groups) {
            for (int i = 0; i < leaves.size(); i++) {
                if (!(leaves.get(i) instanceof Conv2d conv)) continue;
                int j = i + 1;
                while (j < leaves.size() && ConvGroups.channelWise(leaves.get(j))) j++;
                leaves.set(i, new ConvGroups(conv, new ArrayList<>(leaves.subList(i + 1, j))));
                leaves.subList(i + 1, j).clear();
            }
        }
        int[] s = inputShape.clone();
        for (Module m : leaves) {
            if (m instanceof Flatten) {
                int[] f = {s[0], (int) (Shapes.numel(s) / Math.max(s[0], 1))};
                Tensor prev = outs.isEmpty() ? null : outs.get(outs.size() - 1);
                if (prev == null && !flatViews.isEmpty()) prev = flatViews.get(flatViews.size() - 1);
                steps.add(m);
                outs.add(null);
                flatViews.add(prev == null ? null : prev.reshape(f));
                s = f;
                continue;
            }
            DType dt = model.parameters().isEmpty() ? DType.F32 : model.parameters().get(0).data().dtype();
            if (m instanceof ConvReluPool crp) {
                crp.allocate(s, groups);
                s = crp.outputShape(s);
                outs.add(Tensor.zeros(scope, dt, s));
            } else if (m instanceof ConvGroups cg) {
                outs.add(cg.allocate(scope, dt, s, groups));
                s = cg.outputShape(s);
            } else {
                s = m.outputShape(s);
                outs.add(Tensor.zeros(scope, dt, s));
            }
            steps.add(m);
            flatViews.add(null);
        }
        dtype = model.parameters().isEmpty() ? DType.F32 : model.parameters().get(0).data().dtype();
        // One run on zeros through the checked entry points (Ops): every shape and dtype is validated here, so
        // run() can call the kernels directly.
        Tensor cur = Tensor.zeros(scope, dtype, inputShape);
        for (int i = 0; i < steps.size(); i++) cur = step(i, cur, false);
    }

    private final DType dtype;

    private Tensor step(int i, Tensor cur, boolean validated) {
        Tensor o = outs.get(i);
        if (o == null) {
            Tensor v = flatViews.get(i);
            return v != null ? v : cur.reshape(cur.dim(0), -1);
        }
        if (validated) steps.get(i).forwardIntoValidated(cur, o);
        else steps.get(i).forwardInto(cur, o);
        return o;
    }

    /**
     * A Conv2d followed by channel-wise steps (pooling, activations), run over groups of output channels in
     * parallel: each thread convolves its channels (weight and bias rows of the group) and pools / activates
     * them. Every output element is computed as on one thread, so the bits do not depend on the grouping.
     * The session's thread sets {@link #x} before {@link Parallel#forRange}; nothing is allocated per call.
     */
    private static final java.util.concurrent.atomic.AtomicBoolean POOL_FREE = new java.util.concurrent.atomic.AtomicBoolean(true);

    private static final class ConvGroups extends Module implements Parallel.RangeTask {
        private final Conv2d conv;
        private final Module[] tail;
        /** Per group: weight rows, bias entries, and the views of every stage's output (conv, then each tail step). */
        private Tensor[] w, b;
        private Tensor[][] outs;
        private Tensor x;

        ConvGroups(Conv2d conv, List<Module> tail) {
            this.conv = conv;
            this.tail = tail.toArray(new Module[0]);
        }

        static boolean channelWise(Module m) {
            return m instanceof MaxPool2d || m instanceof AvgPool2d || m instanceof ActivationModule;
        }

        @Override
        public Tensor forward(Tensor x) { throw new UnsupportedOperationException("ConvGroups is internal to Inference"); }

        @Override
        public int[] outputShape(int[] s) {
            s = conv.outputShape(s);
            for (Module m : tail) s = m.outputShape(s);
            return s;
        }

        /** Allocates the intermediate buffers and the group views; returns the final output buffer. */
        Tensor allocate(Scope scope, DType dt, int[] inShape, int groups) {
            int[] s = conv.outputShape(inShape);
            int c = s[1];
            groups = Math.max(1, Math.min(groups, c));
            Tensor[] full = new Tensor[tail.length + 1];
            full[0] = Tensor.zeros(scope, dt, s);
            for (int j = 0; j < tail.length; j++) {
                s = tail[j].outputShape(s);
                full[j + 1] = Tensor.zeros(scope, dt, s);
            }
            w = new Tensor[groups];
            b = new Tensor[groups];
            outs = new Tensor[groups][tail.length + 1];
            for (int g = 0; g < groups; g++) {
                int c0 = c * g / groups, c1 = c * (g + 1) / groups;
                w[g] = conv.weight().data().slice(0, c0, c1);
                b[g] = conv.bias() == null ? null : conv.bias().data().slice(0, c0, c1);
                for (int j = 0; j <= tail.length; j++) outs[g][j] = full[j].slice(1, c0, c1);
            }
            return full[tail.length];
        }

        @Override
        public void forwardInto(Tensor x, Tensor y) {
            // the checked path, one group after the other (Inference's validating first run)
            for (int g = 0; g < w.length; g++) {
                Tensor[] o = outs[g];
                Ops.conv2dInto(x, w[g], b[g], conv.spec(), o[0]);
                for (int j = 0; j < tail.length; j++) tail[j].forwardInto(o[j], o[j + 1]);
            }
        }

        @Override
        void forwardIntoValidated(Tensor x, Tensor y) {
            this.x = x;
            try {
                // One session at a time fans out to the workers; a session on another thread meanwhile runs its
                // groups itself rather than queueing on the pool (many serving threads scale as before).
                if (POOL_FREE.compareAndSet(true, false)) {
                    try {
                        Parallel.forRange(w.length, 1, this);
                    } finally {
                        POOL_FREE.set(true);
                    }
                } else {
                    run(0, w.length);
                }
            } finally {
                this.x = null;
            }
        }

        @Override
        public void run(int lo, int hi) {
            Kernels k = Backends.kernels();
            for (int g = lo; g < hi; g++) {
                Tensor[] o = outs[g];
                k.conv2d(x, w[g], b[g], conv.spec(), o[0]);
                for (int j = 0; j < tail.length; j++) tail[j].forwardIntoValidated(o[j], o[j + 1]);
            }
        }
    }

    /** Replaces each Conv2d, ReLU, MaxPool2d (or Conv2d, MaxPool2d, ReLU) run that {@link ConvPoolF32} supports. */
    private static void fuseConvReluPool(List<Module> leaves, int[] inputShape) {
        int[] s = inputShape.clone();
        for (int i = 0; i < leaves.size(); i++) {
            Module m = leaves.get(i);
            if (i + 2 < leaves.size() && m instanceof Conv2d conv && s.length == 4) {
                Module a = leaves.get(i + 1), b = leaves.get(i + 2);
                MaxPool2d pool = a instanceof MaxPool2d p && b instanceof ReLU ? p : a instanceof ReLU && b instanceof MaxPool2d p ? p : null;
                if (pool != null && ConvPoolF32.unsupported(Backends.kernels(), conv.weight().data(), conv.bias() == null ? null : conv.bias().data(),
                        conv.spec(), pool.spec(), s) == null) {
                    ConvReluPool f = new ConvReluPool(conv);
                    leaves.set(i, f);
                    leaves.subList(i + 1, i + 3).clear();
                    s = conv.outputShape(s);
                    s = new int[] {s[0], s[1], s[2] / 2, s[3] / 2};
                    continue;
                }
            }
            s = m instanceof Flatten ? new int[] {s[0], (int) (Shapes.numel(s) / Math.max(s[0], 1))} : m.outputShape(s);
        }
    }

    /**
     * Conv2d + ReLU + 2x2 max pooling through {@link ConvPoolF32}: the input is prepared once on the calling thread,
     * then (batch smaller than the thread count) the output channels run in groups on the workers, or the images
     * one task each. Each output is computed as on one thread: the bits do not depend on the split.
     */
    private static final class ConvReluPool extends Module implements Parallel.RangeTask {
        private final Conv2d conv;
        private ConvPoolF32 kernel;
        private int groups, tasks;
        private Tensor y;

        ConvReluPool(Conv2d conv) { this.conv = conv; }

        void allocate(int[] inShape, int threads) {
            kernel = new ConvPoolF32(conv.weight().data(), conv.bias() == null ? null : conv.bias().data(), conv.spec(), inShape);
            int n = inShape[0];
            groups = n < threads ? Math.max(1, Math.min(threads, kernel.outChannels())) : 1;
            tasks = n * groups;
        }

        @Override
        public Tensor forward(Tensor x) { throw new UnsupportedOperationException("ConvReluPool is internal to Inference"); }

        @Override
        public int[] outputShape(int[] s) { return kernel.outputShape(); }

        @Override
        public void forwardInto(Tensor x, Tensor y) { forwardIntoValidated(x, y); } // the kernel checks every shape itself

        @Override
        void forwardIntoValidated(Tensor x, Tensor y) {
            kernel.prepare(x);
            this.y = y;
            try {
                if (tasks > 1 && POOL_FREE.compareAndSet(true, false)) {
                    try {
                        Parallel.forRange(tasks, 1, this);
                    } finally {
                        POOL_FREE.set(true);
                    }
                } else {
                    run(0, tasks);
                }
            } finally {
                this.y = null;
            }
        }

        @Override
        public void run(int lo, int hi) {
            int k = kernel.outChannels();
            for (int t = lo; t < hi; t++) {
                int n = t / groups, g = t % groups;
                kernel.run(y, n, k * g / groups, k * (g + 1) / groups);
            }
        }
    }

    /** A Linear with the following ReLU fused in (eval mode, preallocated output only). */
    private static final class LinearRelu extends Module {
        private final Linear lin;

        LinearRelu(Linear lin) { this.lin = lin; }

        @Override
        public Tensor forward(Tensor x) { throw new UnsupportedOperationException("LinearRelu is internal to Inference"); }

        @Override
        public int[] outputShape(int[] s) { return lin.outputShape(s); }

        @Override
        public void forwardInto(Tensor x, Tensor y) { lin.forwardInto(x, y, dev.vectorgrad.kernels.Activation.RELU); }

        @Override
        void forwardIntoValidated(Tensor x, Tensor y) { lin.forwardIntoValidated(x, y, dev.vectorgrad.kernels.Activation.RELU); }
    }

    private static void flatten(Module m, List<Module> out) {
        if (m instanceof Sequential sq) {
            for (Module c : sq.layers()) flatten(c, out);
        } else {
            out.add(m);
        }
    }

    /** Runs the model on x (of the session's input shape); the result is this session's buffer, overwritten by the next call. */
    public Tensor run(Tensor x) {
        if (!Module.hasShape(x, inputShape) || x.dtype() != dtype) {
            throw new IllegalArgumentException("this inference session was built for " + dtype + " input " + Shapes.str(inputShape) + ", got "
                    + x.dtype() + " " + Shapes.str(x.shape()));
        }
        Tensor cur = x;
        for (int i = 0; i < steps.size(); i++) cur = step(i, cur, true);
        return cur;
    }

    /** What each step of {@link #run} is, in order (after fusion): e.g. "Conv2d+ReLU+MaxPool2d (fused)", "Flatten". */
    public List<String> stepNames() {
        List<String> names = new ArrayList<>();
        for (Module m : steps) {
            names.add(switch (m) {
                case ConvReluPool c -> "Conv2d+ReLU+MaxPool2d (fused)";
                case ConvGroups g -> "Conv2d" + Arrays.stream(g.tail).map(t -> "+" + t.getClass().getSimpleName()).reduce("", String::concat) + " (channel groups)";
                case LinearRelu l -> "Linear+ReLU";
                default -> m.getClass().getSimpleName();
            });
        }
        return names;
    }

    /**
     * Per-step latency: runs x {@code calls} times, timing every step of every call with System.nanoTime, and
     * returns each step's median in nanoseconds (order of {@link #stepNames}). A diagnostic, not the serving path:
     * it allocates its sample arrays. Warm the session up first (the medians of a cold JIT are meaningless).
     */
    public double[] profile(Tensor x, int calls) {
        if (calls < 1) throw new IllegalArgumentException("calls must be >= 1, got " + calls);
        run(x); // checks x
        long[][] t = new long[steps.size()][calls];
        for (int c = 0; c < calls; c++) {
            Tensor cur = x;
            for (int i = 0; i < steps.size(); i++) {
                long t0 = System.nanoTime();
                cur = step(i, cur, true);
                t[i][c] = System.nanoTime() - t0;
            }
        }
        double[] med = new double[steps.size()];
        for (int i = 0; i < med.length; i++) {
            Arrays.sort(t[i]);
            med[i] = calls % 2 == 1 ? t[i][calls / 2] : (t[i][calls / 2 - 1] + t[i][calls / 2]) / 2.0;
        }
        return med;
    }

    @Override
    public void close() { scope.close(); }
}
