package io.sparklora.core.engine;

/** The loss's chunk size, which is package-private to the engine, for the benchmarks' memory model. */
public final class TokenLossChunk {
    /** Logit elements per chunk of TokenLoss. */
    public static final long ELEMENTS = TokenLoss.CHUNK_ELEMENTS;

    private TokenLossChunk() {
    }
}
