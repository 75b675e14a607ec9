package org.dl4jopt.examples;

/**
 * A problem the user can fix (bad arguments, unknown optimizer, missing data set). {@link Main} prints only the
 * message, never a stack trace, and exits with {@link #exitCode()}.
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit code for a bad command line. */
    public static final int USAGE = 2;
    /** Exit code for a missing data set or another environment problem. */
    public static final int ENVIRONMENT = 3;
    /** Exit code when training produced a non-finite loss. */
    public static final int DIVERGED = 4;

    private final int exitCode;
    private final boolean showUsage;

    public CliException(String message, int exitCode, boolean showUsage) {
        super(message);
        this.exitCode = exitCode;
        this.showUsage = showUsage;
    }

    /** A command-line error: the message is followed by the usage text. */
    public static CliException usage(String message) {
        return new CliException(message, USAGE, true);
    }

    /** A command-line error whose message already says everything (no usage text). */
    public static CliException plain(String message) {
        return new CliException(message, USAGE, false);
    }

    public int exitCode() {
        return exitCode;
    }

    public boolean showUsage() {
        return showUsage;
    }
}
