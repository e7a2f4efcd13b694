package dev.vectorgrad.kernels;

/** How a loss reduces over the batch. */
public enum Reduction {
    MEAN, SUM
}
