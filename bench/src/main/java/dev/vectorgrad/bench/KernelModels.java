package dev.vectorgrad.bench;

import dev.vectorgrad.kernels.Activation;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.OptimizerSteps;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;

/**
 * The two reference models written directly on the checked kernels ({@link Ops}) with every buffer allocated
 * once: the zero-allocation path TrainBench and InferBench measure. The layers of the nn module compute the
 * same thing; this file does not depend on them.
 *
 * <p>MNIST CNN: Conv2d(1->32, 3x3) -> ReLU -> MaxPool 2x2 -> Flatten -> Dense(5408->64) -> ReLU -> Dense(64->10)
 * -> softmax cross-entropy, Adam. MLP: Dense(10->64) -> ReLU -> Dense(64->64) -> ReLU -> Dense(64->1) -> MSE, Adam.
 */
public final class KernelModels {
    private KernelModels() {}

    static Tensor param(Scope s, Rng rng, int fanIn, int... shape) {
        Tensor t = Tensor.zeros(s, DType.F32, shape);
        double bound = 1.0 / Math.sqrt(fanIn);
        Ops.uniform(t, -bound, bound, rng);
        return t;
    }

    static Tensor ones(Scope s, int n) {
        Tensor t = Tensor.zeros(s, DType.F32, 1, n);
        Ops.fill(t, 1.0);
        return t;
    }

    /** One parameter with its gradient and Adam moments. */
    static final class Param {
        final Tensor p, g, m, v;

        Param(Scope s, Tensor p) {
            this.p = p;
            this.g = Tensor.zeros(s, DType.F32, p.shape());
            this.m = Tensor.zeros(s, DType.F32, p.shape());
            this.v = Tensor.zeros(s, DType.F32, p.shape());
        }

        void adam(long step) {
            Ops.adamUpdate(p, g, m, v, new OptimizerSteps.Adam(1e-3, 0.9, 0.999, 1e-8, 0, false, step));
        }
    }

    /** The MNIST CNN at a fixed batch size: forward, backward and Adam on preallocated buffers. */
    public static final class MnistCnn {
        static final Conv2dSpec CONV = Conv2dSpec.DEFAULT;
        static final Pool2dSpec POOL = Pool2dSpec.of(2, 2);
        public final int batch;
        final Param w0, b0, w1, b1, w2, b2;
        final Param[] params;
        public final Tensor x, labels;
        final Tensor conv, act, pool, argmax, flat, z1, h1, z2, logits, onesRow;
        final Tensor gLogits, gH1, gZ1, gFlat, gPool, gAct, gConv;
        private final Tensor h1T, w2T, flatT, w1T, gb2, gb1;
        private long step;

        public MnistCnn(Scope s, int batch, long seed) {
            this.batch = batch;
            Rng rng = new Rng(seed);
            w0 = new Param(s, param(s, rng, 9, 32, 1, 3, 3));
            b0 = new Param(s, param(s, rng, 9, 32));
            w1 = new Param(s, param(s, rng, 5408, 5408, 64));
            b1 = new Param(s, param(s, rng, 5408, 64));
            w2 = new Param(s, param(s, rng, 64, 64, 10));
            b2 = new Param(s, param(s, rng, 64, 10));
            params = new Param[] {w0, b0, w1, b1, w2, b2};
            x = Tensor.zeros(s, DType.F32, batch, 1, 28, 28);
            Ops.uniform(x, 0, 1, rng);
            int[] lab = new int[batch];
            for (int i = 0; i < batch; i++) lab[i] = rng.nextInt(10);
            labels = Tensor.ofInts(s, lab, batch);
            conv = Tensor.zeros(s, DType.F32, batch, 32, 26, 26);
            act = Tensor.zeros(s, DType.F32, batch, 32, 26, 26);
            pool = Tensor.zeros(s, DType.F32, batch, 32, 13, 13);
            argmax = Tensor.zeros(s, DType.I32, batch, 32, 13, 13);
            flat = pool.reshape(batch, 5408);
            z1 = Tensor.zeros(s, DType.F32, batch, 64);
            h1 = Tensor.zeros(s, DType.F32, batch, 64);
            z2 = Tensor.zeros(s, DType.F32, batch, 10);
            logits = Tensor.zeros(s, DType.F32, batch, 10);
            onesRow = ones(s, batch);
            gLogits = Tensor.zeros(s, DType.F32, batch, 10);
            gH1 = Tensor.zeros(s, DType.F32, batch, 64);
            gZ1 = Tensor.zeros(s, DType.F32, batch, 64);
            gFlat = Tensor.zeros(s, DType.F32, batch, 5408);
            gPool = gFlat.reshape(batch, 32, 13, 13);
            gAct = Tensor.zeros(s, DType.F32, batch, 32, 26, 26);
            gConv = Tensor.zeros(s, DType.F32, batch, 32, 26, 26);
            // Views made once so that a step allocates nothing, not even view objects.
            h1T = h1.t();
            w2T = w2.p.t();
            flatT = flat.t();
            w1T = w1.p.t();
            gb2 = b2.g.reshape(1, 10);
            gb1 = b1.g.reshape(1, 64);
        }

        /** Forward pass; returns the logits [batch, 10]. argmax is recorded only when training. */
        public Tensor forward(boolean training) {
            Ops.conv2dInto(x, w0.p, null, CONV, conv);
            Ops.biasActivationInto(conv, b0.p, 1, Activation.RELU, act);
            Ops.maxPool2dInto(act, POOL, pool, training ? argmax : null);
            Ops.gemm(1, flat, w1.p, 0, z1);
            Ops.biasActivationInto(z1, b1.p, 1, Activation.RELU, h1);
            Ops.gemm(1, h1, w2.p, 0, z2);
            Ops.biasActivationInto(z2, b2.p, 1, Activation.IDENTITY, logits);
            return logits;
        }

