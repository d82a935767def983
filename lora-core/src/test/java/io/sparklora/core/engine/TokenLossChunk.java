package io.sparklora.core.engine;

/** The loss's chunk size, which is package-private to the engine, for the benchmarks' memory model. */
public final class TokenLossChunk {
    /** Rows per chunk of TokenLoss for n positions over a vocabulary. */
    public static long rows(long n, long vocab) {
        return TokenLoss.chunkRows(n, vocab, TokenLoss.CHUNK_ELEMENTS);
    }

    private TokenLossChunk() {
    }
}
