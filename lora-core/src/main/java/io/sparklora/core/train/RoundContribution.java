package io.sparklora.core.train;

/**
 * What a worker sends back for one round: the summed loss, the number of loss tokens, and the summed gradient.
 * Sums, not means, so contributions add associatively in any tree and the driver divides once.
 */
public record RoundContribution(double lossSum, long tokens, float[] gradSum) implements java.io.Serializable {
    public static RoundContribution zero(int size) {
        return new RoundContribution(0, 0, new float[size]);
    }

    /** Adds {@code other} into this contribution's gradient array (which it owns) and returns the sum. */
    public RoundContribution plus(RoundContribution other) {
        if (other.gradSum.length != gradSum.length) {
            throw new IllegalArgumentException("gradient sizes differ: " + gradSum.length + " vs " + other.gradSum.length);
        }
        for (int i = 0; i < gradSum.length; i++) {
            gradSum[i] += other.gradSum[i];
        }
        return new RoundContribution(lossSum + other.lossSum, tokens + other.tokens, gradSum);
    }
}
