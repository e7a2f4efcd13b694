package dev.vectorgrad.kernels;

/** One-line messages of the library (backend selection, fallbacks) on stderr; -Dvectorgrad.quiet=true silences them. */
public final class Log {
    private static final boolean QUIET = Boolean.getBoolean("vectorgrad.quiet");

    private Log() {}

    public static void info(String msg) {
        if (!QUIET) System.err.println("[vectorgrad] " + msg);
    }
}
