package io.sparklora.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Summed token cross-entropy, Σ_n w_n·(logsumexp(logits_n) − logits_n[target_n]). A sum rather than a mean, so
 * micro-batches and workers add up and the driver divides once by the global token count.
 *
 * <p>The target logit is picked by a weighted one-hot [N, V] (w_n at the target column) rather than by gather:
 * gather's backward pass in ND4J 1.0.0-M2.1 is wrong (see OpGradientCheckTest). This is the block to replace with a
 * fused kernel when the vocabulary makes the one-hot costly.
 */
final class TokenLoss {
    private TokenLoss() {
    }

    /** logits: [N, V]; weightedOneHot: [N, V]; weight: [N] (1 for counted tokens, 0 otherwise) → scalar. */
    static SDVariable sum(GraphContext g, String name, SDVariable logits, SDVariable weightedOneHot, SDVariable weight) {
        SDVariable shifted = logits.sub(logits.max(true, 1)); // [N, V], row max 0 for a stable exp
        SDVariable logSumExp = g.sd.math.log(g.sd.math.exp(shifted).sum(false, 1)); // [N]
        SDVariable targetLogits = shifted.mul(weightedOneHot).sum(); // Σ_n w_n·shifted[n, target_n]
        return logSumExp.mul(weight).sum().sub(name, targetLogits);
    }
}
