package dev.vectorgrad.autograd;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.util.function.Function;

/**
 * Numerical gradient check in float64, as PyTorch's gradcheck: every element of the Jacobian from central
 * differences (eps 1e-6) is compared with the one from backward (one backward per output element), passing when
 * |analytical - numerical| <= atol + rtol * |numerical| (atol 1e-5, rtol 1e-3). Also checks that a zero upstream
 * gradient gives zero gradients. Inputs are copied to F64 params; the caller's tensors are not modified.
 */
public final class GradCheck {
    public static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

    private GradCheck() {}

    /** The worst Jacobian element found (excess > 0 means a failure). */
    public record Result(int input, int[] inputShape, long inputIndex, long outputIndex, double analytical, double numerical,
                         double excess, long elementsChecked) {
        @Override
        public String toString() {
            return "worst element: input " + input + " of shape " + Shapes.str(inputShape) + ", input element " + inputIndex
                    + " " + java.util.Arrays.toString(unravel(inputIndex, inputShape)) + ", output element " + outputIndex + ": analytical " + analytical + " vs numerical " + numerical
                    + " (excess over atol+rtol*|num| " + excess + ", " + elementsChecked + " elements checked)";
        }
    }

    static int[] unravel(long flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) return idx;
            idx[d] = (int) (flat % shape[d]);
            flat /= shape[d];
        }
        return idx;
    }

    /** Throws AssertionError naming the worst element when any Jacobian element (or the zero-upstream check) fails. */
    public static Result check(Function<Var[], Var> fn, Tensor... inputs) {
        return check(fn, EPS, ATOL, RTOL, inputs);
    }

    public static Result check(Function<Var[], Var> fn, double eps, double atol, double rtol, Tensor... inputs) {
        try (Scope scope = Scope.open()) {
            Tensor[] x = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                if (!inputs[i].dtype().isFloating()) {
                    throw new IllegalArgumentException("gradcheck inputs must be floating point; input " + i + " is "
                            + inputs[i].dtype() + " of shape " + Shapes.str(inputs[i].shape()) + " (capture index tensors in fn)");
                }
                x[i] = Tensor.zeros(scope, DType.F64, inputs[i].shape());
                dev.vectorgrad.kernels.Ops.copyInto(inputs[i], x[i]);
            }
            // Analytical Jacobian: one forward (graph retained), one backward per output element.
            Var[] params = new Var[x.length];
            for (int i = 0; i < x.length; i++) params[i] = Var.param(x[i]);
            Var out = fn.apply(params);
            if (out.data().dtype() != DType.F64) {
                throw new IllegalStateException("gradcheck: fn returned " + out.data().dtype() + "; it must compute in F64");
            }
            long nOut = out.data().numel();
            double[][][] analytical = new double[x.length][][];
            for (int i = 0; i < x.length; i++) analytical[i] = new double[(int) nOut][];
            if (out.requiresGrad()) {
                for (long o = 0; o < nOut; o++) {
                    try (Scope step = Scope.open()) {
                        for (Var p : params) p.zeroGrad();
                        Tensor up = Tensor.zeros(step, DType.F64, out.shape());
                        up.setFlat(o, 1.0);
                        out.backward(up, true);
                        for (int i = 0; i < x.length; i++) {
                            Tensor g = params[i].grad();
                            analytical[i][(int) o] = g == null ? new double[(int) x[i].numel()] : g.toDoubleArray();
                        }
                    }
                }
                // A zero upstream gradient must give zero gradients.
                try (Scope step = Scope.open()) {
                    for (Var p : params) p.zeroGrad();
                    out.backward(Tensor.zeros(step, DType.F64, out.shape()), true);
                    for (int i = 0; i < x.length; i++) {
                        Tensor g = params[i].grad();
                        if (g == null) continue;
                        double[] gv = g.toDoubleArray();
                        for (int e = 0; e < gv.length; e++) {
                            if (gv[e] != 0.0) {
                                throw new AssertionError("gradcheck of op " + out.op() + ": zero upstream gradient gave gradient " + gv[e]
                                        + " at element " + e + " of input " + i + " of shape " + Shapes.str(x[i].shape()));
                            }
                        }
                    }
                }
            } else {
                for (int i = 0; i < x.length; i++) for (int o = 0; o < nOut; o++) analytical[i][o] = new double[(int) x[i].numel()];
            }
            // Numerical Jacobian by central differences, evaluated without recording.
            Result worst = null;
            long checked = 0;
            for (int i = 0; i < x.length; i++) {
                long n = x[i].numel();
                for (long e = 0; e < n; e++) {
                    double orig = x[i].getFlat(e);
                    x[i].setFlat(e, orig + eps);
                    double[] plus = eval(fn, x);
                    x[i].setFlat(e, orig - eps);
                    double[] minus = eval(fn, x);
                    x[i].setFlat(e, orig);
                    for (int o = 0; o < nOut; o++) {
                        double num = (plus[o] - minus[o]) / (2 * eps);
                        double ana = analytical[i][o][(int) e];
                        double excess = Math.abs(ana - num) - (atol + rtol * Math.abs(num));
                        if (Double.isNaN(ana) || Double.isNaN(num)) excess = Double.POSITIVE_INFINITY;
                        checked++;
                        if (worst == null || excess > worst.excess()) {
                            worst = new Result(i, x[i].shape(), e, o, ana, num, excess, 0);
                        }
                    }
                }
            }
            if (worst == null) return new Result(-1, new int[0], -1, -1, 0, 0, Double.NEGATIVE_INFINITY, 0);
            Result r = new Result(worst.input(), worst.inputShape(), worst.inputIndex(), worst.outputIndex(), worst.analytical(),
                    worst.numerical(), worst.excess(), checked);
            if (r.excess() > 0) {
                throw new AssertionError("gradcheck of op " + out.op() + " (output shape " + Shapes.str(out.shape()) + ") failed: " + r);
            }
            return r;
        }
    }

    private static double[] eval(Function<Var[], Var> fn, Tensor[] x) {
        try (Scope s = Scope.open(); NoGrad g = NoGrad.enter()) {
            Var[] c = new Var[x.length];
            for (int i = 0; i < x.length; i++) c[i] = Var.of(x[i]);
            Tensor out = fn.apply(c).data();
            return out.contiguous().toDoubleArray();
        }
    }
}
