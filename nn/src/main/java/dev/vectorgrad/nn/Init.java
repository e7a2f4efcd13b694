package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.Tensor;

/**
 * Parameter initialisers (PyTorch's torch.nn.init), all drawing from a seeded {@link Rng} in row-major order,
 * so the same seed gives the same parameters bit for bit.
 */
public final class Init {
    private Init() {}

    public static Tensor normal(Tensor t, double mean, double std, Rng rng) { return Ops.normal(t, mean, std, rng); }

    public static Tensor uniform(Tensor t, double lo, double hi, Rng rng) { return Ops.uniform(t, lo, hi, rng); }

    public static Tensor constant(Tensor t, double v) { return Ops.fill(t, v); }

    /** fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field (PyTorch's convention). */
    public static int[] fans(Tensor t) {
        int[] s = t.shape();
        if (s.length < 2) throw new IllegalArgumentException("fan in/out needs a tensor of rank >= 2, got rank " + s.length);
        int rf = 1;
        for (int i = 2; i < s.length; i++) rf *= s[i];
        return new int[] {s[1] * rf, s[0] * rf};
    }

    public static Tensor xavierUniform(Tensor t, double gain, Rng rng) {
        int[] f = fans(t);
        double a = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform(t, -a, a, rng);
    }

    public static Tensor xavierNormal(Tensor t, double gain, Rng rng) {
        int[] f = fans(t);
        return normal(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])), rng);
    }

    /** He/Kaiming uniform for ReLU (gain sqrt(2)) over fan_in. */
    public static Tensor heUniform(Tensor t, Rng rng) {
        double bound = Math.sqrt(2.0) * Math.sqrt(3.0 / fans(t)[0]);
        return uniform(t, -bound, bound, rng);
    }

    public static Tensor heNormal(Tensor t, Rng rng) {
        return normal(t, 0, Math.sqrt(2.0 / fans(t)[0]), rng);
    }

    /** PyTorch's default for Linear and Conv2d weights and biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    public static Tensor torchDefault(Tensor t, int fanIn, Rng rng) {
        double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0;
        return uniform(t, -bound, bound, rng);
    }
}
