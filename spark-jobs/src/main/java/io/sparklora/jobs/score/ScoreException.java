package io.sparklora.jobs.score;

/**
 * A scoring job that cannot go on, in one line that names the input and the fix (the model does not fit the
 * adapter, the output cannot be published, the row counts disagree). Thrown on the driver, or inside a task, where
 * Spark carries it to the driver in its task failure.
 */
public final class ScoreException extends RuntimeException {
    public ScoreException(String message) {
        super(message);
    }

    public ScoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
