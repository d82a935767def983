package io.sparklora.jobs.data;

/** The dataset cannot be used; the message names the path, file or column and the fix. */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
