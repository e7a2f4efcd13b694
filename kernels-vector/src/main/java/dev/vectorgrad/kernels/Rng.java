package dev.vectorgrad.kernels;

import java.util.SplittableRandom;

/** Seeded random source: the same seed gives the same numbers on every backend and thread count. */
public final class Rng {
    private final SplittableRandom random;

    public Rng(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public double nextDouble() { return random.nextDouble(); }

    public double nextGaussian() { return random.nextGaussian(); }

    public int nextInt(int bound) { return random.nextInt(bound); }

    public long nextLong() { return random.nextLong(); }

    /** An independent generator derived from this one (for per-worker or per-module streams). */
    public Rng split() { return new Rng(random.nextLong()); }
}
