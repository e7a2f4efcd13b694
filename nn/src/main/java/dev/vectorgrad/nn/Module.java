package dev.vectorgrad.nn;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or a tree of layers with explicit forward and backward passes (the Torch7 / Caffe layer design).
 *
 * <p>In training mode a module keeps what its backward needs (inputs, outputs, masks) in fields, so training is
 * single-threaded per model, and the built-in layers write their forward outputs and input gradients into
 * workspace tensors of their own, reused from step to step (a training step allocates no activation memory):
 * a tensor returned by {@link #forward} or {@link #backward} in training mode is valid until the next call of
 * that method on that module; copy it to keep it. In eval mode forward allocates its result in
 * {@code Scope.current()} and keeps nothing, so one model in eval mode may be called from many threads at once
 * (its parameters live in a shared scope). {@link #backward} takes d loss / d output, accumulates parameter gradients and
 * returns d loss / d input (or null when {@link #needsInputGrad()} is false, e.g. for a model's first layer).
 */
public abstract class Module {
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    protected boolean training = true;
    private boolean needsInputGrad = true;
    private Tensor[] workspaces = new Tensor[0];

    public abstract Tensor forward(Tensor x);

    public Tensor backward(Tensor gradOut) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no backward pass");
    }

    /**
     * {@link #forwardInto} for {@link Inference}, which checked every shape and dtype once when it was built: the
     * built-in layers call the kernels directly here, skipping the checked entry points' per-call shape copies
     * (a steady inference call then allocates nothing).
     */
    void forwardIntoValidated(Tensor x, Tensor out) { forwardInto(x, out); }

    /** The output shape for an input shape, for preallocated inference ({@link Inference}). */
    public int[] outputShape(int[] inputShape) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support preallocated inference");
    }

    /** Eval-mode forward into a preallocated output of {@link #outputShape}; keeps no state, allocates no tensor. */
    public void forwardInto(Tensor x, Tensor out) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support preallocated inference");
    }

    /**
     * A tensor of this module reused across training steps: slot {@code slot} holds one tensor, reallocated only
     * when the dtype or shape asked for changes (e.g. a last, smaller batch). Its content is whatever was last
     * written: callers overwrite it. Memory is in the global scope (freed by the GC with the module). Training
     * mode only: eval-mode forward must allocate per call to stay thread-safe.
     */
    protected final Tensor workspace(int slot, DType dtype, int... shape) {
        if (slot >= workspaces.length) workspaces = Arrays.copyOf(workspaces, slot + 1);
        Tensor t = workspaces[slot];
        if (t == null || t.dtype() != dtype || !hasShape(t, shape)) {
            t = Tensor.zeros(Scope.global(), dtype, shape);
            workspaces[slot] = t;
        }
        return t;
    }

    /** A forward output: the workspace {@code slot} in training mode, a new tensor in the current scope in eval mode. */
    protected final Tensor output(int slot, DType dtype, int... shape) {
        return training ? workspace(slot, dtype, shape) : Tensor.zeros(Scope.current(), dtype, shape);
    }

    static boolean hasShape(Tensor t, int[] shape) {
        if (t.rank() != shape.length) return false;
        for (int i = 0; i < shape.length; i++) if (t.dim(i) != shape[i]) return false;
        return true;
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
