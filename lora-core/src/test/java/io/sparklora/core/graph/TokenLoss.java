package io.sparklora.core.graph;

import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Summed token cross-entropy, Σ_n w_n·(logsumexp(logits_n) − logits_n[target_n]). A sum rather than a mean, so
 * micro-batches and workers add up and the driver divides once by the global token count.
 *
 * <p>One fused op (softmax_cross_entropy_loss, whose native backward is softmax − one-hot) rather than max, exp, log,
 * sum and a product with the one-hot, each with its own [N, V] output and backward op: the vocabulary-wide
 * intermediates were the largest arrays of a step. The target is a one-hot [N, V] rather than an index because
 * gather's backward pass in ND4J 1.0.0-M2.1 is wrong (see OpGradientCheckTest).
 */
final class TokenLoss {
    private TokenLoss() {
    }

    /** logits: [N, V]; oneHot: [N, V] (rows of ignored positions may be anything); weight: [N], 1 counted, 0 not → scalar. */
    static SDVariable sum(GraphContext g, String name, SDVariable logits, SDVariable oneHot, SDVariable weight) {
        return g.sd.loss.softmaxCrossEntropy(name, oneHot, logits, weight, LossReduce.SUM, 0.0);
    }
}
