package dev.vectorgrad.kernels;

/** Activations that can be fused with a bias add. */
public enum Activation {
    IDENTITY, RELU, SIGMOID, TANH
}
