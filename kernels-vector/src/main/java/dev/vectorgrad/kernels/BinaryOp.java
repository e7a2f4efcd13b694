package dev.vectorgrad.kernels;

/** Elementwise binary ops with broadcasting. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN;

    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            // Math.max/min propagate NaN, as IEEE 754-2019 maximum/minimum and PyTorch do.
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
        };
    }
}
