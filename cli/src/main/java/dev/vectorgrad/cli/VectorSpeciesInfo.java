package dev.vectorgrad.cli;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/** Kept apart so that {@code info} still runs when jdk.incubator.vector is missing (NoClassDefFoundError is caught). */
final class VectorSpeciesInfo {
    private VectorSpeciesInfo() {}

    static String describe() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits (" + FloatVector.SPECIES_PREFERRED.length()
                + " floats, " + DoubleVector.SPECIES_PREFERRED.length() + " doubles)";
    }
}
