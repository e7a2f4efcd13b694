package dev.vectorgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** One QuickTheories property per differentiable op: gradcheck on random shapes and values. */
class GradientPropertyTest {
    static final long SEED = Long.getLong("autograd.seed", 0x5EED_6A4DL);
    static final Map<String, AtomicInteger> RAN = new ConcurrentHashMap<>();

    /** On the default backend (vector unless -Dvectorgrad.backend says otherwise). */
    @TestFactory
    Stream<DynamicTest> gradcheckEveryOp() {
        String backend = Backends.kernels().name();
        return OpTable.OPS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey() + " on " + backend,
                () -> property(e.getKey(), e.getValue(), backend, OpTable.EXAMPLES.get(e.getKey()))));
    }

    /** Again on the scalar oracle when the default backend is another one (fewer cases each). */
    @TestFactory
    Stream<DynamicTest> gradcheckEveryOpOnScalarOracle() {
        if (Backends.kernels().name().equals("scalar")) return Stream.empty();
        return OpTable.OPS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey() + " on scalar", () -> {
            Kernels before = Backends.kernels();
            Backends.setDefault(Backends.get("scalar"));
            try {
                property(e.getKey(), e.getValue(), "scalar", OpTable.EXAMPLES.get(e.getKey()) / 2);
            } finally {
                Backends.setDefault(before);
            }
        }));
    }

    static void property(String rule, Function<OpTable.Draw, OpTable.Instance> gen, String backend, int examples) {
        Gen<OpTable.Instance> instances = Generate.intArrays(Generate.constant(16), Generate.range(0, 99))
                .map(c -> gen.apply(new OpTable.Draw(c)));
        Gen<Long> seeds = Generate.longRange(0, 1L << 40);
        AtomicInteger ran = RAN.computeIfAbsent(rule + "@" + backend, k -> new AtomicInteger());
        qt().withFixedSeed(SEED ^ rule.hashCode() ^ backend.hashCode()).withExamples(examples).withShrinkCycles(50)
                .forAll(instances, seeds)
                .checkAssert((inst, seed) -> {
                    ran.incrementAndGet();
                    try (Scope s = Scope.open()) {
                        Tensor[] inputs = inst.tensors(s, seed);
                        // The op under test must really be in the recorded graph.
                        Var[] ps = new Var[inputs.length];
                        for (int i = 0; i < ps.length; i++) ps[i] = Var.param(inputs[i]);
                        var ops = OpTable.opsIn(inst.fn().apply(ps));
                        assertTrue(ops.contains(rule), () -> inst + " did not record op " + rule + ", only " + ops);
                        GradCheck.check(inst.fn(), inputs);
                    }
                });
    }

    /** Every rule has a property test, and every property test names a rule. */
    @Test
    void coverage() {
        assertEquals(new TreeSet<>(F.RULES.keySet()), new TreeSet<>(OpTable.OPS.keySet()),
                "gradient rules vs property-tested ops");
    }

    @AfterAll
    static void report() {
        Map<String, Integer> counts = new TreeMap<>();
        RAN.forEach((k, v) -> counts.put(k, v.get()));
        System.out.println("gradcheck cases per op: " + counts);
    }
}