        /** One training step (forward, loss, backward, Adam on all six parameters); returns the loss. */
        public double trainStep() {
            forward(true);
            double loss = Ops.softmaxCrossEntropy(logits, labels, Reduction.MEAN, gLogits);
            // Dense(64->10)
            Ops.gemm(1, h1T, gLogits, 0, w2.g);
            Ops.gemm(1, onesRow, gLogits, 0, gb2);
            Ops.gemm(1, gLogits, w2T, 0, gH1);
            Ops.activationBackwardInto(Activation.RELU, h1, gH1, gZ1);
            // Dense(5408->64)
            Ops.gemm(1, flatT, gZ1, 0, w1.g);
            Ops.gemm(1, onesRow, gZ1, 0, gb1);
            Ops.gemm(1, gZ1, w1T, 0, gFlat);
            // MaxPool, ReLU, Conv (the input needs no gradient)
            Ops.maxPool2dBackwardInto(gPool, argmax, POOL, gAct);
            Ops.activationBackwardInto(Activation.RELU, act, gAct, gConv);
            Ops.conv2dBackwardWeightInto(x, gConv, CONV, w0.g, b0.g);
            step++;
            for (Param p : params) p.adam(step);
            return loss;
        }
    }

    /** The 10->64->64->1 MLP (ReLU, MSE, Adam) at a fixed batch size. */
    public static final class Mlp {
        public final int batch;
        final Param w1, b1, w2, b2, w3, b3;
        final Param[] params;
        public final Tensor x, y;
        final Tensor z1, h1, z2, h2, z3, out, onesRow, gOut, gH2, gZ2, gH1, gZ1;
        private final Tensor h2T, w3T, h1T, w2T, xT, gb3, gb2, gb1;
        private long step;

        public Mlp(Scope s, int batch, long seed) {
            this.batch = batch;
            Rng rng = new Rng(seed);
            w1 = new Param(s, param(s, rng, 10, 10, 64));
            b1 = new Param(s, param(s, rng, 10, 64));
            w2 = new Param(s, param(s, rng, 64, 64, 64));
            b2 = new Param(s, param(s, rng, 64, 64));
            w3 = new Param(s, param(s, rng, 64, 64, 1));
            b3 = new Param(s, param(s, rng, 64, 1));
            params = new Param[] {w1, b1, w2, b2, w3, b3};
            x = Tensor.zeros(s, DType.F32, batch, 10);
            Ops.uniform(x, -1, 1, rng);
            y = Tensor.zeros(s, DType.F32, batch, 1);
            Ops.uniform(y, -1, 1, rng);
            z1 = Tensor.zeros(s, DType.F32, batch, 64);
            h1 = Tensor.zeros(s, DType.F32, batch, 64);
            z2 = Tensor.zeros(s, DType.F32, batch, 64);
            h2 = Tensor.zeros(s, DType.F32, batch, 64);
            z3 = Tensor.zeros(s, DType.F32, batch, 1);
            out = Tensor.zeros(s, DType.F32, batch, 1);
            onesRow = ones(s, batch);
            gOut = Tensor.zeros(s, DType.F32, batch, 1);
            gH2 = Tensor.zeros(s, DType.F32, batch, 64);
            gZ2 = Tensor.zeros(s, DType.F32, batch, 64);
            gH1 = Tensor.zeros(s, DType.F32, batch, 64);
            gZ1 = Tensor.zeros(s, DType.F32, batch, 64);
            h2T = h2.t();
            w3T = w3.p.t();
            h1T = h1.t();
            w2T = w2.p.t();
            xT = x.t();
            gb3 = b3.g.reshape(1, 1);
            gb2 = b2.g.reshape(1, 64);
            gb1 = b1.g.reshape(1, 64);
        }

        public Tensor forward() {
            Ops.gemm(1, x, w1.p, 0, z1);
            Ops.biasActivationInto(z1, b1.p, 1, Activation.RELU, h1);
            Ops.gemm(1, h1, w2.p, 0, z2);
            Ops.biasActivationInto(z2, b2.p, 1, Activation.RELU, h2);
            Ops.gemm(1, h2, w3.p, 0, z3);
            Ops.biasActivationInto(z3, b3.p, 1, Activation.IDENTITY, out);
            return out;
        }

        public double trainStep() {
            forward();
            double loss = Ops.mse(out, y, Reduction.MEAN, gOut);
            Ops.gemm(1, h2T, gOut, 0, w3.g);
            Ops.gemm(1, onesRow, gOut, 0, gb3);
            Ops.gemm(1, gOut, w3T, 0, gH2);
            Ops.activationBackwardInto(Activation.RELU, h2, gH2, gZ2);
            Ops.gemm(1, h1T, gZ2, 0, w2.g);
            Ops.gemm(1, onesRow, gZ2, 0, gb2);
            Ops.gemm(1, gZ2, w2T, 0, gH1);
            Ops.activationBackwardInto(Activation.RELU, h1, gH1, gZ1);
            Ops.gemm(1, xT, gZ1, 0, w1.g);
            Ops.gemm(1, onesRow, gZ1, 0, gb1);
            step++;
            for (Param p : params) p.adam(step);
            return loss;
        }
    }
}
