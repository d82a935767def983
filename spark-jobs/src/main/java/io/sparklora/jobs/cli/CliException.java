package io.sparklora.jobs.cli;

/**
 * A user error of a subcommand: printed as one line on stderr (no stack trace) and turned into the exit code.
 * {@link SparkLoraMain#CONFIG_ERROR} for bad arguments and unusable inputs, {@link SparkLoraMain#DATA_ERROR} for
 * unreadable data.
 */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause, false, false);
        this.exitCode = exitCode;
    }

    /** A bad or missing argument, or an input that cannot be used as given (exit 2). */
    static CliException usage(String message) {
        return new CliException(SparkLoraMain.CONFIG_ERROR, message);
    }

    int exitCode() {
        return exitCode;
    }
}
