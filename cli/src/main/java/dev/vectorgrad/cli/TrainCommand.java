package dev.vectorgrad.cli;

/** {@code ./vectorgrad train <model>}: filled in by the nn work (issue 7). */
final class TrainCommand {
    private TrainCommand() {}

    static int run(String[] args) {
        System.err.println("train: not implemented yet");
        return 2;
    }
}
