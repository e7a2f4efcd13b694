package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Activation;

/** Elementwise Tanh. */
public final class Tanh extends ActivationModule {
    public Tanh() { super(Activation.TANH); }
}
