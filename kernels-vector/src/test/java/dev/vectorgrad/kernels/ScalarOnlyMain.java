package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;

/**
 * Run by {@link NoVectorModuleTest} in a JVM started without {@code --add-modules jdk.incubator.vector}: uses
 * the library and prints the backend and a checksum on stdout (the fallback reason goes to stderr).
 */
public final class ScalarOnlyMain {
    public static void main(String[] args) {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
            Tensor c = Ops.add(a, b);
            Tensor sm = Ops.softmax(c, 1);
            double rowSum = Ops.reduceAll(ReduceOp.SUM, sm);
            System.out.println("backend=" + Backends.kernels().name() + " sum=" + Ops.sum(c) + " softmaxRows=" + Math.round(rowSum));
        }
    }
}
