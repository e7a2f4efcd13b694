package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @Test
    void everyIndexRunsExactlyOnceInFixedParts() {
        for (int t : new int[] {1, 2, 3, 8}) {
            Parallel.setThreads(t);
            for (int n : new int[] {0, 1, 2, 7, 64, 1000, 4097}) {
                for (int grain : new int[] {1, 3, 100}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    AtomicInteger calls = new AtomicInteger();
                    Parallel.forRange(n, grain, (lo, hi) -> {
                        calls.incrementAndGet();
                        for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n + ", threads " + t);
                    assertTrue(calls.get() <= Math.max(1, Math.min(t, n / grain)), calls + " parts");
                }
            }
        }
    }

    @Test
    void aFailingPartIsRethrownAfterTheOthersAndThePoolKeepsWorking() {
        Parallel.setThreads(4);
        IllegalStateException boom = new IllegalStateException("boom");
        for (int failing = 0; failing < 4; failing++) {
            int f = failing;
            RuntimeException e = assertThrows(RuntimeException.class, () -> Parallel.forRange(400, 1, (lo, hi) -> {
                if (lo == f * 100) throw boom;
            }));
            assertSame(boom, e);
        }
        AtomicInteger sum = new AtomicInteger();
        Parallel.forRange(400, 1, (lo, hi) -> sum.addAndGet(hi - lo));
        assertEquals(400, sum.get());
    }

    @Test
    void nestedCallsRunInline() {
        Parallel.setThreads(2);
        AtomicInteger inner = new AtomicInteger();
        Parallel.forRange(2, 1, (lo, hi) -> Parallel.forRange(10, 1, (a, b) -> inner.addAndGet(b - a)));
        assertEquals(20, inner.get());
    }

    /**
     * With more parts than cores the caller takes the parts that no worker has started (a parked or descheduled
     * worker no longer holds the call up). With fixed part-per-thread assignment the caller never ran part >= 1.
     */
    @Test
    void theCallerRunsPartsNoWorkerHasClaimed() {
        Parallel.setThreads(8);
        Thread caller = Thread.currentThread();
        AtomicInteger callerExtraParts = new AtomicInteger();
        for (int call = 0; call < 200 && callerExtraParts.get() == 0; call++) {
            Parallel.forRange(8, 1, (lo, hi) -> {
                if (lo > 0 && Thread.currentThread() == caller) callerExtraParts.incrementAndGet();
            });
            if (call % 20 == 19) sleep(5); // let the workers park
        }
        assertTrue(callerExtraParts.get() > 0, "the caller never ran a part beyond its own");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
