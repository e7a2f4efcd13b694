package dev.vectorgrad.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API backend: the default fast path. Ops not yet vectorised here are inherited from
 * {@link ScalarKernels}. Loaded only by {@link Backends} after checking that jdk.incubator.vector is readable.
 */
public class VectorKernels extends ScalarKernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    @Override
    public String name() { return "vector"; }
}
