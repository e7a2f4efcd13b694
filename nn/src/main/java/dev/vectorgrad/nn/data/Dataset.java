package dev.vectorgrad.nn.data;

import dev.vectorgrad.kernels.Rng;
import java.util.Arrays;

/**
 * An in-memory table of samples: features as a flat float array [n, featureShape...] and either float targets
 * [n, targetWidth] (regression, binary) or int class labels [n]. Immutable; split/standardise make new ones.
 */
public final class Dataset {
    private final float[] x;
    private final int[] featureShape;
    private final int featureSize;
    private final float[] y;
    private final int targetWidth;
    private final int[] labels;
    private final int n;

    private Dataset(float[] x, int[] featureShape, float[] y, int targetWidth, int[] labels) {
        this.featureShape = featureShape.clone();
        int fs = 1;
        for (int d : featureShape) fs *= d;
        this.featureSize = fs;
        if (fs == 0 || x.length % fs != 0) {
            throw new IllegalArgumentException("feature array of length " + x.length + " is not a whole number of samples of shape " + Arrays.toString(featureShape));
        }
        this.n = x.length / fs;
        if (y != null && y.length != (long) n * targetWidth) {
            throw new IllegalArgumentException(n + " samples but " + y.length + " target values (width " + targetWidth + ")");
        }
        if (labels != null && labels.length != n) throw new IllegalArgumentException(n + " samples but " + labels.length + " labels");
        this.x = x;
        this.y = y;
        this.targetWidth = targetWidth;
        this.labels = labels;
    }

    public static Dataset regression(float[] x, int[] featureShape, float[] y, int targetWidth) {
        return new Dataset(x, featureShape, y, targetWidth, null);
    }

    public static Dataset classification(float[] x, int[] featureShape, int[] labels) {
        return new Dataset(x, featureShape, null, 0, labels);
    }

    public int size() { return n; }

    public int[] featureShape() { return featureShape.clone(); }

    public int featureSize() { return featureSize; }

    public boolean hasLabels() { return labels != null; }

    public int targetWidth() { return targetWidth; }

    public float feature(int i, int j) { return x[i * featureSize + j]; }

    public float target(int i, int j) { return y[i * targetWidth + j]; }

    public int label(int i) { return labels[i]; }

    float[] x() { return x; }

    float[] y() { return y; }

    int[] labels() { return labels; }

    /** Samples [from, to). */
    public Dataset range(int from, int to) {
        if (from < 0 || to > n || from > to) throw new IllegalArgumentException("range [" + from + ", " + to + ") outside dataset of " + n);
        return new Dataset(Arrays.copyOfRange(x, from * featureSize, to * featureSize), featureShape,
                y == null ? null : Arrays.copyOfRange(y, from * targetWidth, to * targetWidth), targetWidth,
                labels == null ? null : Arrays.copyOfRange(labels, from, to));
    }

    /** The samples in the given order. */
    public Dataset select(int[] idx) {
        float[] nx = new float[idx.length * featureSize];
        float[] ny = y == null ? null : new float[idx.length * targetWidth];
        int[] nl = labels == null ? null : new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(x, idx[i] * featureSize, nx, i * featureSize, featureSize);
            if (ny != null) System.arraycopy(y, idx[i] * targetWidth, ny, i * targetWidth, targetWidth);
            if (nl != null) nl[i] = labels[idx[i]];
        }
        return new Dataset(nx, featureShape, ny, targetWidth, nl);
    }

    /** A seeded shuffle (Fisher-Yates with {@link Rng}). */
    public Dataset shuffled(Rng rng) { return select(permutation(n, rng)); }

    /** [train, test] with the first (1 - testFraction) of a seeded shuffle as train. */
    public Dataset[] split(double testFraction, Rng rng) {
        if (!(testFraction > 0 && testFraction < 1)) throw new IllegalArgumentException("test fraction must be in (0, 1), got " + testFraction);
        Dataset s = shuffled(rng);
        int cut = (int) Math.round(n * (1 - testFraction));
        return new Dataset[] {s.range(0, cut), s.range(cut, n)};
    }

    static int[] permutation(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Per-feature mean and standard deviation (population), to standardise with {@link #standardize}. */
    public Standardizer fitStandardizer() {
        double[] mean = new double[featureSize], std = new double[featureSize];
        for (int i = 0; i < n; i++) for (int j = 0; j < featureSize; j++) mean[j] += x[i * featureSize + j];
        for (int j = 0; j < featureSize; j++) mean[j] /= Math.max(n, 1);
        for (int i = 0; i < n; i++) for (int j = 0; j < featureSize; j++) { double d = x[i * featureSize + j] - mean[j]; std[j] += d * d; }
        for (int j = 0; j < featureSize; j++) {
            std[j] = Math.sqrt(std[j] / Math.max(n, 1));
            if (std[j] == 0) std[j] = 1;
        }
        return new Standardizer(mean, std);
    }

    public Dataset standardize(Standardizer s) {
        if (s.mean().length != featureSize) throw new IllegalArgumentException("standardizer has " + s.mean().length + " features, dataset " + featureSize);
        float[] nx = new float[x.length];
        for (int i = 0; i < n; i++) for (int j = 0; j < featureSize; j++) nx[i * featureSize + j] = (float) ((x[i * featureSize + j] - s.mean()[j]) / s.std()[j]);
        return new Dataset(nx, featureShape, y, targetWidth, labels);
    }

    public record Standardizer(double[] mean, double[] std) {}
}
