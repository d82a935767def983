package io.sparklora.core.train;

/** What the driver logs per round: mean token loss, tokens, gradient norm before clipping, learning rate used. */
public record RoundMetrics(long round, double loss, long tokens, double gradNorm, double learningRate) {
}
