package dev.vectorgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Views share storage and copy only when they must. */
class TensorViewTest {
    static Tensor iota(int... shape) {
        Tensor t = Tensor.zeros(Scope.global(), DType.F32, shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, i);
        return t;
    }

    @Test
    void reshapeOfContiguousIsAView() {
        Tensor t = iota(2, 3);
        Tensor r = t.reshape(3, -1);
        assertArrayEquals(new int[] {3, 2}, r.shape());
        assertTrue(r.sharesStorage(t));
        r.setDouble(42, 2, 1);
        assertEquals(42, t.getDouble(1, 2));
    }

    @Test
    void reshapeOfTransposedCopiesWithTheRightOrder() {
        Tensor t = iota(2, 3).t(); // [[0, 3], [1, 4], [2, 5]]
        Tensor r = t.reshape(6);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, r.toFloatArray());
        assertFalse(r.sharesStorage(t), "a transposed tensor cannot be flattened without a copy");
    }

    @Test
    void transposeAndPermuteSwapStrides() {
        Tensor t = iota(2, 3, 4);
        Tensor p = t.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertArrayEquals(new long[] {1, 12, 4}, p.strides());
        assertEquals(t.getDouble(1, 2, 3), p.getDouble(3, 1, 2));
        Tensor tr = t.transpose(0, 2);
        assertEquals(t.getDouble(1, 0, 3), tr.getDouble(3, 0, 1));
        assertFalse(tr.isContiguous());
        assertTrue(tr.sharesStorage(t));
    }

    @Test
    void sliceWithStep() {
        Tensor t = iota(10);
        Tensor s = t.slice(0, 1, 8, 3); // 1, 4, 7
        assertArrayEquals(new int[] {3}, s.shape());
        assertArrayEquals(new float[] {1, 4, 7}, s.toFloatArray());
        assertEquals(3, s.stride(0));
        assertTrue(s.sharesStorage(t));
    }

    @Test
    void expandHasStrideZeroAndNoCopy() {
        Tensor t = iota(3, 1);
        Tensor e = t.expand(3, 4);
        assertEquals(0, e.stride(1));
        assertTrue(e.sharesStorage(t));
        assertEquals(2, e.getDouble(2, 3));
    }

    @Test
    void squeezeAndUnsqueeze() {
        Tensor t = iota(2, 1, 3);
        assertArrayEquals(new int[] {2, 3}, t.squeeze(1).shape());
        assertArrayEquals(new int[] {1, 2, 1, 3}, t.unsqueeze(0).shape());
        assertArrayEquals(new int[] {2, 1, 3, 1}, t.unsqueeze(-1).shape());
        assertArrayEquals(new int[] {2, 3}, t.squeeze().shape());
        assertTrue(t.squeeze().sharesStorage(t));
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor t = iota(3, 4);
        assertSame(t, t.contiguous());
        Tensor c = t.t().contiguous();
        assertNotSame(t, c);
        assertTrue(c.isContiguous());
        assertFalse(c.sharesStorage(t));
        assertEquals(t.getDouble(1, 2), c.getDouble(2, 1));
    }

    @Test
    void zeroSizeDimensionsAreLegal() {
        Tensor t = Tensor.zeros(Scope.global(), DType.F64, 3, 0, 2);
        assertEquals(0, t.numel());
        assertArrayEquals(new int[] {0, 3, 2}, t.permute(1, 0, 2).shape());
        assertArrayEquals(new int[] {0, 6}, t.permute(1, 0, 2).reshape(0, 6).shape());
        assertEquals(0, t.toDoubleArray().length);
    }
}
