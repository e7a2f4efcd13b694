package dev.vectorgrad.nn.data;

import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Batches of a {@link Dataset} written into reused off-heap buffers (allocated once, in the loader's own shared
 * scope): a batch's tensors are valid until the next batch is fetched. With shuffle on, each epoch (each call
 * to {@link #iterator}) draws a new permutation from the seeded generator.
 */
public final class DataLoader implements Iterable<DataLoader.Batch>, AutoCloseable {
    /** Features [b, featureShape...] (F32) and targets: F32 [b, width] or I32 labels [b]. */
    public record Batch(Tensor x, Tensor y, int size) {}

    private final Dataset data;
    private final int batch;
    private final boolean shuffle;
    private final Rng rng;
    private final Scope scope = Scope.shared();
    private final Tensor xBuf, yBuf;

    public DataLoader(Dataset data, int batchSize, boolean shuffle, Rng rng) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (shuffle && rng == null) throw new IllegalArgumentException("a shuffling loader needs a seeded Rng");
        this.data = data;
        this.batch = batchSize;
        this.shuffle = shuffle;
        this.rng = rng;
        int[] fs = data.featureShape();
        int[] xs = new int[fs.length + 1];
        xs[0] = batchSize;
        System.arraycopy(fs, 0, xs, 1, fs.length);
        xBuf = Tensor.zeros(scope, DType.F32, xs);
        yBuf = data.hasLabels() ? Tensor.zeros(scope, DType.I32, batchSize) : Tensor.zeros(scope, DType.F32, batchSize, data.targetWidth());
    }

    public Dataset dataset() { return data; }

    public int batchSize() { return batch; }

    public int batchCount() { return (data.size() + batch - 1) / batch; }

    @Override
    public Iterator<Batch> iterator() {
        int n = data.size();
        int[] order = shuffle ? Dataset.permutation(n, rng) : null;
        return new Iterator<>() {
            int pos = 0;

            @Override
            public boolean hasNext() { return pos < n; }

            @Override
            public Batch next() {
                if (pos >= n) throw new NoSuchElementException();
                int b = Math.min(batch, n - pos);
                int fs = data.featureSize();
                MemorySegment xs = xBuf.segment();
                MemorySegment ys = yBuf.segment();
                float[] x = data.x();
                for (int i = 0; i < b; i++) {
                    int s = order == null ? pos + i : order[pos + i];
                    MemorySegment.copy(x, s * fs, xs, ValueLayout.JAVA_FLOAT, (long) i * fs * 4, fs);
                    if (data.hasLabels()) {
                        ys.setAtIndex(ValueLayout.JAVA_INT, i, data.labels()[s]);
                    } else {
                        int w = data.targetWidth();
                        MemorySegment.copy(data.y(), s * w, ys, ValueLayout.JAVA_FLOAT, (long) i * w * 4, w);
                    }
                }
                pos += b;
                Tensor bx = b == batch ? xBuf : xBuf.slice(0, 0, b);
                Tensor by = b == batch ? yBuf : yBuf.slice(0, 0, b);
                return new Batch(bx, by, b);
            }
        };
    }

    @Override
    public void close() { scope.close(); }
}
