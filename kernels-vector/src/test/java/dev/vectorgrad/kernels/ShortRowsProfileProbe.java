package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.*;
import java.util.*;
import java.util.function.IntFunction;

/**
 * A main (it needs a fresh JVM; VMathOutOfLineTest forks it): each VMath-using op runs first on rows shorter than a vector (one call in
 * {@code every} on rows of 40), so the profile C2 compiles from has seen few vector iterations; then on rows of 100
 * in ConvTrainingAllocationTest's measuring rounds until it allocates nothing (60 s at most). Prints the ops still
 * allocating once warm (a vector helper left out of line and boxing). Run from the repository root after {@code mvn -pl kernels-vector test-compile}:
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp "kernels-vector/target/classes:kernels-vector/target/test-classes" \
 *   dev.vectorgrad.kernels.ShortRowsProfileProbe 5 10</pre>
 * Arguments: the short row length, every. {@code -Dops=substring} runs only the ops whose name contains it.
 */
public final class ShortRowsProfileProbe {
    public static void main(String[] a) {
        Parallel.setThreads(1);
        VectorKernels V = new VectorKernels();
        int shortC = Integer.parseInt(a[0]), every = Integer.parseInt(a[1]);
        try (Scope s = Scope.open()) {
            Random r = new Random(5);
            Map<String, IntFunction<Runnable>> ops = new LinkedHashMap<>();
            for (DType dt : new DType[] {DType.F32, DType.F64}) {
                for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.GELU}) {
                    ops.put(op + " " + dt, c -> { Tensor x = ConvTestSupport.random(s, dt, r, 4, c), o = ConvTestSupport.zeros(s, dt, 4, c);
                        return () -> V.unary(op, x, o); });
                }
                ops.put("softmax " + dt, c -> { Tensor x = ConvTestSupport.random(s, dt, r, 4, c), o = ConvTestSupport.zeros(s, dt, 4, c);
                    return () -> V.softmax(x, 1, o); });
                ops.put("logSoftmax " + dt, c -> { Tensor x = ConvTestSupport.random(s, dt, r, 4, c), o = ConvTestSupport.zeros(s, dt, 4, c);
                    return () -> V.logSoftmax(x, 1, o); });
                ops.put("ce " + dt, c -> { Tensor x = ConvTestSupport.random(s, dt, r, 4, c), g = ConvTestSupport.zeros(s, dt, 4, c);
                    Tensor lab = Tensor.zeros(s, DType.I32, 4);
                    return () -> V.softmaxCrossEntropy(x, lab, Reduction.MEAN, g); });
                ops.put("ceProbs " + dt, c -> { Tensor x = ConvTestSupport.random(s, dt, r, 4, c), g = ConvTestSupport.zeros(s, dt, 4, c), t = ConvTestSupport.random(s, dt, r, 4, c);
                    return () -> V.softmaxCrossEntropyProbs(x, t, Reduction.SUM, g); });
                ops.put("bce " + dt, c -> { Tensor x = ConvTestSupport.random(s, dt, r, c), g = ConvTestSupport.zeros(s, dt, c), t = ConvTestSupport.random(s, dt, r, c);
                    return () -> V.bceWithLogits(x, t, Reduction.MEAN, g); });
                ops.put("bce nograd " + dt, c -> { Tensor x = ConvTestSupport.random(s, dt, r, c), t = ConvTestSupport.random(s, dt, r, c);
                    return () -> V.bceWithLogits(x, t, Reduction.MEAN, null); });
            }
            for (Activation act : Activation.values()) {
                ops.put("biasAct dense " + act, c -> { Tensor x = ConvTestSupport.random(s, DType.F32, r, 4, c), b = ConvTestSupport.random(s, DType.F32, r, c), o = ConvTestSupport.zeros(s, DType.F32, 4, c);
                    return () -> V.biasActivation(x, b, 1, act, o); });
                ops.put("biasAct plane " + act, c -> { Tensor x = ConvTestSupport.random(s, DType.F32, r, 2, 3, c), b = ConvTestSupport.random(s, DType.F32, r, 3), o = ConvTestSupport.zeros(s, DType.F32, 2, 3, c);
                    return () -> V.biasActivation(x, b, 1, act, o); });
                ops.put("actBackward " + act, c -> { Tensor y = ConvTestSupport.random(s, DType.F32, r, c), g = ConvTestSupport.random(s, DType.F32, r, c), o = ConvTestSupport.zeros(s, DType.F32, c);
                    return () -> V.activationBackward(act, y, g, o); });
            }
            Map<String, Runnable[]> built = new LinkedHashMap<>();
            String only = System.getProperty("ops", "");
            for (var e : ops.entrySet()) if (e.getKey().contains(only)) built.put(e.getKey(), new Runnable[] {e.getValue().apply(shortC), e.getValue().apply(40), e.getValue().apply(100)});
            for (int i = 0; i < 30000; i++)
                for (Runnable[] rr : built.values()) rr[i % every == 0 ? 1 : 0].run();
            Map<String, Runnable> longRows = new LinkedHashMap<>();
            built.forEach((k, rr) -> longRows.put(k, rr[2]));
            StringBuilder bad = new StringBuilder();
            ConvTrainingAllocationTest.measure(longRows, 1, false).forEach((k, v) -> {
                if (v >= 1) bad.append(k).append('=').append(Math.round(v)).append(' ');
            });
            System.out.println("allocating after warm-up (B/call): " + (bad.length() == 0 ? "none" : bad));
        }
    }
}
