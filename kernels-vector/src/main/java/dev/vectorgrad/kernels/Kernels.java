package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Tensor;

/**
 * The primitive kernels every backend implements. {@link ScalarKernels} is the specification; other backends
 * must agree with it (within a documented tolerance) on every shape, including loop tails.
 *
 * <p>Callers ({@link Ops}) validate shapes, dtypes and liveness and allocate outputs; a kernel may assume:
 * tensors are alive, floating-point inputs share one dtype (F32 or F64) unless stated otherwise, outputs have
 * exactly the documented shape, and an output either is an input (in place, same view) or does not overlap any
 * input. Inputs may be any strided view (transposed, sliced, broadcast with stride 0); outputs are arbitrary
 * non-overlapping views. Kernels allocate nothing per call in steady state.
 *
 * <p>A backend that cannot run an op for some arguments (a native backend given an unsupported layout, say)
 * declines by handing the call to the next backend in its chain (see {@link ForwardingKernels}).
 */
public interface Kernels {
    /** Short backend name as used in {@code -Dvectorgrad.backend} and {@code info}: scalar, vector, native, ... */
    String name();

    // ------------------------------------------------------------------ elementwise

    /** out = op(x); x and out have the same shape. */
    void unary(UnaryOp op, Tensor x, Tensor out);

    /** out = op(a, b); a and b have already been expanded to out's shape (stride-0 views where broadcast). */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = op(a, s) with a scalar right operand; a and out have the same shape. */
    void binaryScalar(BinaryOp op, Tensor a, double s, Tensor out);

    /** out = a op b ? 1 : 0; a, b expanded to out's shape. */
    void compare(CompareOp op, Tensor a, Tensor b, Tensor out);

    /** out = cond != 0 ? a : b; all expanded to out's shape. cond has the floating dtype of a. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    /** Every element of out set to v. */
    void fill(Tensor out, double v);

    /** dst = src elementwise (same shape), converting dtype when they differ (F32, F64, I32). */
    void copy(Tensor src, Tensor dst);

    // ------------------------------------------------------------------ reductions

    /**
     * Reduces x along {@code axis}; out has x's shape with that axis of size 1 (keepdim). ARGMAX writes the
     * index of the first maximum (NaN counts as maximum) into out, which may be I32 or floating. Reducing an
     * axis of size 0: SUM gives 0, MEAN and VARIANCE NaN; MAX, MIN, ARGMAX are rejected by {@link Ops}.
     */
    void reduce(ReduceOp op, Tensor x, int axis, Tensor out);

    /** Reduction over every element (ARGMAX gives the flat row-major index). */
    double reduceAll(ReduceOp op, Tensor x);

    /** Softmax along {@code axis}, stable (subtracts the max); out has x's shape. */
    void softmax(Tensor x, int axis, Tensor out);

    /** Log-softmax along {@code axis} via log-sum-exp; out has x's shape. */
    void logSoftmax(Tensor x, int axis, Tensor out);

    // ------------------------------------------------------------------ matrix multiply

    /**
     * c = alpha * a @ b + beta * c with a [m, k], b [k, n], c [m, n]. Any of them may be a strided view
     * (a transposed view is how op(A) = A^T arrives). When beta == 0, c is not read (NaN in c is ignored).
     */
    void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c);

    /**
     * Batched GEMM: c[i] = alpha * a[i] @ b[i] + beta * c[i] for every index i over c's leading (batch) dimensions,
     * c [..., m, n] of rank 2 or more. a [..., m, k] and b [..., k, n] have batch dimensions that broadcast to c's
     * (NumPy rules, aligned from the right: a dimension an operand lacks, or has of size 1, repeats its one matrix);
     * their last two dimensions may be any strided view, as for {@link #gemm}. c's matrices do not overlap each
     * other or the inputs. When beta == 0, c is not read. The default runs {@link #gemm} on each matrix's view.
     */
    default void gemmBatched(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        BatchedGemm.eachMatrix(this, alpha, a, b, beta, c);
    }

    // ------------------------------------------------------------------ convolution and pooling (NCHW)

    /** out [n, k, oh, ow] = conv(x [n, c, h, w], w [k, c, kh, kw]) + bias [k] (bias may be null). */
    void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out);

    /** gradIn [n, c, h, w] = gradient of conv2d with respect to x (overwritten, not accumulated). */
    void conv2dBackwardData(Tensor gradOut, Tensor w, Conv2dSpec spec, Tensor gradIn);

    /** gradW [k, c, kh, kw] and gradBias [k] (may be null) overwritten with the weight and bias gradients. */
    void conv2dBackwardWeight(Tensor x, Tensor gradOut, Conv2dSpec spec, Tensor gradW, Tensor gradBias);

    /** out [n, c, oh, ow] = max pooling; argmax (I32, out's shape, may be null) gets the flat h*w index of each max. */
    void maxPool2d(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax);

    /** gradIn (overwritten) = scatter of gradOut to the argmax positions, summing where windows overlap. */
    void maxPool2dBackward(Tensor gradOut, Tensor argmax, Pool2dSpec spec, Tensor gradIn);

    /** Average pooling; padded positions are excluded from the count. */
    void avgPool2d(Tensor x, Pool2dSpec spec, Tensor out);

    /** gradIn (overwritten) of average pooling. */
    void avgPool2dBackward(Tensor gradOut, Pool2dSpec spec, Tensor gradIn);

    // ------------------------------------------------------------------ fused activation

    /** out = act(x + bias) where bias [x.shape[channelAxis]] broadcasts along channelAxis (bias may be null). */
    void biasActivation(Tensor x, Tensor bias, int channelAxis, Activation act, Tensor out);

    /** gradIn = gradOut * act'(.) expressed through the activation's output y = act(.). */
    void activationBackward(Activation act, Tensor y, Tensor gradOut, Tensor gradIn);

    // ------------------------------------------------------------------ losses (fused, stable)

    /**
     * Softmax cross-entropy of logits [n, c] against I32 labels [n]; returns the loss. When grad is not null it
     * receives d loss / d logits (scaled for the reduction). Labels were range-checked by {@link Ops}.
     */
    double softmaxCrossEntropy(Tensor logits, Tensor labels, Reduction reduction, Tensor grad);

    /** Softmax cross-entropy against target probabilities [n, c] (rows summing to 1). */
    double softmaxCrossEntropyProbs(Tensor logits, Tensor targets, Reduction reduction, Tensor grad);

    /** Binary cross-entropy with logits, stable form max(x,0) - x*t + log(1 + exp(-|x|)); same shapes. */
    double bceWithLogits(Tensor logits, Tensor targets, Reduction reduction, Tensor grad);

    /** Mean squared error (or summed squared error); same shapes. */
    double mse(Tensor pred, Tensor target, Reduction reduction, Tensor grad);

    // ------------------------------------------------------------------ optimizer updates (in place, one pass)

    /** SGD update of param with grad; momentumBuf (same shape, may be null when momentum == 0) updated in place. */
    void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, OptimizerSteps.Sgd step);

    /** Adam/AdamW update; m and v are the first and second moment buffers. */
    void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, OptimizerSteps.Adam step);

    /** RMSprop update; square-average buffer, momentum buffer (may be null when momentum == 0). */
    void rmsPropUpdate(Tensor param, Tensor grad, Tensor squareAvg, Tensor momentumBuf, OptimizerSteps.RmsProp step);

    /** Adadelta update with its two accumulators. */
    void adadeltaUpdate(Tensor param, Tensor grad, Tensor squareAvg, Tensor accDelta, OptimizerSteps.Adadelta step);
}
