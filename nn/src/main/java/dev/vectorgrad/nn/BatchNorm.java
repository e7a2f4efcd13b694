package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;

/**
 * Batch normalisation over axis 1 of [n, c] (BatchNorm1d) or [n, c, h, w] (BatchNorm2d) input, with PyTorch's
 * semantics: batch statistics (biased variance) in training, running statistics (momentum 0.1, unbiased
 * variance) in eval. Parameters "weight" and "bias"; buffers "running_mean" and "running_var".
 */
public class BatchNorm extends Module {
    private final int channels;
    private final int rank;
    private final double eps, momentum;
    private final Parameter weight, bias;
    private final Tensor runningMean, runningVar;
    private double[] xhat, invStd;
    private int[] inShape;

    protected BatchNorm(Scope scope, int channels, int rank, double eps, double momentum) {
        this.channels = channels;
        this.rank = rank;
        this.eps = eps;
        this.momentum = momentum;
        weight = registerParameter("weight", Ops.fill(Tensor.zeros(scope, DType.F32, channels), 1.0));
        bias = registerParameter("bias", Tensor.zeros(scope, DType.F32, channels));
        runningMean = registerBuffer("running_mean", Tensor.zeros(scope, DType.F32, channels));
        runningVar = registerBuffer("running_var", Ops.fill(Tensor.zeros(scope, DType.F32, channels), 1.0));
    }

    public static BatchNorm batchNorm1d(Scope scope, int channels) { return new BatchNorm(scope, channels, 2, 1e-5, 0.1); }

    public static BatchNorm batchNorm2d(Scope scope, int channels) { return new BatchNorm(scope, channels, 4, 1e-5, 0.1); }

    public Tensor runningMean() { return runningMean; }

    public Tensor runningVar() { return runningVar; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != rank || x.dim(1) != channels) {
            throw new IllegalArgumentException("BatchNorm" + (rank == 2 ? "1d" : "2d") + "(" + channels + ") expects input "
                    + (rank == 2 ? "[batch, " + channels + "]" : "[batch, " + channels + ", h, w]") + ", got " + Shapes.str(x.shape()));
        }
        int n = x.dim(0);
        int s = rank == 4 ? x.dim(2) * x.dim(3) : 1;
        Tensor xc = x.reshape(n, channels, s);
        Tensor y = Tensor.zeros(Scope.current(), x.dtype(), x.shape());
        Tensor yc = y.reshape(n, channels, s);
        int m = n * s;
        if (training && m < 2) throw new IllegalArgumentException("BatchNorm in training needs more than one value per channel, got input " + Shapes.str(x.shape()));
        double[] xh = training ? new double[n * channels * s] : null;
        double[] inv = training ? new double[channels] : null;
        for (int c = 0; c < channels; c++) {
            double mean, var;
            if (training) {
                double sum = 0;
                for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) sum += xc.getDouble(i, c, j);
                mean = sum / m;
                double sq = 0;
                for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) { double d = xc.getDouble(i, c, j) - mean; sq += d * d; }
                var = sq / m;
                runningMean.setDouble((1 - momentum) * runningMean.getDouble(c) + momentum * mean, c);
                runningVar.setDouble((1 - momentum) * runningVar.getDouble(c) + momentum * sq / (m - 1), c);
            } else {
                mean = runningMean.getDouble(c);
                var = runningVar.getDouble(c);
            }
            double is = 1.0 / Math.sqrt(var + eps);
            double gamma = weight.data().getDouble(c), beta = bias.data().getDouble(c);
            if (inv != null) inv[c] = is;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    double h = (xc.getDouble(i, c, j) - mean) * is;
                    if (xh != null) xh[(i * channels + c) * s + j] = h;
                    yc.setDouble(gamma * h + beta, i, c, j);
                }
            }
        }
        if (training) {
            xhat = xh;
            invStd = inv;
            inShape = x.shape();
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor g) {
        checkCached(xhat, "BatchNorm");
        Shapes.checkSame("BatchNorm backward grad_output", inShape, g.shape());
        int n = inShape[0];
        int s = rank == 4 ? inShape[2] * inShape[3] : 1;
        int m = n * s;
        Tensor gc = g.reshape(n, channels, s);
        Tensor gIn = Tensor.zeros(Scope.current(), g.dtype(), inShape);
        Tensor gi = gIn.reshape(n, channels, s);
        for (int c = 0; c < channels; c++) {
            double sumG = 0, sumGX = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    double gv = gc.getDouble(i, c, j);
                    sumG += gv;
                    sumGX += gv * xhat[(i * channels + c) * s + j];
                }
            }
            weight.grad().setDouble(weight.grad().getDouble(c) + sumGX, c);
            bias.grad().setDouble(bias.grad().getDouble(c) + sumG, c);
            double k = weight.data().getDouble(c) * invStd[c] / m;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    double h = xhat[(i * channels + c) * s + j];
                    gi.setDouble(k * (m * gc.getDouble(i, c, j) - sumG - h * sumGX), i, c, j);
                }
            }
        }
        xhat = null;
        return gIn;
    }
}
