package dev.vectorgrad.nativ.jni;

import static dev.vectorgrad.nativ.jni.NativeTestSupport.nativeOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.BinaryOp;
import dev.vectorgrad.kernels.Conv2dSpec;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.OptimizerSteps;
import dev.vectorgrad.kernels.Pool2dSpec;
import dev.vectorgrad.kernels.ReduceOp;
import dev.vectorgrad.kernels.Reduction;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every native entry point refuses a wrong shape and a closed tensor with an exception before any native
 * call, and the JVM lives on (a native call afterwards still gives the right answer). Wrong shapes are tried
 * both through {@link Ops} with the native backend as default and directly on {@link JniKernels}, which must
 * check on its own because nothing else stands between it and the C++ code.
 */
class JniKernelsSafetyTest {
    private static final Conv2dSpec CONV = Conv2dSpec.of(1, 0);
    private static final Pool2dSpec POOL = Pool2dSpec.of(2, 2);
    private static final OptimizerSteps.Sgd SGD = new OptimizerSteps.Sgd(0.1, 0.9, 0, false, 0);
    private static final OptimizerSteps.Adam ADAM = new OptimizerSteps.Adam(1e-3, 0.9, 0.999, 1e-8, 0, false, 1);
    private static final OptimizerSteps.RmsProp RMS = new OptimizerSteps.RmsProp(1e-2, 0.99, 1e-8, 0.9, 0);
    private static final OptimizerSteps.Adadelta ADA = new OptimizerSteps.Adadelta(1, 0.9, 1e-6, 0);

    @BeforeEach
    void requireLibrary() {
        NativeTestSupport.assumeNative();
    }

    /** One call per native op on tensors t0..: [2,3] x, [2,3] y, [3,4] z, NCHW image, weights, ... */
    private static Map<String, Consumer<Tensor[]>> calls(Kernels k) {
        Map<String, Consumer<Tensor[]>> m = new LinkedHashMap<>();
        m.put("unary", t -> k.unary(UnaryOp.EXP, t[0], t[1]));
        m.put("binary", t -> k.binary(BinaryOp.ADD, t[0], t[1], t[1]));
        m.put("binaryScalar", t -> k.binaryScalar(BinaryOp.MUL, t[0], 2, t[1]));
        m.put("compare", t -> k.compare(dev.vectorgrad.kernels.CompareOp.LT, t[0], t[0], t[1]));
        m.put("where", t -> k.where(t[0], t[0], t[0], t[1]));
        m.put("copy", t -> k.copy(t[0], t[1]));
        m.put("reduce", t -> k.reduce(ReduceOp.SUM, t[0], 1, t[1]));
        m.put("softmax", t -> k.softmax(t[0], 1, t[1]));
        m.put("logSoftmax", t -> k.logSoftmax(t[0], 1, t[1]));
        m.put("gemm", t -> k.gemm(1, t[0], t[1], 0, t[1]));
        m.put("conv2d", t -> k.conv2d(t[3], t[4], null, CONV, t[1]));
        m.put("conv2dBackwardData", t -> k.conv2dBackwardData(t[1], t[4], CONV, t[3]));
        m.put("conv2dBackwardWeight", t -> k.conv2dBackwardWeight(t[3], t[1], CONV, t[4], null));
        m.put("maxPool2d", t -> k.maxPool2d(t[3], POOL, t[1], null));
        m.put("avgPool2d", t -> k.avgPool2d(t[3], POOL, t[1]));
        m.put("avgPool2dBackward", t -> k.avgPool2dBackward(t[1], POOL, t[3]));
        m.put("biasActivation", t -> k.biasActivation(t[0], null, 1, dev.vectorgrad.kernels.Activation.RELU, t[1]));
        m.put("activationBackward", t -> k.activationBackward(dev.vectorgrad.kernels.Activation.TANH, t[0], t[0], t[1]));
        m.put("softmaxCrossEntropyProbs", t -> k.softmaxCrossEntropyProbs(t[0], t[1], Reduction.MEAN, null));
        m.put("bceWithLogits", t -> k.bceWithLogits(t[0], t[1], Reduction.MEAN, null));
        m.put("mse", t -> k.mse(t[0], t[1], Reduction.SUM, null));
        m.put("sgdUpdate", t -> k.sgdUpdate(t[0], t[1], t[0], SGD));
        m.put("adamUpdate", t -> k.adamUpdate(t[0], t[1], t[0], t[0], ADAM));
        m.put("rmsPropUpdate", t -> k.rmsPropUpdate(t[0], t[1], t[0], t[0], RMS));
        m.put("adadeltaUpdate", t -> k.adadeltaUpdate(t[0], t[1], t[0], t[0], ADA));
        return m;
    }

