package dev.vectorgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Scope.acquire/release: what native backends hold for the length of a call on raw addresses. */
class ScopeNativeUseTest {
    @Test
    void closeWaitsForANativeUseAndLaterUsesThrow() throws Exception {
        Scope s = Scope.shared();
        Tensor t = Tensor.zeros(s, DType.F32, 4);
        Scope.acquire(t, null, t); // one hold per distinct scope
        CountDownLatch closed = new CountDownLatch(1);
        Thread closer = new Thread(() -> {
            s.close();
            closed.countDown();
        });
        closer.start();
        Thread.sleep(100);
        assertEquals(1, closed.getCount(), "close() returned while a native call held the scope");
        assertTrue(s.isClosed()); // new uses already fail
        assertThrows(IllegalStateException.class, () -> Scope.acquire(t));
        Scope.release(t, null, t);
        closer.join(5_000);
        assertFalse(closer.isAlive());
        assertThrows(IllegalStateException.class, t::checkAlive);
    }

    @Test
    void holdsNestAndCloseWaitsForTheLast() throws Exception {
        Scope s = Scope.shared();
        Tensor t = Tensor.zeros(s, DType.F32, 4);
        Scope.acquire(t);
        Scope.acquire(t); // a native kernel that falls back to another native backend
        Thread closer = new Thread(s::close);
        closer.start();
        Scope.release(t);
        closer.join(100);
        assertTrue(closer.isAlive(), "one hold is still out");
        Scope.release(t);
        closer.join(5_000);
        assertFalse(closer.isAlive());
    }

    @Test
    void aFailedAcquireReleasesWhatItTook() {
        Scope live = Scope.shared(), dead = Scope.shared();
        Tensor a = Tensor.zeros(live, DType.F32, 2), b = Tensor.zeros(dead, DType.F32, 2);
        dead.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Scope.acquire(a, b));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        live.close(); // would wait forever if a's acquire had leaked
        assertTrue(live.isClosed());
    }
}
