package dev.vectorgrad.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Suites select benchmark classes by name, so classes added later are picked up: our classes by class name,
 * the peers ({@code Peer*Bench}) by method name. A peer benchmark is compared with ours when it has the same
 * method name and the same @Param names and values (backend and threads aside).
 */
public final class Suites {
    public static final List<String> NAMES = List.of("gemm", "conv", "elementwise", "train", "infer", "all");
    static final String PKG = "dev\\.vectorgrad\\.bench\\.";

    private Suites() {}

    /** JMH include regexes (matched with find() against 'package.Class.method'). */
    public static List<String> includes(String suite, boolean peers) {
        List<String> out = new ArrayList<>();
        for (String s : suite.equals("all") ? NAMES.subList(0, NAMES.size() - 1) : List.of(suite)) {
            out.add(PKG + ours(s) + "\\.");
            if (peers) out.add(PKG + "Peer\\w*Bench\\." + peerMethods(s) + "$");
        }
        return out;
    }

    static String ours(String suite) {
        return switch (suite.toLowerCase(Locale.ROOT)) {
            case "gemm" -> "GemmBench";
            case "conv" -> "(ConvBench|PoolLossBench)";
            case "elementwise" -> "(ElementwiseBench|OptimizerBench)";
            case "train" -> "TrainBench";
            case "infer" -> "InferBench";
            default -> throw new IllegalArgumentException("unknown suite " + suite);
        };
    }

    static String peerMethods(String suite) {
        return switch (suite) {
            case "gemm" -> "(gemm|matmul)\\w*";
            case "conv" -> "(conv|pool)\\w*";
            case "elementwise" -> "(add|exp|sum|softmax)\\w*";
            case "train" -> "\\w*Train\\w*";
            case "infer" -> "\\w*Infer\\w*";
            default -> throw new IllegalArgumentException("unknown suite " + suite);
        };
    }

    /** The backend a benchmark row stands for: its 'backend' @Param, or the peer's name. */
    static String backendOf(String simpleClass, String paramBackend) {
        if (paramBackend != null) return paramBackend;
        if (simpleClass.startsWith("Peer")) return peerName(simpleClass);
        return "default";
    }

    static String peerName(String simpleClass) {
        String n = simpleClass.replaceFirst("^Peer", "").replaceFirst("Bench$", "").toLowerCase(Locale.ROOT);
        return switch (n) {
            case "djl" -> "djl-pytorch";
            case "nd4j" -> "nd4j";
            default -> n;
        };
    }

    static boolean isPeer(String simpleClass) {
        return simpleClass.startsWith("Peer");
    }
}
