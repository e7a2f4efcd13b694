package dev.vectorgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vectorgrad.kernels.Backends;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Every allocation ends in {@link Scope#SLACK} zeroed bytes inside its segment (the kernels' masked vector ops at a
 * tensor's last row then take the JDK's plain path), which the byte counts leave out and which no tensor op treats as
 * elements.
 */
class ScopeSlackTest {
    @Test
    void segmentsEndInZeroedSlackThatTheCountsLeaveOut() {
        try (Scope s = Scope.open()) {
            long before = Scope.liveBytes();
            Tensor t = Tensor.zeros(s, DType.F32, 3, 5);
            MemorySegment seg = t.segment();
            assertEquals(15 * 4 + Scope.SLACK, seg.byteSize());
            assertEquals(0, seg.address() % Scope.ALIGNMENT);
            for (long b = 15 * 4; b < seg.byteSize(); b++) assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, b), "slack byte " + b);
            assertEquals(before + 15 * 4, Scope.liveBytes());
            assertEquals(15, t.numel());
            assertEquals(15, t.toFloatArray().length);
        }
    }

    @Test
    void aProductEndingAtItsSegmentsEndIsUnchangedBySlack() {
        // 8 x 8 x 8 on the tiny path: B's last row and C's last row sit at their segments' ends, where the slack lets
        // the masked load and store run whole-vector checks. The result must be the oracle's.
        try (Scope s = Scope.open()) {
            float[] av = new float[64], bv = new float[64];
            for (int i = 0; i < 64; i++) {
                av[i] = (i * 7 % 13) - 6;
                bv[i] = (i * 5 % 11) - 5;
            }
            Tensor a = Tensor.of(s, av, 8, 8), b = Tensor.of(s, bv, 8, 8);
            Tensor c = Tensor.zeros(s, DType.F32, 8, 8), ref = Tensor.zeros(s, DType.F32, 8, 8);
            Backends.get("vector").gemm(1.0, a, b, 0.0, c);
            Backends.get("scalar").gemm(1.0, a, b, 0.0, ref);
            // small integers: every partial sum is exact, so the two orders agree to the bit
            org.junit.jupiter.api.Assertions.assertArrayEquals(ref.toFloatArray(), c.toFloatArray());
        }
    }
}
