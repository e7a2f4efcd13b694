package dev.vectorgrad.cli;

import com.google.gson.Gson;
import dev.vectorgrad.bench.harness.Machine;
import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Kernels;
import dev.vectorgrad.kernels.Parallel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code ./vectorgrad info}: what was chosen and why. */
final class InfoCommand {
    private InfoCommand() {}

    static int run(String[] args) {
        boolean json = Main.hasFlag(args, "--json");
        Kernels k = Backends.kernels();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("java", Runtime.version().toString());
        out.put("vm", System.getProperty("java.vm.name"));
        out.put("os_arch", System.getProperty("os.arch"));
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        Machine cpu = Machine.detect();
        out.put("cpu", cpu.toMap());
        out.put("threads", Parallel.threads());
        String species = "unavailable";
        try {
            species = VectorSpeciesInfo.describe();
        } catch (Throwable t) {
            species = "unavailable (" + t.getClass().getSimpleName() + ")";
        }
        out.put("preferred_species", species);
        out.put("default_backend", k.name());
        List<Map<String, Object>> backends = new ArrayList<>();
        for (Backends.Status s : Backends.statuses()) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", s.name());
            b.put("available", s.available());
            b.put("detail", s.reason());
            b.put("ops", s.ops());
            backends.add(b);
        }
        out.put("backends", backends);
        out.put("ops", OpRouting.describe(k));
        out.put("decisions", Backends.decisions());

        System.out.println("vectorgrad " + Main.VERSION);
        System.out.printf("java              %s (%s, %s, %d cpus)%n", out.get("java"), out.get("vm"), out.get("os_arch"), out.get("cpus"));
        System.out.printf("%s%n", cpu.describe().replaceFirst("^cpu: ", "cpu               "));
        System.out.printf("kernel threads    %d%n", Parallel.threads());
        System.out.printf("preferred species %s%n", species);
        System.out.printf("default backend   %s%n", k.name());
        System.out.println("backends:");
        for (Backends.Status s : Backends.statuses()) {
            System.out.printf("  %-9s %-12s %s%n", s.name(), s.available() ? "available" : "unavailable", s.reason());
        }
        System.out.println("ops:");
        for (Map.Entry<String, String> e : OpRouting.describe(k).entrySet()) {
            System.out.printf("  %-22s %s%n", e.getKey(), e.getValue());
        }
        for (String d : Backends.decisions()) System.out.println("note: " + d);
        if (json) System.out.println(new Gson().toJson(out));
        return 0;
    }
}
