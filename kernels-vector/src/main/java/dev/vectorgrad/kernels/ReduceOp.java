package dev.vectorgrad.kernels;

/** Reductions along an axis or over all elements. VARIANCE is the population variance (divide by n). */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, ARGMAX, VARIANCE
}
