package dev.vectorgrad.nn;

/** Learning rate as a function of the epoch (0-based), as a factor of the base rate. */
@FunctionalInterface
public interface LrSchedule {
    double factor(int epoch);

    default double lr(double base, int epoch) { return base * factor(epoch); }

    static LrSchedule constant() { return e -> 1.0; }

    /** Multiplies by gamma every stepSize epochs (StepLR). */
    static LrSchedule step(int stepSize, double gamma) {
        if (stepSize <= 0) throw new IllegalArgumentException("step size must be positive, got " + stepSize);
        return e -> Math.pow(gamma, e / stepSize);
    }

    /** gamma^epoch (ExponentialLR). */
    static LrSchedule exponential(double gamma) { return e -> Math.pow(gamma, e); }

    /** Cosine annealing from 1 to minFactor over tMax epochs (CosineAnnealingLR, closed form). */
    static LrSchedule cosine(int tMax, double minFactor) {
        if (tMax <= 0) throw new IllegalArgumentException("cosine tMax must be positive, got " + tMax);
        return e -> minFactor + (1 - minFactor) * (1 + Math.cos(Math.PI * Math.min(e, tMax) / tMax)) / 2;
    }

    /** Linear warm-up from 1/(warmup+1) to 1 over the first warmup epochs, then {@code then} (shifted). */
    static LrSchedule warmup(int warmup, LrSchedule then) {
        return e -> e < warmup ? (e + 1.0) / (warmup + 1.0) : then.factor(e - warmup);
    }
}
