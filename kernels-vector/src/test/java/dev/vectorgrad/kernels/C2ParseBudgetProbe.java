package dev.vectorgrad.kernels;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists the C2 compilations of vectorgrad methods whose parse went past C2's inlining cutoff
 * (NodeCountInliningCutoff, 18,000 parse nodes, a constant in product JVMs). Past it C2 inlines the remaining
 * calls late, and a Vector API call inlined late can stay a call that returns a boxed vector (session 18: the
 * fused sigmoid and VectorConv.rows4Tail allocated 100 KB per call in some JVMs). Kernel units are kept under the
 * cutoff with a margin (DESIGN: "C2 parse budget").
 *
 * <p>Reads -XX:+LogCompilation files; for each C2 task (no level attribute) takes the largest {@code parse_done
 * nodes} (the root's parse, which includes everything inlined at parse time) and reports, per method, the largest
 * over its compilations. {@code kernels-vector/c2-probe.sh} makes the logs and runs this; by hand: the allocation
 * tests, which compile every kernel as training does, and GemmTest (every GEMM path):
 * <pre>mvn -o -q -pl kernels-vector test -Dtest='ConvTrainingAllocationTest,SteadyStateAllocationTest,VMathAllocationTest,GemmTest' \
 *   "-Dvg.jvm.args=--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *    -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=/tmp/c2/run-%p.log"
 * java -cp kernels-vector/target/test-classes dev.vectorgrad.kernels.C2ParseBudgetProbe /tmp/c2/run-*.log</pre>
 * Prints the methods at or over {@code -Dlimit} (default 16000: the cutoff less a margin for profiles that
 * inline one more branch), marks those that parsed Vector API methods late (after the root's parse: the hazard;
 * past the cutoff in scalar code only is harmless) and exits 1 when there is one. {@code -Dtree=methodSubstring} prints that
 * method's inline tree with cumulative node counts (which call crosses the cutoff).
 */
public final class C2ParseBudgetProbe {
    static final int CUTOFF = 18_000;
    private static final Pattern TASK_METHOD = Pattern.compile("method='([^']*)'");
    private static final Pattern NODES = Pattern.compile("<parse_done nodes='(\\d+)'");
    private static final Pattern METHOD_DEF = Pattern.compile("<method id='(\\d+)' holder='\\d+' name='([^']*)'");
    private static final Pattern PARSE = Pattern.compile("<parse method='(\\d+)'");
    private static final Pattern KLASS_DEF = Pattern.compile("<klass id='(\\d+)' name='([^']*)'");
    private static final Pattern METHOD_HOLDER = Pattern.compile("<method id='(\\d+)' holder='(\\d+)'");

    private C2ParseBudgetProbe() {}

    public static void main(String[] args) throws IOException {
        int limit = Integer.getInteger("limit", 16_000);
        String tree = System.getProperty("tree");
        Map<String, Integer> largest = new TreeMap<>(), late = new HashMap<>();
        for (String a : args) {
            if (tree != null) printTree(Path.of(a), tree);
            else scan(Path.of(a), largest, late);
        }
        if (tree != null) return;
        List<Map.Entry<String, Integer>> rows = new ArrayList<>(largest.entrySet());
        rows.removeIf(e -> e.getValue() < limit || !e.getKey().startsWith("dev.vectorgrad."));
        rows.sort((x, y) -> y.getValue() - x.getValue());
        int hazards = 0;
        for (var e : rows) {
            // Below the cutoff C2 also delays a few Vector API intrinsics on purpose (mask operations whose types are
            // not yet constant at parse time); past it, it defers every remaining call.
            int lateVector = e.getValue() >= CUTOFF ? late.getOrDefault(e.getKey(), 0) : 0;
            if (lateVector > 0) hazards++;
            System.out.printf("%6d %s%s%n", e.getValue(), e.getKey(),
                    lateVector > 0 ? "   LATE: " + lateVector + " Vector API methods inlined past the cutoff"
                            : e.getValue() >= CUTOFF ? "   (past the cutoff in scalar code only)" : "");
        }
        System.out.println(rows.size() + " at or over " + limit + " parse nodes; " + hazards + " past the cutoff with Vector API code inlined late");
        if (hazards > 0) System.exit(1);
    }

    /**
     * Per C2-compiled method (signature dropped) in one log: the largest root parse and the most Vector API methods
     * parsed late (after the root's parse: inlined past the cutoff), merged into {@code largest} and {@code late}.
     */
    static void scan(Path log, Map<String, Integer> largest, Map<String, Integer> late) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            String cur = null;
            int max = 0, depth = 0, lateVector = 0;
            boolean rootDone = false;
            Map<String, String> klass = new HashMap<>(), holder = new HashMap<>();
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("<task ")) {
                    Matcher m = TASK_METHOD.matcher(line);
                    cur = m.find() && !line.contains(" level=") ? m.group(1).replaceFirst(" \\(.*", "") : null;
                    max = depth = lateVector = 0;
                    rootDone = false;
                    klass.clear();
                    holder.clear();
                } else if (cur == null) {
                    continue;
                } else if (line.startsWith("<klass ")) {
                    Matcher m = KLASS_DEF.matcher(line);
                    if (m.find()) klass.put(m.group(1), m.group(2));
                } else if (line.startsWith("<method ")) {
                    Matcher m = METHOD_HOLDER.matcher(line);
                    if (m.find()) holder.put(m.group(1), m.group(2));
                } else if (line.startsWith("<parse ")) {
                    Matcher m = PARSE.matcher(line);
                    if (depth++ == 0 && rootDone && m.find()) {
                        String k = klass.getOrDefault(holder.get(m.group(1)), "");
                        if (k.startsWith("jdk.incubator.vector.") || k.startsWith("jdk.internal.vm.vector.")) lateVector++;
                    }
                } else if (line.startsWith("<parse_done")) {
                    Matcher m = NODES.matcher(line);
                    if (m.find()) max = Math.max(max, Integer.parseInt(m.group(1)));
                    if (--depth == 0) rootDone = true;
                } else if (line.startsWith("</task>")) {
                    largest.merge(cur, max, Math::max);
                    late.merge(cur, lateVector, Math::max);
                    cur = null;
                }
            }
        }
    }

    /** The inline tree (two levels) of the largest C2 compilation of methods containing key, with cumulative nodes. */
    static void printTree(Path log, String key) throws IOException {
        List<String> last = null, cur = null;
        int lastMax = -1, curMax = 0;
        try (BufferedReader r = Files.newBufferedReader(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("<task ") && line.contains(key) && !line.contains(" level=")) {
                    cur = new ArrayList<>();
                    curMax = 0;
                } else if (cur != null && line.startsWith("</task>")) {
                    if (curMax > lastMax) { last = cur; lastMax = curMax; }
                    cur = null;
                } else if (cur != null) {
                    cur.add(line);
                    Matcher m = NODES.matcher(line);
                    if (line.startsWith("<parse_done") && m.find()) curMax = Math.max(curMax, Integer.parseInt(m.group(1)));
                }
            }
        }
        if (last == null) { System.out.println(log + ": no C2 compilation of " + key); return; }
        Map<String, String> names = new HashMap<>();
        List<Object[]> stack = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (String line : last) {
            Matcher m = METHOD_DEF.matcher(line);
            if (m.find()) names.put(m.group(1), m.group(2));
            m = PARSE.matcher(line);
            if (line.startsWith("<parse ") && m.find()) {
                stack.add(new Object[] {names.getOrDefault(m.group(1), m.group(1)), out.size()});
                out.add(null);
                continue;
            }
            m = NODES.matcher(line);
            if (line.startsWith("<parse_done") && m.find() && !stack.isEmpty()) {
                Object[] top = stack.remove(stack.size() - 1);
                out.set((Integer) top[1], stack.size() <= 1 ? "  ".repeat(stack.size()) + top[0] + " " + m.group(1) : "");
            }
        }
        System.out.println(log + ": " + key);
        for (String s : out) if (s != null && !s.isEmpty()) System.out.println(s);
    }
}
