package dev.vectorgrad.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An n-dimensional array of {@link DType} elements in an off-heap {@link MemorySegment} owned by a {@link Scope}.
 * A tensor is a view: shape, strides (in elements, may be 0 for broadcast dimensions) and an offset into its
 * storage segment. View operations ({@link #reshape}, {@link #transpose}, {@link #permute}, {@link #slice},
 * {@link #expand}, {@link #squeeze}, {@link #unsqueeze}) never copy; {@link #contiguous()} copies only when needed.
 *
 * <p>Tensors are not thread-safe for writing; reading a tensor of a {@link Scope#shared()} scope from many
 * threads is fine.
 */
public final class Tensor {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final MemorySegment storage;
    private final Scope scope;
    private final DType dtype;
    private final int[] shape;
    private final long[] strides;
    private final long offset;
    private final long numel;
    private final boolean contiguous;

    Tensor(MemorySegment storage, Scope scope, DType dtype, int[] shape, long[] strides, long offset) {
        this.storage = storage;
        this.scope = scope;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.numel = Shapes.numel(shape);
        this.contiguous = computeContiguous(shape, strides);
    }

    private static boolean computeContiguous(int[] shape, long[] strides) {
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != acc) return false;
            acc *= shape[i];
        }
        return true;
    }

    // ---------------------------------------------------------------- creation

    /** Zero-filled tensor in {@code scope}. */
    public static Tensor zeros(Scope scope, DType dtype, int... shape) {
        int[] s = Shapes.checkDims(shape);
        long bytes = Shapes.numel(s) * dtype.byteSize();
        MemorySegment seg = scope.allocate(bytes);
        return new Tensor(seg, scope, dtype, s, Shapes.contiguousStrides(s), 0);
    }

    /** Zero-filled tensor in the {@link Scope#current() current} scope. */
    public static Tensor zeros(DType dtype, int... shape) {
        return zeros(Scope.current(), dtype, shape);
    }

    /** An uninitialised-looking (in fact zeroed) tensor of the same dtype and shape as {@code like}, in the current scope. */
    public static Tensor empty(Tensor like) {
        return zeros(Scope.current(), like.dtype, like.shape);
    }

    public static Tensor of(float[] data, int... shape) {
        return of(Scope.current(), data, shape);
    }

    public static Tensor of(Scope scope, float[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = zeros(scope, DType.F32, shape);
        MemorySegment.copy(data, 0, t.storage, F, 0, data.length);
        return t;
    }

    public static Tensor of(double[] data, int... shape) {
        return of(Scope.current(), data, shape);
    }

    public static Tensor of(Scope scope, double[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = zeros(scope, DType.F64, shape);
        MemorySegment.copy(data, 0, t.storage, D, 0, data.length);
        return t;
    }

    public static Tensor ofInts(int[] data, int... shape) {
        return ofInts(Scope.current(), data, shape);
    }

    public static Tensor ofInts(Scope scope, int[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = zeros(scope, DType.I32, shape);
        MemorySegment.copy(data, 0, t.storage, I, 0, data.length);
        return t;
    }

    /** A rank-0 tensor holding one value. */
    public static Tensor scalar(DType dtype, double value) {
        Tensor t = zeros(dtype);
        t.setDouble(value);
        return t;
    }

    private static void checkLength(int length, int[] shape) {
        Shapes.checkDims(shape);
        if (Shapes.numel(shape) != length) {
            throw new IllegalArgumentException("array of length " + length + " does not fit shape " + Shapes.str(shape)
                    + " (" + Shapes.numel(shape) + " elements)");
        }
    }

    // ---------------------------------------------------------------- accessors

    public DType dtype() { return dtype; }

    public int[] shape() { return shape.clone(); }

    public int dim(int axis) { return shape[Shapes.axis(axis, shape)]; }

    public int rank() { return shape.length; }

    public long numel() { return numel; }

    public long[] strides() { return strides.clone(); }

    public long stride(int axis) { return strides[Shapes.axis(axis, shape)]; }

    /** Offset of element [0, ..., 0] in the storage segment, in elements. */
    public long offset() { return offset; }

    public Scope scope() { return scope; }

    /** Row-major with no gaps (strides of size-1 dimensions ignored). */
    public boolean isContiguous() { return contiguous; }

    /**
     * The storage segment (whole allocation, not just this view). Checks liveness and thread first; kernels
     * index it with {@link #offset()} and {@link #strides()}.
     */
    public MemorySegment segment() {
        scope.checkAccess();
        return storage;
    }

    /** Throws if the scope was closed or the calling thread may not use it. */
    public Tensor checkAlive() {
        scope.checkAccess();
        return this;
    }

    /** True when both views read the same storage segment. */
    public boolean sharesStorage(Tensor other) {
        return storage.address() == other.storage.address() && storage.byteSize() == other.storage.byteSize();
    }

    /** Native address of element [0, ..., 0] (for JNI/FFM backends; check liveness first). */
    public long address() {
        return segment().address() + offset * dtype.byteSize();
    }

    // ---------------------------------------------------------------- element access

    private long elementIndex(int[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(idx) + " has " + idx.length
                    + " coordinates but the tensor has shape " + Shapes.str(shape));
        }
        long e = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " out of bounds for shape " + Shapes.str(shape));
            }
            e += idx[i] * strides[i];
        }
        return e;
    }

    /** Storage element index of the {@code i}-th element in row-major logical order. */
    public long elementIndexOfFlat(long i) {
        long e = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            int n = shape[d];
            e += (i % n) * strides[d];
            i /= n;
        }
        return e;
    }

    /**
     * Storage element index of the {@code i}-th element (row-major) of this tensor's shape with {@code axis}
     * removed, at position 0 along {@code axis}: the start of the i-th line along that axis.
     */
    public long elementIndexOfFlatWithAxisZero(long i, int axis) {
        long e = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (d == axis) continue;
            int n = shape[d];
            e += (i % n) * strides[d];
            i /= n;
        }
        return e;
    }

    public double getDouble(int... idx) {
        scope.checkAccess();
        return read(elementIndex(idx));
    }

    public float getFloat(int... idx) {
        return (float) getDouble(idx);
    }

    public int getInt(int... idx) {
        scope.checkAccess();
        long e = elementIndex(idx);
        return dtype == DType.I32 ? storage.getAtIndex(I, e) : (int) read(e);
    }

    public void setDouble(double v, int... idx) {
        scope.checkAccess();
        write(elementIndex(idx), v);
    }

    /** Reads the {@code i}-th element in row-major logical order. */
    public double getFlat(long i) {
        scope.checkAccess();
        return read(elementIndexOfFlat(i));
    }

    public void setFlat(long i, double v) {
        scope.checkAccess();
        write(elementIndexOfFlat(i), v);
    }

    /** Unchecked read of storage element {@code e} (kernels check liveness once per call). */
    public double read(long e) {
        return switch (dtype) {
            case F32 -> storage.getAtIndex(F, e);
            case F64 -> storage.getAtIndex(D, e);
            case I32 -> storage.getAtIndex(I, e);
        };
    }

    /** Unchecked write of storage element {@code e}. */
    public void write(long e, double v) {
        switch (dtype) {
            case F32 -> storage.setAtIndex(F, e, (float) v);
            case F64 -> storage.setAtIndex(D, e, v);
            case I32 -> storage.setAtIndex(I, e, (int) v);
        }
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel != 1) {
            throw new IllegalArgumentException("item() needs a tensor with one element, got shape " + Shapes.str(shape));
        }
        scope.checkAccess();
        return read(offset);
    }

    public float[] toFloatArray() {
        scope.checkAccess();
        float[] a = new float[Math.toIntExact(numel)];
        if (contiguous && dtype == DType.F32) {
            MemorySegment.copy(storage, F, offset * 4, a, 0, a.length);
        } else {
            for (int i = 0; i < a.length; i++) a[i] = (float) read(elementIndexOfFlat(i));
        }
        return a;
    }

    public double[] toDoubleArray() {
        scope.checkAccess();
        double[] a = new double[Math.toIntExact(numel)];
        if (contiguous && dtype == DType.F64) {
            MemorySegment.copy(storage, D, offset * 8, a, 0, a.length);
        } else {
            for (int i = 0; i < a.length; i++) a[i] = read(elementIndexOfFlat(i));
        }
        return a;
    }

    public int[] toIntArray() {
        scope.checkAccess();
        int[] a = new int[Math.toIntExact(numel)];
        for (int i = 0; i < a.length; i++) {
            long e = elementIndexOfFlat(i);
            a[i] = dtype == DType.I32 ? storage.getAtIndex(I, e) : (int) read(e);
        }
        return a;
    }

    // ---------------------------------------------------------------- views

    /** A view with new shape/strides/offset over the same storage. */
    public Tensor view(int[] newShape, long[] newStrides, long newOffset) {
        return new Tensor(storage, scope, dtype, newShape, newStrides, newOffset);
    }

    /**
     * Same elements in a new shape; one dimension may be -1. A view when the layout allows (always for
     * contiguous tensors), otherwise a contiguous copy.
     */
    public Tensor reshape(int... newShape) {
        int[] s = inferShape(newShape);
        if (contiguous) {
            return view(s, Shapes.contiguousStrides(s), offset);
        }
        long[] st = viewStrides(s);
        if (st != null) {
            return view(s, st, offset);
        }
        return contiguous().reshape(s);
    }

    private int[] inferShape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dimension can be -1 in reshape " + Shapes.str(newShape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("negative dimension " + s[i] + " in reshape " + Shapes.str(newShape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("cannot reshape tensor of shape " + Shapes.str(shape) + " into " + Shapes.str(newShape));
            }
            s[infer] = (int) (numel / known);
        }
        if (Shapes.numel(s) != numel) {
            throw new IllegalArgumentException("cannot reshape tensor of shape " + Shapes.str(shape) + " (" + numel
                    + " elements) into " + Shapes.str(newShape));
        }
        return s;
    }

    /** Strides for viewing this (non-contiguous) tensor in {@code s} without copying, or null (PyTorch's computeStride). */
    private long[] viewStrides(int[] s) {
        if (numel == 0) return Shapes.contiguousStrides(s);
        long[] out = new long[s.length];
        int viewD = s.length - 1;
        long chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || s[viewD] == 1)) {
                    out[viewD] = viewNumel * chunkBase;
                    viewNumel *= s[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) return null;
        return out;
    }

    public Tensor transpose(int a, int b) {
        int x = Shapes.axis(a, shape), y = Shapes.axis(b, shape);
        int[] s = shape.clone();
        long[] st = strides.clone();
        s[x] = shape[y];
        s[y] = shape[x];
        st[x] = strides[y];
        st[y] = strides[x];
        return view(s, st, offset);
    }

    /** Transpose of a matrix (rank 2). */
    public Tensor t() {
        Shapes.checkRank("t()", this, 2);
        return transpose(0, 1);
    }

    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute " + Arrays.toString(order) + " does not match shape " + Shapes.str(shape));
        }
        boolean[] seen = new boolean[order.length];
        int[] s = new int[order.length];
        long[] st = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = Shapes.axis(order[i], shape);
            if (seen[a]) throw new IllegalArgumentException("permute " + Arrays.toString(order) + " repeats axis " + a);
            seen[a] = true;
            s[i] = shape[a];
            st[i] = strides[a];
        }
        return view(s, st, offset);
    }

    /** Elements {@code start, start+step, ...} below {@code end} along {@code axis} (negative start/end count from the end). */
    public Tensor slice(int axis, int start, int end, int step) {
        int a = Shapes.axis(axis, shape);
        int n = shape[a];
        if (step <= 0) throw new IllegalArgumentException("slice step must be positive, got " + step);
        int s0 = start < 0 ? start + n : start;
        int e0 = end < 0 ? end + n : end;
        s0 = Math.max(0, Math.min(s0, n));
        e0 = Math.max(s0, Math.min(e0, n));
        int[] s = shape.clone();
        long[] st = strides.clone();
        s[a] = (e0 - s0 + step - 1) / step;
        st[a] = strides[a] * step;
        return view(s, st, offset + (long) s0 * strides[a]);
    }

    public Tensor slice(int axis, int start, int end) {
        return slice(axis, start, end, 1);
    }

    /** The sub-tensor at {@code index} along {@code axis}, with that axis removed. */
    public Tensor select(int axis, int index) {
        int a = Shapes.axis(axis, shape);
        if (index < 0 || index >= shape[a]) {
            throw new IndexOutOfBoundsException("index " + index + " out of range for axis " + a + " of shape " + Shapes.str(shape));
        }
        return slice(a, index, index + 1, 1).squeeze(a);
    }

    /** Broadcast view to {@code newShape} (stride 0 on expanded dimensions); -1 keeps a dimension. */
    public Tensor expand(int... newShape) {
        if (newShape.length < shape.length) {
            throw new IllegalArgumentException("cannot expand shape " + Shapes.str(shape) + " to " + Shapes.str(newShape));
        }
        int lead = newShape.length - shape.length;
        int[] s = new int[newShape.length];
        long[] st = new long[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            int want = newShape[i];
            if (i < lead) {
                if (want < 0) throw new IllegalArgumentException("cannot expand shape " + Shapes.str(shape) + " to " + Shapes.str(newShape));
                s[i] = want;
                st[i] = 0;
            } else {
                int have = shape[i - lead];
                if (want == -1 || want == have) {
                    s[i] = have;
                    st[i] = strides[i - lead];
                } else if (have == 1 && want >= 0) {
                    s[i] = want;
                    st[i] = 0;
                } else {
                    throw new IllegalArgumentException("cannot expand shape " + Shapes.str(shape) + " to " + Shapes.str(newShape));
                }
            }
        }
        return view(s, st, offset);
    }

    /** Removes dimension {@code axis}, which must have size 1. */
    public Tensor squeeze(int axis) {
        int a = Shapes.axis(axis, shape);
        if (shape[a] != 1) {
            throw new IllegalArgumentException("cannot squeeze axis " + axis + " of size " + shape[a] + " in shape " + Shapes.str(shape));
        }
        int[] s = new int[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == a) continue;
            s[j] = shape[i];
            st[j++] = strides[i];
        }
        return view(s, st, offset);
    }

    /** Removes every dimension of size 1. */
    public Tensor squeeze() {
        Tensor t = this;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) t = t.squeeze(i);
        }
        return t;
    }

    /** Inserts a dimension of size 1 at {@code axis} (0..rank, negative counts from rank+1). */
    public Tensor unsqueeze(int axis) {
        int r = shape.length;
        int a = axis < 0 ? axis + r + 1 : axis;
        if (a < 0 || a > r) {
            throw new IllegalArgumentException("axis " + axis + " out of range for unsqueeze of shape " + Shapes.str(shape));
        }
        int[] s = new int[r + 1];
        long[] st = new long[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            if (i == a) {
                s[i] = 1;
                st[i] = a < r ? strides[a] * shape[a] : 1;
            } else {
                s[i] = shape[j];
                st[i] = strides[j++];
            }
        }
        return view(s, st, offset);
    }

    /** This tensor if contiguous, else a row-major copy in the current scope. */
    public Tensor contiguous() {
        if (contiguous) return this;
        scope.checkAccess();
        Tensor out = zeros(Scope.current(), dtype, shape);
        copyElements(this, out);
        return out;
    }

    /** A contiguous copy in {@code target} scope (with the same dtype). */
    public Tensor copyTo(Scope target) {
        scope.checkAccess();
        Tensor out = zeros(target, dtype, shape);
        copyElements(this, out);
        return out;
    }

    /** Plain element-by-element copy (any strides, any dtypes). Kernels provide the fast versions. */
    static void copyElements(Tensor src, Tensor dst) {
        long n = src.numel;
        if (src.contiguous && dst.contiguous && src.dtype == dst.dtype) {
            MemorySegment.copy(src.storage, src.offset * src.dtype.byteSize(), dst.storage,
                    dst.offset * dst.dtype.byteSize(), n * src.dtype.byteSize());
            return;
        }
        for (long i = 0; i < n; i++) {
            dst.write(dst.elementIndexOfFlat(i), src.read(src.elementIndexOfFlat(i)));
        }
    }

    // ---------------------------------------------------------------- printing

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tensor(");
        if (scope.isClosed()) {
            return sb.append("<closed>, shape=").append(Shapes.str(shape)).append(", dtype=").append(dtype).append(')').toString();
        }
        if (numel <= 1000) {
            appendData(sb, 0, offset, 7);
        } else {
            sb.append("...");
        }
        return sb.append(", shape=").append(Shapes.str(shape)).append(", dtype=").append(dtype).append(')').toString();
    }

    private void appendData(StringBuilder sb, int d, long e, int indent) {
        if (d == shape.length) {
            double v = read(e);
            if (dtype == DType.I32) sb.append((long) v);
            else sb.append(String.format("%.4g", v));
            return;
        }
        sb.append('[');
        for (int i = 0; i < shape[d]; i++) {
            if (i > 0) {
                sb.append(',');
                if (d < shape.length - 1) sb.append('\n').append(" ".repeat(indent + d + 1));
                else sb.append(' ');
            }
            appendData(sb, d + 1, e + i * strides[d], indent);
        }
        sb.append(']');
    }
}
