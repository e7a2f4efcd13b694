package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;

/**
 * Base for a backend that implements some ops and hands every other call to the next backend in the chain.
 * Override what you implement; call {@code next.op(...)} from an override to decline for particular arguments.
 */
public abstract class ForwardingKernels implements Kernels {
    protected final Kernels next;

    protected ForwardingKernels(Kernels next) {
        this.next = next;
    }

    public Kernels next() { return next; }

    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { next.unary(op, x, out); }
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { next.binary(op, a, b, out); }
    @Override public void binaryScalar(BinaryOp op, Tensor a, double s, Tensor out) { next.binaryScalar(op, a, s, out); }
    @Override public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) { next.compare(op, a, b, out); }
    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) { next.where(cond, a, b, out); }
    @Override public void fill(Tensor out, double v) { next.fill(out, v); }
    @Override public void copy(Tensor src, Tensor dst) { next.copy(src, dst); }
    @Override public void reduce(ReduceOp op, Tensor x, int axis, Tensor out) { next.reduce(op, x, axis, out); }
    @Override public double reduceAll(ReduceOp op, Tensor x) { return next.reduceAll(op, x); }
    @Override public void softmax(Tensor x, int axis, Tensor out) { next.softmax(x, axis, out); }
    @Override public void logSoftmax(Tensor x, int axis, Tensor out) { next.logSoftmax(x, axis, out); }
    @Override public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) { next.gemm(alpha, a, b, beta, c); }
    @Override public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) { next.conv2d(x, w, bias, spec, out); }
    @Override public void conv2dBackwardData(Tensor gradOut, Tensor w, Conv2dSpec spec, Tensor gradIn) { next.conv2dBackwardData(gradOut, w, spec, gradIn); }
    @Override public void conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dSpec spec, Tensor gradW, Tensor gradBias) { next.conv2dBackwardWeight(x, gradOut, spec, gradW, gradBias); }
    @Override public void maxPool2d(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax) { next.maxPool2d(x, spec, out, argmax); }
    @Override public void maxPool2dBackward(Tensor gradOut, Tensor argmax, Pool2dSpec spec, Tensor gradIn) { next.maxPool2dBackward(gradOut, argmax, spec, gradIn); }
    @Override public void avgPool2d(Tensor x, Pool2dSpec spec, Tensor out) { next.avgPool2d(x, spec, out); }
    @Override public void avgPool2dBackward(Tensor gradOut, Pool2dSpec spec, Tensor gradIn) { next.avgPool2dBackward(gradOut, spec, gradIn); }
    @Override public void biasActivation(Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) { next.biasActivation(x, bias, channelAxis, act, out); }
    @Override public void activationBackward(Activation act, Tensor y, Tensor gradOut, Tensor gradIn) { next.activationBackward(act, y, gradOut, gradIn); }
    @Override public double softmaxCrossEntropy(Tensor logits, Tensor labels, Reduction r, Tensor grad) { return next.softmaxCrossEntropy(logits, labels, r, grad); }
    @Override public double softmaxCrossEntropyProbs(Tensor logits, Tensor targets, Reduction r, Tensor grad) { return next.softmaxCrossEntropyProbs(logits, targets, r, grad); }
    @Override public double bceWithLogits(Tensor logits, Tensor targets, Reduction r, Tensor grad) { return next.bceWithLogits(logits, targets, r, grad); }
    @Override public double mse(Tensor pred, Tensor target, Reduction r, Tensor grad) { return next.mse(pred, target, r, grad); }
    @Override public void sgdUpdate(Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) { next.sgdUpdate(p, g, buf, s); }
    @Override public void adamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, OptimizerSteps.Adam s) { next.adamUpdate(p, g, m, v, s); }
    @Override public void rmsPropUpdate(Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) { next.rmsPropUpdate(p, g, sq, buf, s); }
    @Override public void adadeltaUpdate(Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) { next.adadeltaUpdate(p, g, sq, acc, s); }
}
