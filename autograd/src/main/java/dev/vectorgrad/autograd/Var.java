package dev.vectorgrad.autograd;

import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A differentiable value: a {@link Tensor} plus, for results of recorded ops, the op name, its inputs and what
 * the forward saved for the backward. Leaves made by {@link #param} require gradients; their gradient tensor is
 * allocated once in the leaf's own scope and accumulates across {@link #backward} calls until {@link #zeroGrad}.
 * Intermediate tensors and gradients live in {@link Scope#current()}.
 */
public final class Var {
    private static final Var[] LEAF = new Var[0];

    private final Tensor data;
    private final boolean requiresGrad;
    private final String op;
    private Var[] inputs;
    private Object[] saved;
    private boolean released;
    private Tensor grad;

    private Var(Tensor data, boolean requiresGrad, String op, Var[] inputs, Object[] saved) {
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.op = op;
        this.inputs = inputs;
        this.saved = saved;
    }

    /** A constant (no gradient). */
    public static Var of(Tensor data) {
        return new Var(data.checkAlive(), false, "const", LEAF, null);
    }

    /** A leaf that requires a gradient (a parameter or an input being differentiated). */
    public static Var param(Tensor data) {
        data.checkAlive();
        if (!data.dtype().isFloating()) {
            throw new IllegalArgumentException("only floating-point tensors can require gradients, got " + data.dtype()
                    + " of shape " + Shapes.str(data.shape()));
        }
        return new Var(data, true, "param", LEAF, null);
    }

    /** Result of an op; records a node only when some input requires grad and grad mode is on. */
    static Var node(String op, Tensor out, Object[] saved, Var... inputs) {
        boolean rg = false;
        if (NoGrad.isGradEnabled()) {
            for (Var v : inputs) if (v != null && v.requiresGrad) { rg = true; break; }
        }
        if (!rg) return new Var(out, false, op, LEAF, null);
        return new Var(out, true, op, inputs.clone(), saved);
    }

    public Tensor data() { return data; }

    /** The accumulated gradient of a leaf, or null before any backward reached it. */
    public Tensor grad() { return grad; }

    public boolean requiresGrad() { return requiresGrad; }

    /** The op that produced this value ("param", "const" for leaves). */
    public String op() { return op; }

    public int[] shape() { return data.shape(); }

    /** The value of a one-element result (a loss). */
    public double item() { return data.item(); }

    public boolean isLeaf() { return inputs.length == 0 && !released; }

    /** Inputs of this node (empty for leaves). */
    public Var input(int i) { return inputs[i]; }

    public int inputCount() { return inputs.length; }

    /** The i-th object saved by the forward for the backward. */
    @SuppressWarnings("unchecked")
    public <T> T saved(int i) { return (T) saved[i]; }

    /** The same data as a constant, cut from the graph. */
    public Var detach() { return of(data); }

    /**
     * Sets the accumulated gradient to zero in place, keeping its tensor (a long-lived leaf scope would otherwise
     * grow by one gradient per step). Before the first backward the gradient stays null.
     */
    public void zeroGrad() {
        if (grad != null) Ops.fill(grad, 0.0);
    }

    // ------------------------------------------------------------------ backward

    /** Backward from a one-element output with seed 1; frees the graph. */
    public void backward() { backward(false); }

    public void backward(boolean retainGraph) {
        if (data.numel() != 1) {
            throw new IllegalArgumentException("backward() without an upstream gradient needs a one-element output, got shape "
                    + Shapes.str(data.shape()) + " from op " + op + "; pass the upstream gradient");
        }
        Tensor seed = Tensor.zeros(Scope.current(), data.dtype(), data.shape());
        Ops.fill(seed, 1.0);
        backward(seed, retainGraph);
    }

    public void backward(Tensor upstream) { backward(upstream, false); }

    public void backward(Tensor upstream, boolean retainGraph) {
        upstream.checkAlive();
        if (!requiresGrad) {
            throw new IllegalStateException("backward on a value of op " + op + " that does not require grad"
                    + " (no input is a param, or it was computed under NoGrad)");
        }
        if (released) throw releasedError(this);
        Shapes.checkSame("backward upstream gradient for op " + op, data.shape(), upstream.shape());
        if (upstream.dtype() != data.dtype()) {
            throw new IllegalArgumentException("backward upstream gradient has dtype " + upstream.dtype() + " but op " + op
                    + " produced " + data.dtype());
        }
        List<Var> order = topoOrder(this);
        Map<Var, Tensor> grads = new IdentityHashMap<>();
        grads.put(this, upstream);
        try (var g = NoGrad.enter()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Var v = order.get(i);
                Tensor gv = grads.remove(v);
                if (gv == null) continue;
                if (v.inputs.length == 0) {
                    v.accumulate(gv);
                    continue;
                }
                BackwardRule rule = F.RULES.get(v.op);
                if (rule == null) throw new UnsupportedOperationException("no gradient rule for op '" + v.op + "'");
                Tensor[] gi = rule.backward(v, gv);
                if (gi.length != v.inputs.length) {
                    throw new IllegalStateException("gradient rule of op " + v.op + " returned " + gi.length
                            + " gradients for " + v.inputs.length + " inputs");
                }
                for (int k = 0; k < gi.length; k++) {
                    Var in = v.inputs[k];
                    if (in == null || !in.requiresGrad || gi[k] == null) continue;
                    if (!Arrays.equals(gi[k].shape(), in.data.shape())) {
                        throw new IllegalStateException("gradient rule of op " + v.op + " gave input " + k + " a gradient of shape "
                                + Shapes.str(gi[k].shape()) + " for an input of shape " + Shapes.str(in.data.shape()));
                    }
                    Tensor prev = grads.get(in);
                    grads.put(in, prev == null ? gi[k] : Ops.add(prev, gi[k]));
                }
            }
        }
        if (!retainGraph) {
            for (Var v : order) {
                if (v.inputs.length > 0) {
                    v.inputs = LEAF;
                    v.saved = null;
                    v.released = true;
                }
            }
        }
    }

    private static IllegalStateException releasedError(Var v) {
        return new IllegalStateException("the graph through op " + v.op + " was already freed by a backward;"
                + " call backward(true) (retainGraph) to backward through it again");
    }

    private void accumulate(Tensor g) {
        if (grad == null) {
            grad = Tensor.zeros(data.scope(), data.dtype(), data.shape());
        }
        Ops.binaryInto(BinaryOp.ADD, grad, g, grad);
    }

    /** Nodes reachable from root that require grad, in topological order (inputs before users); iterative DFS. */
    private static List<Var> topoOrder(Var root) {
        List<Var> order = new ArrayList<>();
        Map<Var, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Var> stack = new ArrayDeque<>();
        ArrayDeque<Integer> next = new ArrayDeque<>();
        stack.push(root);
        next.push(0);
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Var v = stack.peek();
            int i = next.pop();
            if (v.released) throw releasedError(v);
            if (i < v.inputs.length) {
                next.push(i + 1);
                Var in = v.inputs[i];
                if (in != null && in.requiresGrad && visited.putIfAbsent(in, Boolean.TRUE) == null) {
                    stack.push(in);
                    next.push(0);
                }
            } else {
                stack.pop();
                order.add(v);
            }
        }
        return order;
    }

    @Override
    public String toString() {
        return "Var(" + op + ", shape=" + Shapes.str(data.shape()) + (requiresGrad ? ", requiresGrad" : "") + ")";
    }
}
