package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The kernels that call VMath (F32 log and tanh; F64 exp, log, sigmoid, GELU, tanh, softmax and log-softmax) allocate nothing per call once
 * compiled: VMath's methods must inline into each loop (a vector passed to a call that is not inlined is boxed on
 * the heap, tens of bytes per vector), which this test sees through the thread's allocation counter.
 */
class VMathAllocationTest {
    static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void vmathKernelsAllocateNothingOnceWarm() {
        Kernels k = new VectorKernels();
        int saved = Parallel.threads();
        Parallel.setThreads(1);
        try (Scope s = Scope.open()) {
            int n = 1000; // leaves a tail for 4, 8 and 16 lanes
            Tensor a = Tensor.zeros(s, DType.F32, 4, n), t = Tensor.zeros(s, DType.F32, 4, n), out = Tensor.zeros(s, DType.F32, 4, n);
            Tensor d = Tensor.zeros(s, DType.F64, 4, n), dOut = Tensor.zeros(s, DType.F64, 4, n);
            k.fill(a, 0.5);
            k.fill(t, 0.25);
            k.fill(d, 0.75);
            Map<String, Runnable> ops = new LinkedHashMap<>();
            ops.put("log F32", () -> k.unary(UnaryOp.LOG, a, out));
            ops.put("tanh F32", () -> k.unary(UnaryOp.TANH, a, out));
            ops.put("exp F64", () -> k.unary(UnaryOp.EXP, d, dOut));
            ops.put("log F64", () -> k.unary(UnaryOp.LOG, d, dOut));
            ops.put("sigmoid F64", () -> k.unary(UnaryOp.SIGMOID, d, dOut));
            ops.put("gelu F64", () -> k.unary(UnaryOp.GELU, d, dOut));
            ops.put("tanh F64", () -> k.unary(UnaryOp.TANH, d, dOut));
            ops.put("softmax F64", () -> k.softmax(d, 1, dOut));
            ops.put("logSoftmax F64", () -> k.logSoftmax(d, 1, dOut));
            Map<String, Double> bytes = new LinkedHashMap<>();
            for (String name : ops.keySet()) bytes.put(name, Double.MAX_VALUE);
            // C2 may take a while on a loaded machine: warm up in rounds until every op is allocation-free.
            for (int round = 0; round < 40 && bytes.values().stream().anyMatch(v -> v >= 1); round++) {
                for (Map.Entry<String, Runnable> e : ops.entrySet()) {
                    if (bytes.get(e.getKey()) < 1) continue;
                    for (int i = 0; i < 500; i++) e.getValue().run();
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 100; i++) e.getValue().run();
                    bytes.put(e.getKey(), (THREADS.getCurrentThreadAllocatedBytes() - before) / 100.0);
                }
            }
            assertTrue(bytes.values().stream().allMatch(v -> v < 1), "VMath kernels still allocate once warm (bytes per call): " + bytes);
        } finally {
            Parallel.setThreads(saved);
        }
    }
}
