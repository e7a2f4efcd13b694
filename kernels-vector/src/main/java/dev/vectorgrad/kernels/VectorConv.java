package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;

/** Vector API convolution and pooling (issue 4). Until they are written, the scalar oracle runs. */
final class VectorConv {
    private VectorConv() {}

    static void conv2d(VectorKernels k, Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) { k.scalarConv2d(x, w, bias, spec, out); }
    static void conv2dBackwardData(VectorKernels k, Tensor gradOut, Tensor w, Conv2dSpec spec, Tensor gradIn) { k.scalarConv2dBackwardData(gradOut, w, spec, gradIn); }
    static void conv2dBackwardWeight(VectorKernels k, Tensor x, Tensor gradOut, Conv2dSpec spec, Tensor gradW, Tensor gradBias) { k.scalarConv2dBackwardWeight(x, gradOut, spec, gradW, gradBias); }
    static void maxPool2d(VectorKernels k, Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax) { k.scalarMaxPool2d(x, spec, out, argmax); }
    static void maxPool2dBackward(VectorKernels k, Tensor gradOut, Tensor argmax, Pool2dSpec spec, Tensor gradIn) { k.scalarMaxPool2dBackward(gradOut, argmax, spec, gradIn); }
    static void avgPool2d(VectorKernels k, Tensor x, Pool2dSpec spec, Tensor out) { k.scalarAvgPool2d(x, spec, out); }
    static void avgPool2dBackward(VectorKernels k, Tensor gradOut, Pool2dSpec spec, Tensor gradIn) { k.scalarAvgPool2dBackward(gradOut, spec, gradIn); }
}
