package dev.vectorgrad.tensor;

import java.util.Arrays;

/** Shape arithmetic and the checks that produce our error messages. */
public final class Shapes {
    private Shapes() {}

    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Throws for negative dimensions; zero-size dimensions are legal. */
    public static int[] checkDims(int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d + " in shape " + str(shape));
            }
        }
        return shape.clone();
    }

    /** Row-major strides (in elements) of a contiguous tensor of this shape. */
    public static long[] contiguousStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** NumPy broadcasting of two shapes, or an exception naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                throw new IllegalArgumentException("cannot broadcast " + str(a) + " with " + str(b));
            }
        }
        return out;
    }

    /** Normalises a possibly negative axis against a rank, or throws naming the shape. */
    public static int axis(int axis, int[] shape) {
        int r = shape.length;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + str(shape) + " (rank " + r + ")");
        }
        return a;
    }

    public static void checkSame(String what, int[] expected, int[] actual) {
        if (!Arrays.equals(expected, actual)) {
            throw new IllegalArgumentException(what + ": expected shape " + str(expected) + " but got " + str(actual));
        }
    }

    public static void checkRank(String what, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(what + " must have rank " + rank + " but has shape " + str(t.shape()));
        }
    }

    /** A backend entry point's rank check: "op: what must have rank r, got shape [..]". */
    public static void checkRank(String op, String what, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + what + " must have rank " + rank + ", got shape " + str(t.shape()));
        }
    }

    /** A backend's gemm arguments: a, b, c of rank 2 and c = a @ b in shape (the native backends' messages). */
    public static void checkGemm(Tensor a, Tensor b, Tensor c) {
        checkRank("gemm", "a", a, 2);
        checkRank("gemm", "b", b, 2);
        checkRank("gemm", "c", c, 2);
        if (a.dim(1) != b.dim(0) || c.dim(0) != a.dim(0) || c.dim(1) != b.dim(1)) {
            throw new IllegalArgumentException("gemm: " + str(a.shape()) + " @ " + str(b.shape()) + " does not fit output " + str(c.shape()));
        }
    }
}
