package dev.vectorgrad.kernels;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Picks the kernels at first use, after Lucene's VectorizationProvider: the Vector API backend when the JVM
 * can run it well, else the C++ backend through JNI, else scalar Java. Each refusal is logged in ONE line with
 * its reason; nothing here throws at class initialisation.
 *
 * <p>Configuration: {@code -Dvectorgrad.backend=vector|native|scalar} (or env VECTORGRAD_BACKEND) forces the
 * default backend; {@code -Dvectorgrad.gemm=openblas|native|cuda|...} and {@code -Dvectorgrad.conv=...} route
 * those ops to another backend (the rest falls through to the default). {@link #setDefault} does the same
 * from code.
 */
public final class Backends {
    /** What {@code info} prints for one backend. */
    public record Status(String name, boolean available, String reason, String ops) {}

    private static final Map<String, Status> STATUS = new LinkedHashMap<>();
    private static final Map<String, KernelsProvider> PROVIDERS = new LinkedHashMap<>();
    private static final List<String> DECISIONS = new ArrayList<>();
    private static volatile Kernels current;
    private static Kernels scalar;
    private static Kernels vector;

    private Backends() {}

    /** The kernels ops run on. Selected at first call. */
    public static Kernels kernels() {
        Kernels k = current;
        if (k == null) {
            synchronized (Backends.class) {
                if (current == null) current = select();
                k = current;
            }
        }
        return k;
    }

    /** Replaces the default kernels (e.g. {@code Backends.setDefault(Backends.get("scalar"))}). */
    public static synchronized void setDefault(Kernels k) {
        current = k;
    }

    /** Selects by name again, as the system property would (vector, native, scalar, openblas, cuda). */
    public static synchronized Kernels use(String name) {
        Kernels k = get(name);
        current = k;
        return k;
    }

    /** A backend by name, with everything it does not implement falling back to the best Java backend. */
    public static synchronized Kernels get(String name) {
        probe();
        String n = name.toLowerCase(Locale.ROOT).trim();
        switch (n) {
            case "scalar":
                return scalar;
            case "vector":
                if (vector == null) throw new IllegalStateException("vector backend unavailable: " + STATUS.get("vector").reason());
                return vector;
            default:
                KernelsProvider p = PROVIDERS.get(n);
                if (p == null) throw new IllegalArgumentException("unknown backend '" + name + "'; known: " + STATUS.keySet());
                Status s = STATUS.get(n);
                if (!s.available()) throw new IllegalStateException(n + " backend unavailable: " + s.reason());
                return p.create(bestJava());
        }
    }

    /** True when the named backend can run here. */
    public static synchronized boolean isAvailable(String name) {
        probe();
        Status s = STATUS.get(name);
        return s != null && s.available();
    }

    public static synchronized List<Status> statuses() {
        probe();
        return List.copyOf(STATUS.values());
    }

    /** The lines logged while selecting (for {@code info}). */
    public static synchronized List<String> decisions() {
        kernels();
        return List.copyOf(DECISIONS);
    }

    private static Kernels bestJava() {
        return vector != null ? vector : scalar;
    }

    private static void probe() {
        if (scalar != null) return;
        scalar = new ScalarKernels();
        STATUS.put("scalar", new Status("scalar", true, "plain Java, the reference", "all"));
        String why = vectorRefusal();
        if (why == null) {
            try {
                vector = (Kernels) Class.forName("dev.vectorgrad.kernels.VectorKernels").getConstructor().newInstance();
                STATUS.put("vector", new Status("vector", true, VectorInfo.describe(), "all"));
            } catch (Throwable t) {
                why = "Vector API backend failed to start: " + t;
            }
        }
        if (why != null) STATUS.put("vector", new Status("vector", false, why, "all"));
        try {
            for (KernelsProvider p : ServiceLoader.load(KernelsProvider.class, Backends.class.getClassLoader())) {
                KernelsProvider.Availability a;
                try {
                    a = p.availability();
                } catch (Throwable t) {
                    a = KernelsProvider.Availability.no("probe failed: " + t);
                }
                PROVIDERS.put(p.name(), p);
                STATUS.put(p.name(), new Status(p.name(), a.available(), a.reason(), p.ops()));
            }
        } catch (Throwable t) {
            DECISIONS.add("native backends not loaded: " + t);
        }
    }

    /** Why the Vector API backend cannot be used here, or null when it can. */
    private static String vectorRefusal() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "jdk.incubator.vector is not readable: run the JVM with --add-modules jdk.incubator.vector";
        }
        try {
            var args = ManagementFactory.getRuntimeMXBean().getInputArguments();
            for (String a : args) {
                if (a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("=4")) {
                    return "C2 compiler disabled (" + a + "): the Vector API would be interpreted and slow";
                }
                if (a.equals("-Xint")) return "interpreter-only JVM (-Xint): the Vector API would be slow";
            }
        } catch (Throwable ignored) {
            // no management module: skip this check
        }
        String vm = System.getProperty("java.vm.name", "");
        if (!vm.contains("HotSpot") && !vm.contains("OpenJDK")) {
            return "JVM '" + vm + "' is not HotSpot: the Vector API is not known to be intrinsified";
        }
        try {
            int bits = VectorInfo.preferredFloatBits();
            if (bits < 256) return "preferred float species is only " + bits + " bits (need >= 256)";
        } catch (Throwable t) {
            return "Vector API not usable: " + t;
        }
        return null;
    }

    private static Kernels select() {
        probe();
        String forced = System.getProperty("vectorgrad.backend", System.getenv("VECTORGRAD_BACKEND"));
        Kernels base;
        if (forced != null && !forced.isBlank()) {
            try {
                base = get(forced);
                note("backend " + forced + " forced by vectorgrad.backend");
            } catch (RuntimeException e) {
                base = bestJava();
                note("vectorgrad.backend=" + forced + " refused (" + e.getMessage() + "); using " + base.name());
            }
        } else if (vector != null) {
            base = vector;
        } else {
            note("Vector API backend unavailable (" + STATUS.get("vector").reason() + "); trying native");
            Status nat = STATUS.get("native");
            if (nat != null && nat.available()) {
                base = PROVIDERS.get("native").create(scalar);
            } else {
                note("native backend unavailable (" + (nat == null ? "kernels-native not on the class path" : nat.reason())
                        + "); using scalar Java");
                base = scalar;
            }
        }
        for (String op : new String[] {"gemm", "conv"}) {
            String route = System.getProperty("vectorgrad." + op, System.getenv("VECTORGRAD_" + op.toUpperCase(Locale.ROOT)));
            if (route == null || route.isBlank() || route.equals(base.name())) continue;
            KernelsProvider p = PROVIDERS.get(route);
            Status s = STATUS.get(route);
            if (p == null || s == null || !s.available()) {
                note("vectorgrad." + op + "=" + route + " refused (" + (s == null ? "unknown backend" : s.reason()) + ")");
                continue;
            }
            base = p.create(base);
            note(op + " routed to " + route);
        }
        return base;
    }

    private static void note(String line) {
        DECISIONS.add(line);
        Log.info(line);
    }
}
