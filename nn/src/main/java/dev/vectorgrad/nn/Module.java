package dev.vectorgrad.nn;

import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or a tree of layers with explicit forward and backward passes (the Torch7 / Caffe layer design).
 *
 * <p>{@link #forward} allocates its result in {@code Scope.current()}. In training mode a module keeps what its
 * backward needs (inputs, outputs, masks) in fields, so training is single-threaded per model. In eval mode
 * forward keeps nothing, so one model in eval mode may be called from many threads at once (its parameters
 * live in a shared scope). {@link #backward} takes d loss / d output, accumulates parameter gradients and
 * returns d loss / d input (or null when {@link #needsInputGrad()} is false, e.g. for a model's first layer).
 */
public abstract class Module {
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    protected boolean training = true;
    private boolean needsInputGrad = true;

    public abstract Tensor forward(Tensor x);

    public Tensor backward(Tensor gradOut) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no backward pass");
    }

    /** The output shape for an input shape, for preallocated inference ({@link Inference}). */
    public int[] outputShape(int[] inputShape) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support preallocated inference");
    }

    /** Eval-mode forward into a preallocated output of {@link #outputShape}; keeps no state, allocates no tensor. */
    public void forwardInto(Tensor x, Tensor out) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support preallocated inference");
    }

    protected Parameter registerParameter(String name, Tensor data) {
        Parameter p = new Parameter(data);
        params.put(name, p);
        return p;
    }

    /** A non-trainable state tensor saved with the parameters (BatchNorm running statistics). */
    protected Tensor registerBuffer(String name, Tensor t) {
        buffers.put(name, t);
        return t;
    }

    protected <M extends Module> M registerChild(String name, M m) {
        children.put(name, m);
        return m;
    }

    public Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** Parameters by dotted module-tree name ("0.weight", "3.bias"), in registration order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    /** Parameters and buffers by name: what a checkpoint stores. */
    public Map<String, Tensor> stateDict() {
        Map<String, Parameter> ps = new LinkedHashMap<>();
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", ps, out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> ps, Map<String, Tensor> state) {
        for (var e : params.entrySet()) {
            ps.put(prefix + e.getKey(), e.getValue());
            if (state != null) state.put(prefix + e.getKey(), e.getValue().data());
        }
        if (state != null) for (var e : buffers.entrySet()) state.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", ps, state);
    }

    public List<Parameter> parameters() { return new ArrayList<>(namedParameters().values()); }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.data().numel();
        return n;
    }

    public Module train() { return setTraining(true); }

    public Module eval() { return setTraining(false); }

    private Module setTraining(boolean on) {
        training = on;
        for (Module c : children.values()) c.setTraining(on);
        return this;
    }

    public boolean isTraining() { return training; }

    public void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    public boolean needsInputGrad() { return needsInputGrad; }

    public void setNeedsInputGrad(boolean b) { needsInputGrad = b; }

    protected static void checkCached(Object cached, String module) {
        if (cached == null) {
            throw new IllegalStateException(module + ".backward called without a forward in training mode");
        }
    }
}
