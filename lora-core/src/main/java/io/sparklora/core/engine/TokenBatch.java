package io.sparklora.core.engine;

/**
 * A batch of fixed-length rows, flattened row-major: tokens[b·T + t] is fed at position t of row b and
 * targets[b·T + t] is the token to predict there, or {@link #IGNORE}.
 */
public record TokenBatch(int rows, int seqLen, int[] tokens, int[] targets) {
    public static final int IGNORE = -1;

    public TokenBatch {
        if (rows <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("a batch needs rows > 0 and seqLen > 0, got " + rows + " x " + seqLen);
        }
        if (tokens.length != rows * seqLen || targets.length != rows * seqLen) {
            throw new IllegalArgumentException("a " + rows + " x " + seqLen + " batch needs " + rows * seqLen
                    + " tokens and targets, got " + tokens.length + " and " + targets.length);
        }
    }

    /** Number of positions whose target counts in the loss. */
    public long lossTokens() {
        long n = 0;
        for (int t : targets) {
            if (t != IGNORE) {
                n++;
            }
        }
        return n;
    }
}
