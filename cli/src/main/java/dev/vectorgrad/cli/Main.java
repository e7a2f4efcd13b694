package dev.vectorgrad.cli;

import java.util.Arrays;

/** Entry point of {@code ./vectorgrad}: info, train, bench. With --json the last stdout line is one JSON object. */
public final class Main {
    static final String VERSION = "0.1.0-SNAPSHOT";

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage();
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int code = switch (args[0]) {
            case "info" -> InfoCommand.run(rest);
            case "train" -> TrainCommand.run(rest);
            case "bench" -> BenchCommand.run(rest);
            default -> {
                System.err.println("unknown command '" + args[0] + "'");
                usage();
                yield 2;
            }
        };
        System.exit(code);
    }

    private static void usage() {
        System.out.println("""
                usage: ./vectorgrad <command> [options]
                  info                 Java version, Vector API species, backends and which one serves each op
                  train <model>        train a reference model: linreg, dense-linreg, mlp, binary, mnist
                  bench <suite>        JMH benchmarks: gemm, conv, elementwise, train, infer, all
                  bench compare <gemm|conv>  vector vs OpenBLAS interleaved in one JVM (CPU-time medians)
                  test                 build and run the whole test suite
                common options: --json (last line of stdout is a JSON object with the result)""");
    }

    static boolean hasFlag(String[] args, String flag) {
        for (String a : args) if (a.equals(flag)) return true;
        return false;
    }
}
