package dev.vectorgrad.cli;

/** {@code ./vectorgrad bench <suite>}: filled in by the bench work (issue 8). */
final class BenchCommand {
    private BenchCommand() {}

    static int run(String[] args) {
        System.err.println("bench: not implemented yet");
        return 2;
    }
}
