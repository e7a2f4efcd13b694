package dev.vectorgrad.nativ.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.KernelsProvider;
import dev.vectorgrad.kernels.ScalarKernels;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The CUDA provider probes without throwing everywhere; GEMM is checked against the oracle where a GPU is. */
class CudaProviderTest {
    @Test
    void probingNeverThrowsAndGivesAReason() {
        KernelsProvider.Availability a = new CudaProvider().availability();
        assertNotNull(a.reason());
        assertFalse(a.reason().isBlank());
        System.out.println("cuda availability: " + a);
        if (!a.available()) {
            assertTrue(a.reason().contains("libcudart") || a.reason().contains("CUDA device") || a.reason().contains("libcublas")
                    || a.reason().contains("probe failed"), a.reason());
            var e = assertThrows(IllegalStateException.class, () -> DeviceTensor.alloc(DType.F32, 4));
            assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
            assertThrows(IllegalStateException.class, () -> new CudaProvider().create(new ScalarKernels()));
        }
    }

    @Test
    void cudaKernelLibraryBindsWhenBuilt() {
        // Built only with -DVG_CUDA=ON and nvcc; binding its symbols through FFM needs libcudart but no device.
        Assumptions.assumeTrue(CudaKernelsLib.class.getResource("/native/linux-x86_64/libvectorgrad_cuda.so") != null,
                "libvectorgrad_cuda.so not packaged (CMake without -DVG_CUDA=ON or no nvcc)");
        Object s = CudaKernelsLib.probe();
        assertTrue(s instanceof CudaKernelsLib, String.valueOf(s));
    }

    @Test
    void deviceElementwiseAndSoftmaxMatchOracle() {
        Assumptions.assumeTrue(Cuda.isAvailable() && CudaKernelsLib.probe() instanceof CudaKernelsLib,
                () -> "cuda kernels unavailable: " + Cuda.reason() + " / " + CudaKernelsLib.probe());
        ScalarKernels o = new ScalarKernels();
        SplittableRandom r = new SplittableRandom(5);
        for (int n : new int[] {1, 7, 127, 4099}) {
            Tensor x = Tensor.zeros(DType.F64, 3, n), want = Tensor.zeros(DType.F64, 3, n);
            for (long i = 0; i < x.numel(); i++) x.setFlat(i, r.nextDouble(-5, 5));
            try (DeviceTensor dx = DeviceTensor.of(x); DeviceTensor dy = DeviceTensor.alloc(DType.F64, 3, n)) {
                Cuda.unary(dev.vectorgrad.kernels.UnaryOp.TANH, dx, dy);
                o.unary(dev.vectorgrad.kernels.UnaryOp.TANH, x, want);
                Tensor got = dy.toHost();
                for (long i = 0; i < want.numel(); i++) assertEquals(want.getFlat(i), got.getFlat(i), 1e-14);
                Cuda.softmax(false, dx, dy);
                o.softmax(x, 1, want);
                got = dy.toHost();
                for (long i = 0; i < want.numel(); i++) assertEquals(want.getFlat(i), got.getFlat(i), 1e-14);
            }
        }
    }

    @Test
    void deviceGemmMatchesOracle() {
        Assumptions.assumeTrue(Cuda.isAvailable(), () -> "cuda unavailable: " + Cuda.reason());
        SplittableRandom r = new SplittableRandom(3);
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            for (int[] mnk : new int[][] {{1, 1, 1}, {7, 13, 17}, {127, 63, 207}}) {
                Tensor a = Tensor.zeros(dt, mnk[0], mnk[2]), b = Tensor.zeros(dt, mnk[2], mnk[1]), want = Tensor.zeros(dt, mnk[0], mnk[1]);
                for (long i = 0; i < a.numel(); i++) a.setFlat(i, r.nextDouble(-1, 1));
                for (long i = 0; i < b.numel(); i++) b.setFlat(i, r.nextDouble(-1, 1));
                new ScalarKernels().gemm(1, a, b, 0, want);
                try (DeviceTensor da = DeviceTensor.of(a); DeviceTensor db = DeviceTensor.of(b); DeviceTensor dc = DeviceTensor.alloc(dt, mnk[0], mnk[1])) {
                    Cuda.gemm(1, da, db, 0, dc);
                    Cuda.synchronize();
                    Tensor got = dc.toHost();
                    double tol = 2 * (mnk[2] + 4) * (dt == DType.F32 ? 0x1p-24 : 0x1p-53) * mnk[2];
                    for (long i = 0; i < want.numel(); i++) assertEquals(want.getFlat(i), got.getFlat(i), tol);
                }
                assertThrows(IllegalArgumentException.class, () -> Cuda.gemm(1, DeviceTensor.alloc(dt, 2, 3), DeviceTensor.alloc(dt, 4, 5), 0,
                        DeviceTensor.alloc(dt, 2, 5)));
            }
        }
    }
}
