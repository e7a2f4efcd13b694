package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API backend: the default fast path. Loaded only by {@link Backends} after checking that
 * jdk.incubator.vector is readable. Elementwise, reduction and softmax kernels live here; GEMM in
 * {@link VectorGemm}, convolution and pooling in {@link VectorConv}, losses, fused activations and optimizer
 * updates in {@link VectorTraining}. Anything not vectorised is inherited from {@link ScalarKernels}.
 */
public class VectorKernels extends ScalarKernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    @Override
    public String name() { return "vector"; }

    // ------------------------------------------------------------------ elementwise, reductions, softmax (VectorElementwise)
    // Each VectorElementwise method returns false for layouts it does not vectorise; those run the scalar spec.

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        if (!VectorElementwise.unary(op, x, out)) super.unary(op, x, out);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (!VectorElementwise.binary(op, a, b, out)) super.binary(op, a, b, out);
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor a, double s, Tensor out) {
        if (!VectorElementwise.binaryScalar(op, a, s, out)) super.binaryScalar(op, a, s, out);
    }

    @Override
    public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        if (!VectorElementwise.compare(op, a, b, out)) super.compare(op, a, b, out);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        if (!VectorElementwise.where(cond, a, b, out)) super.where(cond, a, b, out);
    }

    @Override
    public void fill(Tensor out, double v) {
        if (!VectorElementwise.fill(out, v)) super.fill(out, v);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (!VectorElementwise.copy(src, dst)) super.copy(src, dst);
    }

    @Override
    public void reduce(ReduceOp op, Tensor x, int axis, Tensor out) {
        if (!VectorElementwise.reduce(op, x, axis, out)) super.reduce(op, x, axis, out);
    }

    @Override
    public double reduceAll(ReduceOp op, Tensor x) {
        return VectorElementwise.reduceAllSupported(x) ? VectorElementwise.reduceAll(op, x) : super.reduceAll(op, x);
    }

    @Override
    public void softmax(Tensor x, int axis, Tensor out) {
        if (!VectorElementwise.softmax(x, axis, out, false)) super.softmax(x, axis, out);
    }

    @Override
    public void logSoftmax(Tensor x, int axis, Tensor out) {
        if (!VectorElementwise.softmax(x, axis, out, true)) super.logSoftmax(x, axis, out);
    }

    // ------------------------------------------------------------------ GEMM (VectorGemm)

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        VectorGemm.gemm(this, alpha, a, b, beta, c);
    }

    @Override
    public void gemmBatched(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        VectorGemm.batched(this, alpha, a, b, beta, c);
    }

    // ------------------------------------------------------------------ convolution and pooling (VectorConv)

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) {
        VectorConv.conv2d(this, x, w, bias, spec, out);
    }

    @Override
    public void conv2dBackwardData(Tensor gradOut, Tensor w, Conv2dSpec spec, Tensor gradIn) {
        VectorConv.conv2dBackwardData(this, gradOut, w, spec, gradIn);
    }

    @Override
    public void conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dSpec spec, Tensor gradW, Tensor gradBias) {
        VectorConv.conv2dBackwardWeight(this, x, gradOut, spec, gradW, gradBias);
    }

    @Override
    public void maxPool2d(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax) {
        VectorConv.maxPool2d(this, x, spec, out, argmax);
    }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor argmax, Pool2dSpec spec, Tensor gradIn) {
        VectorConv.maxPool2dBackward(this, gradOut, argmax, spec, gradIn);
    }

    @Override
    public void avgPool2d(Tensor x, Pool2dSpec spec, Tensor out) {
        VectorConv.avgPool2d(this, x, spec, out);
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, Pool2dSpec spec, Tensor gradIn) {
        VectorConv.avgPool2dBackward(this, gradOut, spec, gradIn);
    }

    // ------------------------------------------------------------------ losses, activations, optimizers (VectorTraining)

    @Override
    public void biasActivation(Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) {
        VectorTraining.biasActivation(this, x, bias, channelAxis, act, out);
    }

    @Override
    public void activationBackward(Activation act, Tensor y, Tensor gradOut, Tensor gradIn) {
        VectorTraining.activationBackward(this, act, y, gradOut, gradIn);
    }

    @Override
    public double softmaxCrossEntropy(Tensor logits, Tensor labels, Reduction r, Tensor grad) {
        return VectorTraining.softmaxCrossEntropy(this, logits, labels, r, grad);
    }

    @Override
    public double softmaxCrossEntropyProbs(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        return VectorTraining.softmaxCrossEntropyProbs(this, logits, targets, r, grad);
    }

    @Override
    public double bceWithLogits(Tensor logits, Tensor targets, Reduction r, Tensor grad) {
        return VectorTraining.bceWithLogits(this, logits, targets, r, grad);
    }

    @Override
    public double mse(Tensor pred, Tensor target, Reduction r, Tensor grad) {
        return VectorTraining.mse(this, pred, target, r, grad);
    }

    @Override
    public void sgdUpdate(Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) {
        VectorTraining.sgdUpdate(this, p, g, buf, s);
    }

    @Override
    public void adamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, OptimizerSteps.Adam s) {
        VectorTraining.adamUpdate(this, p, g, m, v, s);
    }

    @Override
    public void rmsPropUpdate(Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) {
        VectorTraining.rmsPropUpdate(this, p, g, sq, buf, s);
    }

    @Override
    public void adadeltaUpdate(Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) {
        VectorTraining.adadeltaUpdate(this, p, g, sq, acc, s);
    }

    // ------------------------------------------------------------------ scalar fallbacks for the helper classes

    /** The scalar implementations, reachable from VectorGemm/VectorConv/VectorTraining for cases they decline. */
    void scalarGemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) { super.gemm(alpha, a, b, beta, c); }
    void scalarConv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) { super.conv2d(x, w, bias, spec, out); }
    void scalarConv2dBackwardData(Tensor gradOut, Tensor w, Conv2dSpec spec, Tensor gradIn) { super.conv2dBackwardData(gradOut, w, spec, gradIn); }
    void scalarConv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dSpec spec, Tensor gradW, Tensor gradBias) { super.conv2dBackwardWeight(x, gradOut, spec, gradW, gradBias); }
    void scalarMaxPool2d(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax) { super.maxPool2d(x, spec, out, argmax); }
    void scalarMaxPool2dBackward(Tensor gradOut, Tensor argmax, Pool2dSpec spec, Tensor gradIn) { super.maxPool2dBackward(gradOut, argmax, spec, gradIn); }
    void scalarAvgPool2d(Tensor x, Pool2dSpec spec, Tensor out) { super.avgPool2d(x, spec, out); }
    void scalarAvgPool2dBackward(Tensor gradOut, Pool2dSpec spec, Tensor gradIn) { super.avgPool2dBackward(gradOut, spec, gradIn); }
    void scalarBiasActivation(Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) { super.biasActivation(x, bias, channelAxis, act, out); }
    void scalarActivationBackward(Activation act, Tensor y, Tensor gradOut, Tensor gradIn) { super.activationBackward(act, y, gradOut, gradIn); }
    double scalarSoftmaxCrossEntropy(Tensor logits, Tensor labels, Reduction r, Tensor grad) { return super.softmaxCrossEntropy(logits, labels, r, grad); }
    double scalarSoftmaxCrossEntropyProbs(Tensor logits, Tensor targets, Reduction r, Tensor grad) { return super.softmaxCrossEntropyProbs(logits, targets, r, grad); }
    double scalarBceWithLogits(Tensor logits, Tensor targets, Reduction r, Tensor grad) { return super.bceWithLogits(logits, targets, r, grad); }
    double scalarMse(Tensor pred, Tensor target, Reduction r, Tensor grad) { return super.mse(pred, target, r, grad); }
    void scalarSgdUpdate(Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) { super.sgdUpdate(p, g, buf, s); }
    void scalarAdamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, OptimizerSteps.Adam s) { super.adamUpdate(p, g, m, v, s); }
    void scalarRmsPropUpdate(Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) { super.rmsPropUpdate(p, g, sq, buf, s); }
    void scalarAdadeltaUpdate(Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) { super.adadeltaUpdate(p, g, sq, acc, s); }
}
