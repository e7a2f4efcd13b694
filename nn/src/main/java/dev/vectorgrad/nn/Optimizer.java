package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.OptimizerSteps;
import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Optimizers over {@link Parameter}s with PyTorch's torch.optim semantics, each step one fused kernel call per
 * parameter ({@link Ops#sgdUpdate} and friends). State tensors live in the parameter's scope.
 */
public abstract class Optimizer {
    protected final List<Parameter> params;
    protected double lr;
    protected long steps;

    protected Optimizer(List<Parameter> params, double lr) {
        if (!(lr >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    public double lr() { return lr; }

    public void setLr(double lr) { this.lr = lr; }

    public long stepCount() { return steps; }

    public List<Parameter> params() { return params; }

    /** One update of every parameter from its gradient. */
    public void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) update(i, params.get(i));
    }

    public void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }

    protected abstract void update(int index, Parameter p);

    protected static Tensor state(Parameter p) {
        return Tensor.zeros(p.data().scope(), p.data().dtype(), p.data().shape());
    }

    // ------------------------------------------------------------------ the optimizers

    public static Sgd sgd(List<Parameter> ps, double lr) { return new Sgd(ps, lr, 0, false, 0); }

    public static Adam adam(List<Parameter> ps, double lr) { return new Adam(ps, lr, 0.9, 0.999, 1e-8, 0, false); }

    public static Adam adamW(List<Parameter> ps, double lr, double weightDecay) { return new Adam(ps, lr, 0.9, 0.999, 1e-8, weightDecay, true); }

    public static final class Sgd extends Optimizer {
        private final double momentum, weightDecay;
        private final boolean nesterov;
        private final List<Tensor> bufs = new ArrayList<>();

        public Sgd(List<Parameter> ps, double lr, double momentum, boolean nesterov, double weightDecay) {
            super(ps, lr);
            if (nesterov && momentum <= 0) throw new IllegalArgumentException("nesterov momentum needs momentum > 0, got " + momentum);
            this.momentum = momentum;
            this.nesterov = nesterov;
            this.weightDecay = weightDecay;
            for (Parameter p : params) bufs.add(momentum != 0 ? state(p) : null);
        }

        @Override
        protected void update(int i, Parameter p) {
            // PyTorch initialises the momentum buffer with the first gradient (no dampening on step 1), which the
            // kernel reproduces when given dampening 0 on the first step and a zero buffer.
            Ops.sgdUpdate(p.data(), p.grad(), bufs.get(i), new OptimizerSteps.Sgd(lr, momentum, 0, nesterov, weightDecay));
        }
    }

    public static final class Adam extends Optimizer {
        private final double beta1, beta2, eps, weightDecay;
        private final boolean decoupled;
        private final List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();

        public Adam(List<Parameter> ps, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
            super(ps, lr);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
            this.decoupled = decoupled;
            for (Parameter p : params) { m.add(state(p)); v.add(state(p)); }
        }

        @Override
        protected void update(int i, Parameter p) {
            Ops.adamUpdate(p.data(), p.grad(), m.get(i), v.get(i), new OptimizerSteps.Adam(lr, beta1, beta2, eps, weightDecay, decoupled, steps));
        }
    }

    public static final class RmsProp extends Optimizer {
        private final double alpha, eps, momentum, weightDecay;
        private final List<Tensor> sq = new ArrayList<>(), buf = new ArrayList<>();

        public RmsProp(List<Parameter> ps, double lr, double alpha, double eps, double momentum, double weightDecay) {
            super(ps, lr);
            this.alpha = alpha;
            this.eps = eps;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
            for (Parameter p : params) { sq.add(state(p)); buf.add(momentum != 0 ? state(p) : null); }
        }

        public RmsProp(List<Parameter> ps, double lr) { this(ps, lr, 0.99, 1e-8, 0, 0); }

        @Override
        protected void update(int i, Parameter p) {
            Ops.rmsPropUpdate(p.data(), p.grad(), sq.get(i), buf.get(i), new OptimizerSteps.RmsProp(lr, alpha, eps, momentum, weightDecay));
        }
    }

    public static final class Adadelta extends Optimizer {
        private final double rho, eps, weightDecay;
        private final List<Tensor> sq = new ArrayList<>(), acc = new ArrayList<>();

        public Adadelta(List<Parameter> ps, double lr, double rho, double eps, double weightDecay) {
            super(ps, lr);
            this.rho = rho;
            this.eps = eps;
            this.weightDecay = weightDecay;
            for (Parameter p : params) { sq.add(state(p)); acc.add(state(p)); }
        }

        public Adadelta(List<Parameter> ps, double lr) { this(ps, lr, 0.9, 1e-6, 0); }

        @Override
        protected void update(int i, Parameter p) {
            Ops.adadeltaUpdate(p.data(), p.grad(), sq.get(i), acc.get(i), new OptimizerSteps.Adadelta(lr, rho, eps, weightDecay));
        }
    }

    // ------------------------------------------------------------------ gradient utilities

    /** Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
    public static double clipGradNorm(List<Parameter> ps, double maxNorm) {
        double sq = 0;
        for (Parameter p : ps) {
            Tensor g = p.grad();
            long n = g.numel();
            for (long i = 0; i < n; i++) { double v = g.getFlat(i); sq += v * v; }
        }
        double norm = Math.sqrt(sq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Parameter p : ps) Ops.binaryInto(dev.vectorgrad.kernels.BinaryOp.MUL, p.grad(), coef, p.grad());
        }
        return norm;
    }

    /** Clamps every gradient element to [-clip, clip]. */
    public static void clipGradValue(List<Parameter> ps, double clip) {
        for (Parameter p : ps) {
            Tensor g = p.grad();
            long n = g.numel();
            for (long i = 0; i < n; i++) g.setFlat(i, Math.max(-clip, Math.min(clip, g.getFlat(i))));
        }
    }

    /** L2 penalty: adds lambda * p to each gradient and returns lambda/2 * sum(p^2) (add it to the loss). */
    public static double l2Penalty(List<Parameter> ps, double lambda) {
        double sum = 0;
        for (Parameter p : ps) {
            long n = p.data().numel();
            for (long i = 0; i < n; i++) {
                double w = p.data().getFlat(i);
                sum += w * w;
                p.grad().setFlat(i, p.grad().getFlat(i) + lambda * w);
            }
        }
        return 0.5 * lambda * sum;
    }

    /** L1 penalty: adds lambda * sign(p) to each gradient and returns lambda * sum|p|. */
    public static double l1Penalty(List<Parameter> ps, double lambda) {
        double sum = 0;
        for (Parameter p : ps) {
            long n = p.data().numel();
            for (long i = 0; i < n; i++) {
                double w = p.data().getFlat(i);
                sum += Math.abs(w);
                p.grad().setFlat(i, p.grad().getFlat(i) + lambda * Math.signum(w));
            }
        }
        return lambda * sum;
    }
}
