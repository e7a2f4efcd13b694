package dev.vectorgrad.tensor;

import java.lang.foreign.ValueLayout;

/** Element types. Kernels compute in F32 and F64; I32 holds class labels and pooling argmax indices. */
public enum DType {
    F32(4, ValueLayout.JAVA_FLOAT),
    F64(8, ValueLayout.JAVA_DOUBLE),
    I32(4, ValueLayout.JAVA_INT);

    private final int byteSize;
    private final ValueLayout layout;

    DType(int byteSize, ValueLayout layout) {
        this.byteSize = byteSize;
        this.layout = layout;
    }

    public int byteSize() { return byteSize; }

    public ValueLayout layout() { return layout; }

    public boolean isFloating() { return this != I32; }
}
