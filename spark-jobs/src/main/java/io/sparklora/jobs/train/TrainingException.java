package io.sparklora.jobs.train;

/** Training cannot go on (numerical fault, output conflict); the message names the round or path and the fix. */
public final class TrainingException extends RuntimeException {
    public TrainingException(String message) {
        super(message);
    }
}
