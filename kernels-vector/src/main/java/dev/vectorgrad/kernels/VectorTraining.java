package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;

/** Vector API losses, fused bias+activation and optimizer updates (issue 4). Until written, the scalar oracle runs. */
final class VectorTraining {
    private VectorTraining() {}

    static void biasActivation(VectorKernels k, Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out) { k.scalarBiasActivation(x, bias, channelAxis, act, out); }
    static void activationBackward(VectorKernels k, Activation act, Tensor y, Tensor gradOut, Tensor gradIn) { k.scalarActivationBackward(act, y, gradOut, gradIn); }
    static double softmaxCrossEntropy(VectorKernels k, Tensor logits, Tensor labels, Reduction r, Tensor grad) { return k.scalarSoftmaxCrossEntropy(logits, labels, r, grad); }
    static double softmaxCrossEntropyProbs(VectorKernels k, Tensor logits, Tensor targets, Reduction r, Tensor grad) { return k.scalarSoftmaxCrossEntropyProbs(logits, targets, r, grad); }
    static double bceWithLogits(VectorKernels k, Tensor logits, Tensor targets, Reduction r, Tensor grad) { return k.scalarBceWithLogits(logits, targets, r, grad); }
    static double mse(VectorKernels k, Tensor pred, Tensor target, Reduction r, Tensor grad) { return k.scalarMse(pred, target, r, grad); }
    static void sgdUpdate(VectorKernels k, Tensor p, Tensor g, Tensor buf, OptimizerSteps.Sgd s) { k.scalarSgdUpdate(p, g, buf, s); }
    static void adamUpdate(VectorKernels k, Tensor p, Tensor g, Tensor m, Tensor v, OptimizerSteps.Adam s) { k.scalarAdamUpdate(p, g, m, v, s); }
    static void rmsPropUpdate(VectorKernels k, Tensor p, Tensor g, Tensor sq, Tensor buf, OptimizerSteps.RmsProp s) { k.scalarRmsPropUpdate(p, g, sq, buf, s); }
    static void adadeltaUpdate(VectorKernels k, Tensor p, Tensor g, Tensor sq, Tensor acc, OptimizerSteps.Adadelta s) { k.scalarAdadeltaUpdate(p, g, sq, acc, s); }
}
