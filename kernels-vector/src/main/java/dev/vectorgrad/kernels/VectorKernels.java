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

    // ------------------------------------------------------------------ GEMM (VectorGemm)

    @Override
    public void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        VectorGemm.gemm(this, alpha, a, b, beta, c);
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
