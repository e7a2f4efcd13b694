package dev.vectorgrad.nn;

import dev.vectorgrad.autograd.NoGrad;
import dev.vectorgrad.autograd.Var;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer written with the autograd ops ({@link dev.vectorgrad.autograd.F}) instead of a hand-written backward:
 * the body maps the input and the named parameters to the output; backward replays the recorded graph and adds
 * the parameter gradients into the {@link Parameter}s. In eval mode the body runs under {@link NoGrad}.
 */
public class AutogradModule extends Module {
    /** The layer's computation. */
    @FunctionalInterface
    public interface Body {
        Var apply(Var x, Map<String, Var> params);
    }

    private final Body body;
    private Var input, output;
    private Map<String, Var> leaves;

    public AutogradModule(Body body) { this.body = body; }

    /** Registers a trainable tensor under {@code name}, available to the body as params.get(name). */
    public AutogradModule parameter(String name, Tensor data) {
        registerParameter(name, data);
        return this;
    }

    private Map<String, Parameter> own() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (var e : namedParameters().entrySet()) if (!e.getKey().contains(".")) out.put(e.getKey(), e.getValue());
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!training) {
            try (NoGrad ng = NoGrad.enter()) {
                Map<String, Var> ps = new LinkedHashMap<>();
                for (var e : own().entrySet()) ps.put(e.getKey(), Var.of(e.getValue().data()));
                return body.apply(Var.of(x), ps).data();
            }
        }
        Map<String, Var> ps = new LinkedHashMap<>();
        for (var e : own().entrySet()) ps.put(e.getKey(), Var.param(e.getValue().data()));
        Var xv = needsInputGrad() ? Var.param(x) : Var.of(x);
        Var y = body.apply(xv, ps);
        input = xv;
        output = y;
        leaves = ps;
        return y.data();
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(output, "AutogradModule");
        if (output.requiresGrad()) {
            output.backward(g);
            for (var e : own().entrySet()) {
                Tensor pg = leaves.get(e.getKey()).grad();
                if (pg != null) Ops.binaryInto(BinaryOp.ADD, e.getValue().grad(), pg, e.getValue().grad());
            }
        }
        Tensor gIn = needsInputGrad() ? input.grad() : null;
        if (needsInputGrad() && gIn == null) gIn = Tensor.zeros(dev.vectorgrad.tensor.Scope.current(), g.dtype(), input.shape());
        input = output = null;
        leaves = null;
        return gIn;
    }
}
