package dev.vectorgrad.kernels;

/** Hyper-parameters of one fused optimizer update; semantics follow PyTorch's torch.optim classes. */
public final class OptimizerSteps {
    private OptimizerSteps() {}

    /** SGD: weightDecay is L2 added to the gradient; momentum buffer used when momentum != 0. */
    public record Sgd(double lr, double momentum, double dampening, boolean nesterov, double weightDecay) {}

    /** Adam (decoupled=false: L2 in the gradient) or AdamW (decoupled=true); step counts from 1. */
    public record Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled, long step) {}

    /** RMSprop (not centered); momentum buffer used when momentum != 0. */
    public record RmsProp(double lr, double alpha, double eps, double momentum, double weightDecay) {}

    /** Adadelta. */
    public record Adadelta(double lr, double rho, double eps, double weightDecay) {}
}
