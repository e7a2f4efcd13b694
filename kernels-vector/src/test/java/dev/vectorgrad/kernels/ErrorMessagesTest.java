package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input fails before any kernel runs, with a message naming the shapes. */
class ErrorMessagesTest {
    static void fails(Class<? extends Throwable> type, String fragment, Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage() != null && t.getMessage().contains(fragment),
                "expected a message containing '" + fragment + "' but got: " + t.getMessage());
    }

    static Tensor f32(int... shape) { return Tensor.zeros(Scope.global(), DType.F32, shape); }

    @Test
    void broadcastMismatchNamesBothShapes() {
        fails(IllegalArgumentException.class, "cannot broadcast [2, 3] with [4, 3]", () -> Ops.add(f32(2, 3), f32(4, 3)));
        fails(IllegalArgumentException.class, "cannot broadcast [2, 3] with [4, 3]", () -> Ops.compare(CompareOp.LT, f32(2, 3), f32(4, 3)));
    }

    @Test
    void negativeDimension() {
        fails(IllegalArgumentException.class, "negative dimension -2 in shape [3, -2]", () -> f32(3, -2));
    }

    @Test
    void axisOutOfRangeNamesRankAndShape() {
        fails(IllegalArgumentException.class, "axis 2 out of range for shape [2, 3] (rank 2)", () -> Ops.reduce(ReduceOp.SUM, f32(2, 3), 2, false));
        fails(IllegalArgumentException.class, "axis -3 out of range for shape [2, 3]", () -> Ops.softmax(f32(2, 3), -3));
    }

    @Test
    void dtypeMismatch() {
        Tensor d = Tensor.zeros(Scope.global(), DType.F64, 2, 3);
        fails(IllegalArgumentException.class, "dtype mismatch, F32 [2, 3] vs F64 [2, 3]", () -> Ops.add(f32(2, 3), d));
        fails(IllegalArgumentException.class, "needs a floating-point tensor", () -> Ops.unary(UnaryOp.EXP, Tensor.ofInts(new int[] {1}, 1)));
    }

    @Test
    void wrongOutputShape() {
        fails(IllegalArgumentException.class, "output has shape [3, 2] but the result has shape [2, 3]",
                () -> Ops.binaryInto(BinaryOp.ADD, f32(2, 3), f32(3), f32(3, 2)));
    }

    @Test
    void emptyMaxIsRejected() {
        fails(IllegalArgumentException.class, "max of an empty tensor of shape [0, 3]", () -> Ops.reduceAll(ReduceOp.MAX, f32(0, 3)));
        fails(IllegalArgumentException.class, "argmax of an empty axis 0 in shape [0, 3]", () -> Ops.reduce(ReduceOp.ARGMAX, f32(0, 3), 0, false));
    }

    @Test
    void useAfterScopeClosed() {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = Tensor.zeros(s, DType.F32, 4);
        }
        Tensor dead = t;
        fails(IllegalStateException.class, "used after its scope was closed", () -> Ops.unary(UnaryOp.EXP, dead));
        fails(IllegalStateException.class, "used after its scope was closed", () -> dead.getDouble(0));
    }

    @Test
    void wrongThread() throws Exception {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.zeros(s, DType.F32, 4);
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    Ops.unary(UnaryOp.EXP, t);
                } catch (Throwable e) {
                    seen.set(e);
                }
            }, "intruder");
            other.start();
            other.join();
            Throwable e = seen.get();
            assertTrue(e instanceof IllegalStateException, "expected IllegalStateException, got " + e);
            assertTrue(e.getMessage().contains("used from thread 'intruder'"), e.getMessage());
        }
    }
}
