package io.sparklora.jobs.train;

import io.sparklora.core.train.RoundContribution;

/** Detects NaN/Inf in a round's result before it can reach θ. */
final class NumericGuard {
    private NumericGuard() {
    }

    static boolean finite(RoundContribution c) {
        return Double.isFinite(c.lossSum()) && finite(c.gradSum());
    }

    static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
