package dev.vectorgrad.nativ.jni;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.kernels.KernelConformance;
import dev.vectorgrad.kernels.ScalarKernels;
import org.junit.jupiter.api.Test;

/**
 * The shared kernel table of kernels-vector (every elementwise, reduction and softmax op on tail sizes, strided,
 * transposed and broadcast layouts, and the error inputs) run against the JNI backend. Layouts the C++ code does
 * not handle are forwarded to the scalar backend, as in production.
 */
class JniSharedConformanceTest {
    @Test
    void sharedTableOnTheNativeBackend() {
        NativeTestSupport.assumeNative();
        JniKernels k = new JniKernels(new ScalarKernels());
        int cases = KernelConformance.runAll(k);
        assertTrue(cases > 5000, "ran only " + cases + " cases");
    }

    @Test
    void sharedErrorInputsOnTheNativeBackend() {
        NativeTestSupport.assumeNative();
        assertTrue(KernelConformance.checkErrors(new JniKernels(new ScalarKernels())) > 50);
    }
}
