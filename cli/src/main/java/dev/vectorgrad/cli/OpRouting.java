package dev.vectorgrad.cli;

import dev.vectorgrad.kernels.ForwardingKernels;
import dev.vectorgrad.kernels.Kernels;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

/** Which backend serves each kernel: walks the forwarding chain and finds the first class that overrides the op. */
final class OpRouting {
    private OpRouting() {}

    static Map<String, String> describe(Kernels k) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Method m : Kernels.class.getMethods()) {
            if (m.getName().equals("name")) continue;
            out.put(m.getName(), serving(k, m));
        }
        return out;
    }

    private static String serving(Kernels k, Method m) {
        Kernels cur = k;
        while (true) {
            try {
                Method impl = cur.getClass().getMethod(m.getName(), m.getParameterTypes());
                Class<?> decl = impl.getDeclaringClass();
                if (cur instanceof ForwardingKernels f && decl == ForwardingKernels.class) {
                    cur = f.next();
                    continue;
                }
                // A Java backend that inherits an op from ScalarKernels serves it with the scalar code.
                String name = cur.name();
                if (decl.getSimpleName().equals("ScalarKernels") && !name.equals("scalar")) return name + " (scalar code)";
                return name;
            } catch (NoSuchMethodException e) {
                return cur.name();
            }
        }
    }
}
