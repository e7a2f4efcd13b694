package dev.vectorgrad.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.tensor.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The benchmarked models are real: training on a fixed batch lowers the loss, and backends agree. */
class KernelModelsTest {
    private Kernels saved;

    @BeforeEach
    void save() {
        saved = Backends.kernels();
    }

    @AfterEach
    void restore() {
        Backends.setDefault(saved);
    }

    @Test
    void mnistCnnTrainingLowersTheLossOnAFixedBatch() {
        Backends.use("vector");
        try (Scope s = Scope.open()) {
            KernelModels.MnistCnn m = new KernelModels.MnistCnn(s, 4, 7);
            double first = m.trainStep();
            double last = first;
            for (int i = 0; i < 10; i++) last = m.trainStep();
            assertTrue(first > 1.5 && first < 3.5, "initial loss near ln 10, got " + first);
            assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
        }
    }

    @Test
    void mlpTrainingLowersTheLoss() {
        Backends.use("vector");
        try (Scope s = Scope.open()) {
            KernelModels.Mlp m = new KernelModels.Mlp(s, 32, 3);
            double first = m.trainStep();
            double last = first;
            for (int i = 0; i < 200; i++) last = m.trainStep();
            assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
        }
    }

    @Test
    void batchOneInferenceAgreesAcrossBackends() {
        try (Scope s = Scope.open()) {
            Backends.use("scalar");
            float[] cnnScalar = new KernelModels.MnistCnn(s, 1, 11).forward(false).toFloatArray();
            float[] mlpScalar = new KernelModels.Mlp(s, 1, 11).forward().toFloatArray();
            Backends.use("vector");
            float[] cnnVector = new KernelModels.MnistCnn(s, 1, 11).forward(false).toFloatArray();
            float[] mlpVector = new KernelModels.Mlp(s, 1, 11).forward().toFloatArray();
            assertArrayEquals(cnnScalar, cnnVector, 1e-4f);
            assertArrayEquals(mlpScalar, mlpVector, 1e-5f);
        }
    }
}
