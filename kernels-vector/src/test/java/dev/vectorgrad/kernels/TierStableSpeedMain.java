package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Speed of the tier-stable fused bias+tanh and F32 BCE-with-logits kernels (VMath) against the lanewise(TANH /
 * LOG1P) loops they replaced (copied below as they were, except that their VMath exp now goes through memory, the
 * only form VMath has), in one JVM, alternating blocks of calls; thread CPU time
 * per call, median over rounds. One kernel thread. Run from the repository root after a test-compile:
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dvectorgrad.quiet=true \
 *   -cp kernels-vector/target/classes:kernels-vector/target/test-classes dev.vectorgrad.kernels.TierStableSpeedMain [rounds]
 * </pre>
 */
public final class TierStableSpeedMain {
    private TierStableSpeedMain() {}

    private static final VectorSpecies<Float> FS = VectorKernels.FS;
    private static final int L = FS.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Parallel.setThreads(1);
        VectorKernels k = new VectorKernels();
        try (Scope s = Scope.open()) {
            Rng rng = new Rng(1);
            Tensor dense = uniform(rng, 4, 64, 256), dBias = uniform(rng, 1, 256), dOut = Tensor.zeros(DType.F32, 64, 256);
            Tensor conv = uniform(rng, 4, 8, 16, 24, 24), cBias = uniform(rng, 1, 16), cOut = Tensor.zeros(DType.F32, 8, 16, 24, 24);
            Tensor logits = uniform(rng, 8, 4096), targets = Ops.unary(UnaryOp.SIGMOID, uniform(rng, 2, 4096)), grad = Tensor.zeros(DType.F32, 4096);
            Map<String, Runnable> ops = new LinkedHashMap<>();
            ops.put("biasTanh dense 64x256  old", () -> oldBiasTanhDense(dense, dBias, dOut));
            ops.put("biasTanh dense 64x256  new", () -> k.biasActivation(dense, dBias, 1, Activation.TANH, dOut));
            ops.put("biasTanh conv 8x16x24x24 old", () -> oldBiasTanhConv(conv, cBias, cOut));
            ops.put("biasTanh conv 8x16x24x24 new", () -> k.biasActivation(conv, cBias, 1, Activation.TANH, cOut));
            ops.put("bce 4096 grad    old", () -> oldBce(logits, targets, grad));
            ops.put("bce 4096 grad    new", () -> k.bceWithLogits(logits, targets, Reduction.MEAN, grad));
            ops.put("bce 4096 no grad old", () -> oldBce(logits, targets, null));
            ops.put("bce 4096 no grad new", () -> k.bceWithLogits(logits, targets, Reduction.MEAN, null));
            Map<String, List<Double>> ns = new LinkedHashMap<>();
            Map<String, Double> bytes = new LinkedHashMap<>();
            for (String name : ops.keySet()) ns.put(name, new ArrayList<>());
            for (int r = -20; r < rounds; r++) { // the first 20 rounds warm up
                for (var e : ops.entrySet()) {
                    int calls = 50;
                    long b0 = THREADS.getCurrentThreadAllocatedBytes(), t0 = THREADS.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) e.getValue().run();
                    long t1 = THREADS.getCurrentThreadCpuTime(), b1 = THREADS.getCurrentThreadAllocatedBytes();
                    if (r >= 0) {
                        ns.get(e.getKey()).add((t1 - t0) / (double) calls);
                        bytes.put(e.getKey(), (b1 - b0) / (double) calls);
                    }
                }
            }
            double prevMedian = 0, prevMin = 0;
            for (var e : ns.entrySet()) {
                double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double median = v[v.length / 2], min = v[0];
                boolean isNew = e.getKey().endsWith("new");
                System.out.printf("%-30s median %8.0f ns  min %8.0f ns  %6.0f B/call%s%n", e.getKey(), median, min, bytes.get(e.getKey()),
                        isNew ? String.format("   new/old: median %.2f, min %.2f", median / prevMedian, min / prevMin) : "");
                prevMedian = median;
                prevMin = min;
            }
        }
    }

    private static Tensor uniform(Rng rng, double scale, int... shape) {
        return Ops.uniform(Tensor.zeros(DType.F32, shape), -scale, scale, rng);
    }

    // ---- the replaced kernels, as they were (lanewise TANH in the shared activate switch; BCE in one pass)

    private static void oldBiasTanhDense(Tensor x, Tensor bias, Tensor out) {
        int rows = x.dim(0), C = x.dim(1);
        MemorySegment xs = x.segment(), bs = bias.segment(), os = out.segment();
        for (int row = 0; row < rows; row++) {
            long base = (long) row * C;
            oldDenseRow(xs, x.offset() + base, bs, bias.offset(), os, out.offset() + base, C);
        }
    }

    private static void oldDenseRow(MemorySegment xs, long xo, MemorySegment bs, long bo, MemorySegment os, long oo, int C) {
        int c = 0, bound = FS.loopBound(C);
        for (; c < bound; c += L) {
            FloatVector v = FloatVector.fromMemorySegment(FS, xs, (xo + c) * 4, NO).add(FloatVector.fromMemorySegment(FS, bs, (bo + c) * 4, NO));
            v.lanewise(VectorOperators.TANH).intoMemorySegment(os, (oo + c) * 4, NO);
        }
        for (; c < C; c++) os.setAtIndex(F, oo + c, (float) Math.tanh(xs.getAtIndex(F, xo + c) + bs.getAtIndex(F, bo + c)));
    }

    private static void oldBiasTanhConv(Tensor x, Tensor bias, Tensor out) {
        int n = x.dim(0), C = x.dim(1), plane = x.dim(2) * x.dim(3);
        MemorySegment xs = x.segment(), bs = bias.segment(), os = out.segment();
        for (int row = 0; row < n; row++)
            for (int c = 0; c < C; c++) {
                long base = ((long) row * C + c) * plane;
                oldPlane(xs, x.offset() + base, bs.getAtIndex(F, bias.offset() + c), os, out.offset() + base, plane);
            }
    }

    private static void oldPlane(MemorySegment xs, long xo, float b, MemorySegment os, long oo, int len) {
        int i = 0, bound = FS.loopBound(len);
        for (; i < bound; i += L)
            FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, NO).add(b).lanewise(VectorOperators.TANH).intoMemorySegment(os, (oo + i) * 4, NO);
        for (; i < len; i++) os.setAtIndex(F, oo + i, (float) Math.tanh(xs.getAtIndex(F, xo + i) + b));
    }

    private static double oldBce(Tensor logits, Tensor targets, Tensor grad) {
        int n = Math.toIntExact(logits.numel()); // one chunk (4096) here
        float scale = 1f / n;
        float s = grad == null ? oldBceChunk(logits.segment(), logits.offset(), targets.segment(), targets.offset(), n)
                : oldBceChunkGrad(logits.segment(), logits.offset(), targets.segment(), targets.offset(), grad.segment(), grad.offset(), n, scale);
        return (double) s * scale;
    }

    private static float oldBceChunk(MemorySegment xs, long xo, MemorySegment ts, long to, int len) {
        FloatVector acc = FloatVector.zero(FS);
        int i = 0, bound = FS.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, NO), t = FloatVector.fromMemorySegment(FS, ts, (to + i) * 4, NO);
            MemorySegment sc = VMath.scratch();
            x.abs().neg().intoMemorySegment(sc, 0, NO);
            VMath.expF(sc, 0, sc, 0);
            FloatVector e = FloatVector.fromMemorySegment(FS, sc, 0, NO);
            acc = acc.add(x.max(0f).sub(x.mul(t)).add(e.lanewise(VectorOperators.LOG1P)));
        }
        float s = Lanes.sum(acc);
        for (; i < len; i++) {
            float x = xs.getAtIndex(F, xo + i), t = ts.getAtIndex(F, to + i);
            s += Math.max(x, 0f) - x * t + (float) Math.log1p((float) Math.exp(-Math.abs(x)));
        }
        return s;
    }

    private static float oldBceChunkGrad(MemorySegment xs, long xo, MemorySegment ts, long to, MemorySegment gs, long go, int len, float scale) {
        FloatVector acc = FloatVector.zero(FS);
        int i = 0, bound = FS.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(FS, xs, (xo + i) * 4, NO), t = FloatVector.fromMemorySegment(FS, ts, (to + i) * 4, NO);
            MemorySegment sc = VMath.scratch();
            x.abs().neg().intoMemorySegment(sc, 0, NO);
            VMath.expF(sc, 0, sc, 0);
            FloatVector e = FloatVector.fromMemorySegment(FS, sc, 0, NO);
            FloatVector sig = e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f));
            sig.sub(t).mul(scale).intoMemorySegment(gs, (go + i) * 4, NO);
            acc = acc.add(x.max(0f).sub(x.mul(t)).add(e.lanewise(VectorOperators.LOG1P)));
        }
        float s = Lanes.sum(acc);
        for (; i < len; i++) {
            float x = xs.getAtIndex(F, xo + i), t = ts.getAtIndex(F, to + i);
            float e = (float) Math.exp(-Math.abs(x));
            float sig = (x >= 0 ? 1f : e) / (e + 1f);
            gs.setAtIndex(F, go + i, (sig - t) * scale);
            s += Math.max(x, 0f) - x * t + (float) Math.log1p(e);
        }
        return s;
    }
}
