package dev.vectorgrad.nativ.cuda;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.util.Arrays;

/**
 * A contiguous row-major tensor in GPU memory (cudaMalloc). Copies between host and device are explicit
 * ({@link #copyFrom(Tensor)}, {@link #copyTo(Tensor)}; both go through cudaMemcpy, which returns once the data
 * is where it was asked to be), kernels launched on device tensors run asynchronously until
 * {@link Cuda#synchronize()}. Close it to free the device memory; a closed tensor refuses every use.
 */
public final class DeviceTensor implements AutoCloseable {
    private final CudaRuntime rt;
    private final DType dtype;
    private final int[] shape;
    private final long numel;
    private long ptr;

    private DeviceTensor(CudaRuntime rt, DType dtype, int[] shape) {
        if (dtype != DType.F32 && dtype != DType.F64) throw new IllegalArgumentException("device tensors are F32 or F64, got " + dtype);
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Shapes.str(shape));
            n = Math.multiplyExact(n, d);
        }
        this.rt = rt;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.numel = n;
        this.ptr = rt.malloc(n * dtype.byteSize());
    }

    /** Allocates uninitialised device memory; throws IllegalStateException with the reason when CUDA is unavailable. */
    public static DeviceTensor alloc(DType dtype, int... shape) {
        return new DeviceTensor(CudaRuntime.get(), dtype, shape);
    }

    /** A device copy of a host tensor (which must be contiguous). */
    public static DeviceTensor of(Tensor host) {
        DeviceTensor d = alloc(host.dtype(), host.shape());
        d.copyFrom(host);
        return d;
    }

    public DType dtype() { return dtype; }

    public int[] shape() { return shape.clone(); }

    public long numel() { return numel; }

    public long byteSize() { return numel * dtype.byteSize(); }

    /** Device address; throws when closed. */
    long ptr() {
        if (ptr == 0) throw new IllegalStateException("device tensor " + Shapes.str(shape) + " used after close()");
        return ptr;
    }

    private void checkHost(String op, Tensor host) {
        host.checkAlive();
        if (host.dtype() != dtype || !Arrays.equals(host.shape(), shape)) {
            throw new IllegalArgumentException(op + ": host tensor " + host.dtype() + " " + Shapes.str(host.shape())
                    + " does not match device tensor " + dtype + " " + Shapes.str(shape));
        }
        if (!host.isContiguous()) throw new IllegalArgumentException(op + ": host tensor " + Shapes.str(host.shape()) + " must be contiguous");
    }

    /** Host to device (blocking). */
    public DeviceTensor copyFrom(Tensor host) {
        checkHost("copyFrom", host);
        host.scope().acquire(); // the copy reads/writes host memory by address: a close waits for it
        try {
            rt.memcpy(ptr(), host.address(), byteSize(), CudaRuntime.MEMCPY_HOST_TO_DEVICE);
        } finally {
            host.scope().release();
        }
        return this;
    }

    /** Device to host (blocking: waits for the kernels that write this tensor). */
    public Tensor copyTo(Tensor host) {
        checkHost("copyTo", host);
        host.scope().acquire(); // the copy reads/writes host memory by address: a close waits for it
        try {
            rt.memcpy(host.address(), ptr(), byteSize(), CudaRuntime.MEMCPY_DEVICE_TO_HOST);
        } finally {
            host.scope().release();
        }
        return host;
    }

    /** A new host tensor in the current scope with this tensor's contents. */
    public Tensor toHost() {
        return copyTo(Tensor.zeros(dtype, shape));
    }

    @Override
    public void close() {
        if (ptr != 0) {
            long p = ptr;
            ptr = 0;
            rt.free(p);
        }
    }

    @Override
    public String toString() {
        return "DeviceTensor(" + dtype + " " + Shapes.str(shape) + (ptr == 0 ? ", closed)" : ")");
    }
}
