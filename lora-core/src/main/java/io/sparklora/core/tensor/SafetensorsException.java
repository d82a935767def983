package io.sparklora.core.tensor;

import java.io.IOException;

/**
 * A safetensors file, checkpoint index or tensor request that cannot be honoured. Messages name
 * the file, the tensor (when there is one), what was expected, what was found and, where there is
 * one, the fix; callers can show them to users unchanged.
 */
public final class SafetensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "{@code source}: {@code detail}", the shape of every file-level message. */
    static SafetensorsException inFile(String source, String detail) {
        return new SafetensorsException(source + ": " + detail);
    }

    /** "{@code source}: tensor 'name': {@code detail}", the shape of every tensor-level message. */
    static SafetensorsException inTensor(String source, String tensor, String detail) {
        return new SafetensorsException(source + ": tensor '" + tensor + "': " + detail);
    }

    /** A lookup of a name that is not there, listing a few that are so the caller can spot the mismatch. */
    static SafetensorsException unknownTensor(String source, String tensor, java.util.Collection<String> known) {
        int shown = 5;
        String some = known.stream().limit(shown).map(n -> "'" + n + "'")
                .collect(java.util.stream.Collectors.joining(", "));
        String more = known.size() > shown ? ", ... (" + known.size() + " in all)" : "";
        return inFile(source, "no tensor named '" + tensor + "'; "
                + (known.isEmpty() ? "it holds no tensors" : "it holds " + some + more));
    }
}
