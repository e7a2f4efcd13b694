package dev.vectorgrad.kernels;

/** Elementwise unary ops. {@link #apply} is the scalar definition every backend is tested against. */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, SQUARE, RECIPROCAL, RELU, SIGMOID, TANH, GELU;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1.0 / x;
            // x > 0 ? x : 0 keeps NaN out of the positive branch but maps NaN to 0; (x > 0 || NaN) propagates it.
            case RELU -> x > 0 || Double.isNaN(x) ? x : 0.0;
            // Split by sign so exp never overflows: for x < 0, e^x / (1 + e^x).
            case SIGMOID -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
            case TANH -> Math.tanh(x);
            // The tanh approximation (PyTorch's approximate='tanh'), which vectorises without erf.
            case GELU -> 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        };
    }

    public float apply(float x) {
        return (float) apply((double) x);
    }
}
