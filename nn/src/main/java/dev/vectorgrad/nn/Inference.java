package dev.vectorgrad.nn;

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
 * A ReLU followed by a max pooling runs as pooling then ReLU (same result on fewer elements); a ReLU after a
 * Linear is fused into its bias pass.
 */
public final class Inference implements AutoCloseable {
    private final Scope scope = Scope.shared();
    private final List<Module> steps = new ArrayList<>();
    private final List<Tensor> outs = new ArrayList<>();
    /** For a Flatten step, the flattened view of the previous step's buffer, made once (null after the input). */
    private final List<Tensor> flatViews = new ArrayList<>();
    private final int[] inputShape;

    public Inference(Module model, int... inputShape) {
        this.inputShape = inputShape.clone();
        List<Module> leaves = new ArrayList<>();
        flatten(model, leaves);
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
        int[] s = inputShape.clone();
        for (Module m : leaves) {
            if (m instanceof Dropout) continue;
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
            s = m.outputShape(s);
            steps.add(m);
            flatViews.add(null);
            outs.add(Tensor.zeros(scope, model.parameters().isEmpty() ? dev.vectorgrad.tensor.DType.F32 : model.parameters().get(0).data().dtype(), s));
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
        if (!Module.hasShape(x, inputShape)) {
            throw new IllegalArgumentException("this inference session was built for input " + Shapes.str(inputShape) + ", got " + Shapes.str(x.shape()));
        }
        Tensor cur = x;
        for (int i = 0; i < steps.size(); i++) {
            Module m = steps.get(i);
            Tensor o = outs.get(i);
            if (o == null) {
                Tensor v = flatViews.get(i);
                cur = v != null ? v : cur.reshape(cur.dim(0), -1);
            } else {
                m.forwardInto(cur, o);
                cur = o;
            }
        }
        return cur;
    }

    @Override
    public void close() { scope.close(); }
}
