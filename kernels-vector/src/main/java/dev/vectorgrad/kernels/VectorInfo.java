package dev.vectorgrad.kernels;

/** Reads Vector API facts reflectively so that this class loads without jdk.incubator.vector. */
final class VectorInfo {
    private VectorInfo() {}

    static int preferredFloatBits() throws ReflectiveOperationException {
        Class<?> fv = Class.forName("jdk.incubator.vector.FloatVector");
        Object species = fv.getField("SPECIES_PREFERRED").get(null);
        return (int) Class.forName("jdk.incubator.vector.VectorSpecies").getMethod("vectorBitSize").invoke(species);
    }

    static String describe() {
        try {
            int bits = preferredFloatBits();
            return "Vector API, preferred species " + bits + " bits (" + bits / 32 + " floats, " + bits / 64 + " doubles)";
        } catch (ReflectiveOperationException e) {
            return "Vector API";
        }
    }
}
