package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Activation;

/** Elementwise Sigmoid. */
public final class Sigmoid extends ActivationModule {
    public Sigmoid() { super(Activation.SIGMOID); }
}
