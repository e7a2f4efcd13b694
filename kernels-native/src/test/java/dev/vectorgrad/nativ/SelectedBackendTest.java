package dev.vectorgrad.nativ;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.ForwardingKernels;
import dev.vectorgrad.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With {@code -Dvectorgrad.backend=NAME} on the Maven command line, the forked test JVMs really run on NAME:
 * surefire passes the property on and, kernels-native being on the class path, {@link Backends} selects it
 * instead of logging a refusal and falling back to vector. Skipped when no backend is forced, or when the forced
 * one is unavailable here (then its reason is the skip message).
 */
class SelectedBackendTest {
    @Test
    void theForcedBackendIsTheOneInUse() {
        String forced = System.getProperty("vectorgrad.backend");
        assumeTrue(forced != null && !forced.isBlank(), "no -Dvectorgrad.backend given");
        String name = forced.trim().toLowerCase(java.util.Locale.ROOT);
        assumeTrue(Backends.isAvailable(name), () -> name + " unavailable here: "
                + Backends.statuses().stream().filter(s -> s.name().equals(name)).findFirst().map(Backends.Status::reason).orElse("unknown"));
        List<String> chain = new ArrayList<>();
        for (Kernels k = Backends.kernels(); k != null; k = k instanceof ForwardingKernels f ? f.next() : null) chain.add(k.name());
        assertTrue(chain.contains(name), "vectorgrad.backend=" + forced + " but the kernels in use are " + chain + "; decisions: " + Backends.decisions());
    }
}
