package dev.vectorgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.nn.examples.Examples;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import org.junit.jupiter.api.Test;

class InferenceTest {
    @Test
    void preallocatedInferenceMatchesForwardAndAllocatesNothing() {
        Rng rng = new Rng(8);
        Sequential model = Examples.mnistModel(Scope.shared(), rng);
        model.eval();
        Tensor x = Ops.uniform(Tensor.zeros(Scope.shared(), DType.F32, 1, 1, 28, 28), 0, 1, rng);
        float[] expected;
        try (Scope s = Scope.open()) {
            expected = model.forward(x).toFloatArray();
        }
        try (Inference inf = new Inference(model, 1, 1, 28, 28)) {
            inf.run(x);
            long before = Scope.allocationCount();
            Tensor y = null;
            for (int i = 0; i < 5; i++) y = inf.run(x);
            assertEquals(before, Scope.allocationCount(), "tensor allocations during steady inference");
            assertArrayEquals(expected, y.toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> inf.run(Tensor.zeros(Scope.shared(), DType.F32, 2, 1, 28, 28)));
        }
    }

    @Test
    void channelGroupsGiveTheOneThreadBits() {
        // At batch 1 with several threads the conv + pool + ReLU run over channel groups (uneven with 3 groups of
        // the 32 channels; a Sigmoid, an AvgPool and a Dropout in the channel-wise tail): the same bits as one
        // thread and as the layer-by-layer eval forward.
        Rng rng = new Rng(11);
        Scope p = Scope.shared();
        Sequential mnist = Examples.mnistModel(p, rng);
        Sequential other = new Sequential(new Conv2d(p, 2, 7, 3, rng), new Sigmoid(), new Dropout(0.5, rng), new AvgPool2d(2), new Conv2d(p, 7, 5, 2, rng),
                new ReLU(), new Flatten(), new Linear(p, 5 * 4 * 4, 3, rng));
        mnist.eval();
        other.eval();
        Tensor xm = Ops.uniform(Tensor.zeros(p, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        Tensor xo = Ops.normal(Tensor.zeros(p, DType.F32, 1, 2, 12, 12), 0, 1, rng);
        int before = dev.vectorgrad.kernels.Parallel.threads();
        try (Scope s = Scope.open()) {
            float[] m1 = mnist.forward(xm).toFloatArray(), o1 = other.forward(xo).toFloatArray();
            for (int t : new int[] {1, 2, 3}) {
                dev.vectorgrad.kernels.Parallel.setThreads(t);
                try (Inference a = new Inference(mnist, 1, 1, 28, 28); Inference b = new Inference(other, 1, 2, 12, 12)) {
                    assertArrayEquals(m1, a.run(xm).toFloatArray(), "mnist, threads " + t);
                    assertArrayEquals(o1, b.run(xo).toFloatArray(), "conv-sigmoid-avgpool-conv-relu, threads " + t);
                    assertArrayEquals(m1, a.run(xm).toFloatArray(), "mnist again, threads " + t);
                }
            }
        } finally {
            dev.vectorgrad.kernels.Parallel.setThreads(before);
        }
    }

    @Test
    void fusedConvReluPoolGivesTheLayersBitsAndFallsBackWhereItCannot() {
        // Conv2d -> ReLU -> MaxPool2d(2) (and Conv2d -> MaxPool2d -> ReLU) run as one fused kernel on the vector
        // backend: the bits of the layer-by-layer forward and of the unfused session, at 1, 2 and 3 threads and
        // batch 1 and 3 (channel groups / images on the workers); padding, several input channels, odd sizes.
        Rng rng = new Rng(21);
        Scope p = Scope.shared();
        Sequential mnist = Examples.mnistModel(p, rng);
        Sequential padded = new Sequential(new Conv2d(p, 3, 5, 3, dev.vectorgrad.kernels.Conv2dSpec.of(1, 1), true, rng), new MaxPool2d(2), new ReLU(),
                new Conv2d(p, 5, 4, 2, rng), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(p, 4 * 2 * 1, 3, rng)); // 11x9 -> 11x9 -> 5x4 -> 4x3 -> 2x1
        Sequential strided = new Sequential(new Conv2d(p, 1, 4, 3, dev.vectorgrad.kernels.Conv2dSpec.of(2, 0), true, rng), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(p, 4 * 3 * 3, 2, rng));
        for (Sequential m : new Sequential[] {mnist, padded, strided}) m.eval();
        int before = dev.vectorgrad.kernels.Parallel.threads();
        try (Scope s = Scope.open()) {
            for (int batch : new int[] {1, 3}) {
                Tensor xm = Ops.uniform(Tensor.zeros(p, DType.F32, batch, 1, 28, 28), 0, 1, rng);
                Tensor xp = Ops.normal(Tensor.zeros(p, DType.F32, batch, 3, 11, 9), 0, 1, rng);
                Tensor xs = Ops.normal(Tensor.zeros(p, DType.F32, batch, 1, 15, 15), 0, 1, rng);
                float[] m1 = mnist.forward(xm).toFloatArray(), p1 = padded.forward(xp).toFloatArray(), s1 = strided.forward(xs).toFloatArray();
                for (int t : new int[] {1, 2, 3}) {
                    dev.vectorgrad.kernels.Parallel.setThreads(t);
                    try (Inference a = new Inference(mnist, batch, 1, 28, 28); Inference b = new Inference(padded, batch, 3, 11, 9);
                         Inference c = new Inference(strided, batch, 1, 15, 15); Inference u = Inference.withoutFusedConvPool(mnist, batch, 1, 28, 28)) {
                        String at = "batch " + batch + ", threads " + t;
                        assertEquals("Conv2d+ReLU+MaxPool2d (fused)", a.stepNames().get(0), at);
                        assertEquals(java.util.List.of("Conv2d+ReLU+MaxPool2d (fused)", "Conv2d+ReLU+MaxPool2d (fused)"),
                                b.stepNames().subList(0, 2), at);
                        assertTrue(!c.stepNames().get(0).contains("fused") && !u.stepNames().get(0).contains("fused"), c.stepNames() + " " + u.stepNames());
                        assertArrayEquals(m1, a.run(xm).toFloatArray(), "mnist, " + at);
                        assertArrayEquals(m1, u.run(xm).toFloatArray(), "mnist unfused, " + at);
                        assertArrayEquals(p1, b.run(xp).toFloatArray(), "padded 3-channel conv, pool then ReLU, " + at);
                        assertArrayEquals(s1, c.run(xs).toFloatArray(), "stride-2 conv (not fused), " + at);
                        assertArrayEquals(m1, a.run(xm).toFloatArray(), "mnist again, " + at);
                    }
                }
            }
        } finally {
            dev.vectorgrad.kernels.Parallel.setThreads(before);
        }
    }

    @Test
    void fusedSessionSeesWeightsUpdatedInPlace() {
        // The fused kernel reads the parameters at every call (no packed copy): a weight changed after the session
        // was built changes its output as it changes the layers'.
        Rng rng = new Rng(22);
        Scope p = Scope.shared();
        Sequential mnist = Examples.mnistModel(p, rng);
        mnist.eval();
        Tensor x = Ops.uniform(Tensor.zeros(p, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        try (Scope s = Scope.open(); Inference inf = new Inference(mnist, 1, 1, 28, 28)) {
            float[] first = inf.run(x).toFloatArray();
            Conv2d conv = (Conv2d) mnist.get(0);
            Ops.uniform(conv.weight().data(), -1, 1, rng);
            Ops.uniform(conv.bias().data(), -1, 1, rng);
            float[] expected = mnist.forward(x).toFloatArray(), got = inf.run(x).toFloatArray();
            assertArrayEquals(expected, got);
            assertTrue(!java.util.Arrays.equals(first, got), "the output changed with the weights");
        }
    }

    @Test
    void profileNamesAndTimesEveryStep() {
        Rng rng = new Rng(23);
        Scope p = Scope.shared();
        Sequential mnist = Examples.mnistModel(p, rng);
        mnist.eval();
        Tensor x = Ops.uniform(Tensor.zeros(p, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        try (Inference inf = new Inference(mnist, 1, 1, 28, 28)) {
            assertEquals(java.util.List.of("Conv2d+ReLU+MaxPool2d (fused)", "Flatten", "Linear+ReLU", "Linear"), inf.stepNames());
            double[] med = inf.profile(x, 5);
            assertEquals(4, med.length);
            for (double v : med) assertTrue(v >= 0 && v < 1e9, "median " + v);
            assertThrows(IllegalArgumentException.class, () -> inf.profile(x, 0));
        }
    }

    @Test
    void warmMlpSessionAllocatesNoHeapMemory() {
        // The 10-64-64-1 MLP at batch 1: once C2 has compiled the path (warm-up in rounds on a loaded machine),
        // a call allocates nothing, not even the shape copies of the checked entry points.
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Rng rng = new Rng(3);
        Scope p = Scope.shared();
        Sequential mlp = new Sequential(new Linear(p, 10, 64, rng), new ReLU(), new Linear(p, 64, 64, rng), new ReLU(), new Linear(p, 64, 1, rng));
        mlp.eval();
        Tensor x = Ops.normal(Tensor.zeros(p, DType.F32, 1, 10), 0, 1, rng);
        try (Inference inf = new Inference(mlp, 1, 10)) {
            double perCall = Double.MAX_VALUE;
            for (int round = 0; round < 40 && perCall >= 1; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 5000; i++) inf.run(x);
                perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 5000.0;
            }
            assertTrue(perCall < 1, "a warm MLP inference call still allocates " + perCall + " bytes");
        }
    }

    @Test
    void warmMnistSessionAllocatesNoHeapMemory() {
        // The MNIST CNN at batch 1 on the caller's thread and fanned out to 2 threads: the conv and pooling
        // kernels build their capturing tasks only when they split the work (329 B per call before).
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int saved = dev.vectorgrad.kernels.Parallel.threads();
        Rng rng = new Rng(5);
        Scope p = Scope.shared();
        Sequential model = Examples.mnistModel(p, rng);
        model.eval();
        Tensor x = Ops.normal(Tensor.zeros(p, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        try {
            for (int t : new int[] {1, 2}) {
                dev.vectorgrad.kernels.Parallel.setThreads(t);
                try (Inference inf = new Inference(model, 1, 1, 28, 28)) {
                    double perCall = Double.MAX_VALUE;
                    // C2 needs ~10,000 calls here (a standalone run: 0 B/call from then on, at 1 and 2 threads).
                    for (int round = 0; round < 80 && perCall >= 1; round++) {
                        long before = threads.getCurrentThreadAllocatedBytes();
                        for (int i = 0; i < 500; i++) inf.run(x);
                        perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 500.0;
                    }
                    assertTrue(perCall < 1, "a warm MNIST inference call allocates " + perCall + " bytes, threads " + t);
                }
            }
        } finally {
            dev.vectorgrad.kernels.Parallel.setThreads(saved);
        }
    }

    @Test
    void concurrentBatchOneSessionsGiveTheSingleThreadBits() throws Exception {
        // Four threads, each with its own batch-1 session of one model, while the sessions fan out to the
        // workers (or run on their own thread when another session holds them): the single-thread bits.
        Rng rng = new Rng(12);
        Scope p = Scope.shared();
        Sequential model = Examples.mnistModel(p, rng);
        model.eval();
        Tensor[] xs = new Tensor[4];
        float[][] expected = new float[4][];
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 4; i++) {
                xs[i] = Ops.uniform(Tensor.zeros(p, DType.F32, 1, 1, 28, 28), 0, 1, rng);
                expected[i] = model.forward(xs[i]).toFloatArray();
            }
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                fs.add(pool.submit(() -> {
                    try (Inference inf = new Inference(model, 1, 1, 28, 28)) {
                        for (int k = 0; k < 60; k++) {
                            int i = (k + id) % 4;
                            assertArrayEquals(expected[i], inf.run(xs[i]).toFloatArray(), "thread " + id + " call " + k);
                        }
                    }
                    return null;
                }));
            }
            for (var f : fs) f.get();
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void mlpSession() {
        Rng rng = new Rng(2);
        Scope p = Scope.shared();
        Sequential mlp = new Sequential(new Linear(p, 10, 64, rng), new ReLU(), new Linear(p, 64, 64, rng), new ReLU(), new Dropout(0.3, rng), new Linear(p, 64, 1, rng));
        mlp.eval();
        Tensor x = Ops.normal(Tensor.zeros(p, DType.F32, 3, 10), 0, 1, rng);
        try (Scope s = Scope.open(); Inference inf = new Inference(mlp, 3, 10)) {
            assertArrayEquals(mlp.forward(x).toFloatArray(), inf.run(x).toFloatArray());
        }
        assertThrows(IllegalArgumentException.class, () -> new Inference(mlp, 3, 11));
    }

    @Test
    void vectorBackendMatchesTheScalarOracleAtBatchOne() {
        // The batch-1 path (matrix-vector GEMM, pooling before ReLU) against the scalar kernels on the same weights.
        Rng rng = new Rng(9);
        Scope p = Scope.shared();
        Sequential cnn = Examples.mnistModel(p, rng);
        Sequential mlp = new Sequential(new Linear(p, 10, 64, rng), new ReLU(), new Linear(p, 64, 64, rng), new ReLU(), new Linear(p, 64, 1, rng));
        cnn.eval();
        mlp.eval();
        Tensor xc = Ops.uniform(Tensor.zeros(p, DType.F32, 1, 1, 28, 28), 0, 1, rng);
        Tensor xm = Ops.normal(Tensor.zeros(p, DType.F32, 1, 10), 0, 1, rng);
        dev.vectorgrad.kernels.Kernels saved = dev.vectorgrad.kernels.Backends.kernels();
        float[] cnnScalar, mlpScalar, cnnVector, mlpVector;
        try {
            dev.vectorgrad.kernels.Backends.use("scalar");
            try (Inference a = new Inference(cnn, 1, 1, 28, 28); Inference b = new Inference(mlp, 1, 10)) {
                cnnScalar = a.run(xc).toFloatArray();
                mlpScalar = b.run(xm).toFloatArray();
            }
            dev.vectorgrad.kernels.Backends.use("vector");
            try (Inference a = new Inference(cnn, 1, 1, 28, 28); Inference b = new Inference(mlp, 1, 10)) {
                cnnVector = a.run(xc).toFloatArray();
                mlpVector = b.run(xm).toFloatArray();
            }
        } finally {
            dev.vectorgrad.kernels.Backends.setDefault(saved);
        }
        for (int i = 0; i < cnnScalar.length; i++) assertEquals(cnnScalar[i], cnnVector[i], 1e-4 * (1 + Math.abs(cnnScalar[i])), "cnn logit " + i);
        assertEquals(mlpScalar[0], mlpVector[0], 1e-5 * (1 + Math.abs(mlpScalar[0])));
    }
}
