package dev.vectorgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.vectorgrad.kernels.KernelConformance.Layout;
import dev.vectorgrad.kernels.KernelConformance.OpInfo;
import dev.vectorgrad.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Vector API backend against the scalar specification, through the {@link KernelConformance} table. */
class VectorKernelsConformanceTest {
    static final Kernels VECTOR = new VectorKernels();
    static final List<OpInfo> OPS = KernelConformance.ops();
    static final Layout[] LAYOUTS = Layout.values();

    @BeforeAll
    static void twoThreads() {
        // Cases above VectorElementwise.PAR_CHEAP / PAR_HEAVY per thread take the Parallel path; make sure 2
        // threads are in use here whatever the machine.
        Parallel.setThreads(2);
    }

    @AfterAll
    static void restore() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void everyOpOnEverySizeAndLayout() {
        int cases = KernelConformance.runAll(VECTOR);
        assertTrue(cases > 5000, "ran only " + cases + " cases");
    }

    @Test
    void errorInputsAreRejectedWithShapesInTheMessage() {
        assertTrue(KernelConformance.checkErrors(VECTOR) > 50);
    }

    @Test
    void largeInputsTakeTheParallelPath() {
        int n = 2 * Math.max(VectorElementwise.PAR_CHEAP, VectorElementwise.PAR_HEAVY) + 5;
        Layout c = Layout.CONTIGUOUS;
        for (String name : new String[] {"add", "exp", "mul_scalar"}) {
            KernelConformance.check(VECTOR, KernelConformance.op(name), DType.F32, new int[] {n}, 0, new Layout[] {c, c}, 7);
        }
        KernelConformance.check(VECTOR, KernelConformance.op("softmax"), DType.F32, new int[] {2, n / 2}, 1, new Layout[] {c}, 9);
        KernelConformance.check(VECTOR, KernelConformance.op("sub"), DType.F64, new int[] {n / 512, 512}, 1, new Layout[] {c, Layout.BROADCAST_ROW}, 8);
    }

    @Test
    void randomShapesLayoutsAndBroadcasts() {
        qt().withExamples(400).withShrinkCycles(50)
                .forAll(integers().between(0, OPS.size() - 1),
                        lists().of(integers().between(0, 9)).ofSizeBetween(1, 4),
                        lists().of(integers().between(0, LAYOUTS.length - 1)).ofSize(3),
                        longs().all())
                .checkAssert((opIndex, dims, layoutIdx, seed) -> {
                    OpInfo op = OPS.get(opIndex);
                    int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
                    int axis = (int) Math.floorMod(seed, shape.length);
                    boolean empty = java.util.Arrays.stream(shape).anyMatch(d -> d == 0);
                    boolean needsElements = op.name().endsWith("max") || op.name().endsWith("min") || op.name().endsWith("argmax");
                    if (empty && (op.kind() == KernelConformance.Kind.REDUCE || op.kind() == KernelConformance.Kind.REDUCE_ALL) && needsElements) {
                        return; // rejected by Ops before any kernel runs (see error tests)
                    }
                    Layout[] ls = layoutIdx.stream().map(i -> LAYOUTS[i]).toArray(Layout[]::new);
                    if (op.kind() != KernelConformance.Kind.BINARY && op.kind() != KernelConformance.Kind.WHERE) {
                        for (int i = 0; i < ls.length; i++) if (ls[i].name().startsWith("BROADCAST")) ls[i] = Layout.STRIDED;
                    }
                    DType dt = (seed & 1) == 0 ? DType.F32 : DType.F64;
                    KernelConformance.check(VECTOR, op, dt, shape, axis, ls, seed);
                });
    }
}
