package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Activation;

/** Elementwise ReLU. */
public final class ReLU extends ActivationModule {
    public ReLU() { super(Activation.RELU); }
}
