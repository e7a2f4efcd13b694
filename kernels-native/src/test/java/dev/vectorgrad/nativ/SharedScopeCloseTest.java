package dev.vectorgrad.nativ;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.UnaryOp;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A shared scope closed by one thread while another runs a native kernel on its tensors. Native code works on
 * raw addresses, so freeing the memory under it was a use-after-free: blocks over 32 MB are unmapped on free and
 * the JVM died with SIGSEGV in unary_f32 (this test, before Scope.acquire). Now close() waits for native calls
 * in flight on the scope, the worker's next call throws IllegalStateException, and the JVM lives on.
 */
class SharedScopeCloseTest {
    /** Makes the tensors in the scope and returns the call the worker repeats. */
    private static void closeDuring(Function<Scope, Runnable> setup) throws Exception {
        for (int round = 0; round < 4; round++) {
            Scope scope = Scope.shared();
            Runnable call = setup.apply(scope);
            AtomicReference<Throwable> ended = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread worker = new Thread(() -> {
                try {
                    while (true) {
                        started.countDown();
                        call.run();
                    }
                } catch (Throwable t) {
                    ended.set(t);
                }
            }, "native-worker");
            worker.start();
            started.await();
            Thread.sleep(10 + 7 * round); // lands inside a call (one takes ~10-60 ms)
            scope.close();
            worker.join(20_000);
            assertTrue(!worker.isAlive(), "worker still running");
            assertInstanceOf(IllegalStateException.class, ended.get(), () -> "worker ended with " + ended.get());
            assertTrue(scope.isClosed());
        }
    }

    private static Kernels backend(String name) {
        Backends.Status st = Backends.statuses().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        assumeTrue(st.available(), () -> name + " unavailable: " + st);
        return Backends.get(name);
    }

    @Test
    void jniKernelOnAClosingSharedScope() throws Exception {
        Kernels k = backend("native");
        closeDuring(scope -> {
            int n = 1 << 24; // 64 MB per tensor
            Tensor x = Tensor.zeros(scope, DType.F32, n), out = Tensor.zeros(scope, DType.F32, n);
            return () -> k.unary(UnaryOp.EXP, x, out);
        });
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(s, new float[] {0f, 1f}, 2), out = Tensor.zeros(s, DType.F32, 2);
            k.unary(UnaryOp.EXP, x, out);
            assertEquals((float) Math.E, out.getFloat(1), 1e-6f);
        }
    }

    @Test
    void openBlasGemmOnAClosingSharedScope() throws Exception {
        Kernels k = backend("openblas");
        closeDuring(scope -> {
            int n = 4096, kk = 8; // C is 64 MB
            Tensor x = Tensor.zeros(scope, DType.F32, n, kk), y = Tensor.zeros(scope, DType.F32, kk, n);
            Tensor c = Tensor.zeros(scope, DType.F32, n, n);
            return () -> k.gemm(1, x, y, 0, c);
        });
    }
}