    /** Tensors that fit none of the ops' shape rules: t[1] is always the wrong size. */
    private static Tensor[] wrongShapes(DType dt) {
        return new Tensor[] {Tensor.zeros(dt, 2, 3), Tensor.zeros(dt, 5, 7), null, Tensor.zeros(dt, 1, 2, 6, 6),
            Tensor.zeros(dt, 4, 2, 3, 3)};
    }

    private static void stillWorks(Kernels k) {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3), out = Tensor.zeros(DType.F32, 3);
        k.binaryScalar(BinaryOp.ADD, a, 1, out);
        assertEquals(4.0, out.getFlat(2));
        assertEquals(9.0, k.reduceAll(ReduceOp.SUM, out));
    }

    @Test
    void everyOpRejectsWrongShapesDirectly() {
        JniKernels k = nativeOnly();
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Tensor[] t = wrongShapes(dt);
            calls(k).forEach((name, call) -> {
                var e = assertThrows(IllegalArgumentException.class, () -> call.accept(t), name + " accepted wrong shapes");
                assertTrue(e.getMessage().matches(".*\\d+x\\d+.*|.*\\[.*"), name + ": message should name the shapes: " + e.getMessage());
            });
        }
        Tensor logits = Tensor.zeros(DType.F32, 4, 3);
        assertThrows(IllegalArgumentException.class,
                () -> k.softmaxCrossEntropy(logits, Tensor.ofInts(new int[] {0, 1, 2}, 3), Reduction.MEAN, null), "label count");
        assertThrows(IllegalArgumentException.class,
                () -> k.softmaxCrossEntropy(logits, Tensor.ofInts(new int[] {0, 1, 2, 3}, 4), Reduction.MEAN, null), "label range");
        Tensor img = Tensor.zeros(DType.F32, 1, 1, 4, 4), pooled = Tensor.zeros(DType.F32, 1, 1, 2, 2);
        assertThrows(IllegalArgumentException.class,
                () -> k.maxPool2dBackward(pooled, Tensor.zeros(DType.I32, 1, 1, 3, 3), POOL, img), "argmax shape");
        assertThrows(IllegalArgumentException.class,
                () -> k.sgdUpdate(Tensor.zeros(DType.F32, 3), Tensor.zeros(DType.F32, 3), null, SGD), "momentum without buffer");
        stillWorks(k);
    }

    @Test
    void wrongShapesThroughOpsWithNativeDefault() {
        Kernels before = Backends.kernels();
        Backends.setDefault(Backends.get("native"));
        try {
            assertEquals("native", Backends.kernels().name());
            Tensor a = Tensor.zeros(DType.F32, 2, 3), b = Tensor.zeros(DType.F32, 4, 5);
            Executable[] bad = {
                () -> Ops.gemm(1, a, b, 0, Tensor.zeros(DType.F32, 2, 5)),
                () -> Ops.binaryInto(BinaryOp.ADD, a, a, b),
                () -> Ops.unaryInto(UnaryOp.EXP, a, b),
                () -> Ops.conv2d(Tensor.zeros(DType.F32, 1, 2, 5, 5), Tensor.zeros(DType.F32, 3, 4, 3, 3), null, CONV),
                () -> Ops.mse(a, b, Reduction.MEAN, null),
                () -> Ops.adamUpdate(a, b, a, a, ADAM),
            };
            for (Executable e : bad) assertThrows(IllegalArgumentException.class, e);
            stillWorks(Backends.kernels());
            Tensor c = Ops.gemm(1, Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), Tensor.of(new float[] {5, 6, 7, 8}, 2, 2), 0, Tensor.zeros(DType.F32, 2, 2));
            assertEquals(19.0, c.getFlat(0));
            assertEquals(50.0, c.getFlat(3));
        } finally {
            Backends.setDefault(before);
        }
    }

    @Test
    void everyOpRejectsClosedTensors() {
        JniKernels k = nativeOnly();
        Tensor[] t;
        try (Scope s = Scope.open()) {
            t = new Tensor[] {Tensor.zeros(DType.F32, 2, 3), Tensor.zeros(DType.F32, 2, 3), null, Tensor.zeros(DType.F32, 1, 2, 4, 4),
                Tensor.zeros(DType.F32, 4, 2, 3, 3)};
        }
        calls(k).forEach((name, call) -> {
            var e = assertThrows(IllegalStateException.class, () -> call.accept(t), name + " used a closed tensor");
            assertTrue(e.getMessage().contains("closed"), name + ": " + e.getMessage());
        });
        assertThrows(IllegalStateException.class, () -> k.fill(t[0], 1));
        assertThrows(IllegalStateException.class, () -> k.reduceAll(ReduceOp.MAX, t[0]));
        stillWorks(k);
    }

    @Test
    void opsWithIndexTensorsRejectClosedTensors() {
        JniKernels k = nativeOnly();
        Tensor logits, labels, img, pooled, argmax, gradIn;
        try (Scope s = Scope.open()) {
            logits = Tensor.zeros(DType.F32, 2, 3);
            labels = Tensor.ofInts(new int[] {0, 2}, 2);
            img = Tensor.zeros(DType.F32, 1, 1, 4, 4);
            pooled = Tensor.zeros(DType.F32, 1, 1, 2, 2);
            argmax = Tensor.zeros(DType.I32, 1, 1, 2, 2);
            gradIn = Tensor.zeros(DType.F32, 1, 1, 4, 4);
        }
        Executable[] calls = {
            () -> k.softmaxCrossEntropy(logits, labels, Reduction.MEAN, null),
            () -> k.maxPool2d(img, POOL, pooled, argmax),
            () -> k.maxPool2dBackward(pooled, argmax, POOL, gradIn),
        };
        for (Executable c : calls) {
            var e = assertThrows(IllegalStateException.class, c);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        stillWorks(k);
    }

    @Test
    void otherThreadsCannotUseAConfinedTensor() throws Exception {
        JniKernels k = nativeOnly();
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.zeros(DType.F32, 8);
            Throwable[] seen = new Throwable[1];
            Thread th = new Thread(() -> {
                try {
                    k.fill(x, 3);
                } catch (Throwable e) {
                    seen[0] = e;
                }
            });
            th.start();
            th.join();
            assertTrue(seen[0] instanceof IllegalStateException, "expected IllegalStateException, got " + seen[0]);
            assertEquals(0.0, x.getFlat(0));
        }
    }

    @Test
    void unsupportedLayoutsAreForwardedNotRun() {
        // Over the real fallback, a transposed input and an I32 tensor go to Java and still give right answers.
        Kernels k = Backends.get("native");
        Tensor m = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor out = Tensor.zeros(DType.F64, 3, 2);
        k.unary(UnaryOp.NEG, m.t(), out);
        assertEquals(-4.0, out.getDouble(0, 1));
        Tensor ints = Tensor.ofInts(new int[] {1, 2, 3}, 3);
        assertEquals(6.0, k.reduceAll(ReduceOp.SUM, ints));
        // Broadcast (stride 0) operand of a binary op.
        Tensor row = Tensor.of(new double[] {10, 20, 30}, 1, 3).expand(2, 3);
        Tensor sum = Tensor.zeros(DType.F64, 2, 3);
        k.binary(BinaryOp.ADD, m, row, sum);
        assertEquals(36.0, sum.getDouble(1, 2));
        // And the refusing fallback proves the direct native path would have declined them.
        assertThrows(AssertionError.class, () -> nativeOnly().unary(UnaryOp.NEG, m.t(), out));
    }
}
