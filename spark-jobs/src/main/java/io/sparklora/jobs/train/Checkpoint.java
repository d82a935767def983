package io.sparklora.jobs.train;

import io.sparklora.core.train.AdamWState;
import io.sparklora.jobs.data.RowsIdentity;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue a run exactly: θ, the optimizer state, the next round to run (the sampler is a
 * pure function of seed, shard and round, so the round is its position), the config fingerprint, the metrics
 * written so far, and what the training rows were, so a resumed run can check that it trains on the same rows.
 *
 * @param rows null in a checkpoint written before checkpoints recorded their rows
 */
public record Checkpoint(long nextRound, float[] theta, AdamWState optimizer, String configFingerprint,
                         List<Map<String, Object>> metrics, RowsIdentity rows) {
    public Checkpoint(long nextRound, float[] theta, AdamWState optimizer, String configFingerprint,
                      List<Map<String, Object>> metrics) {
        this(nextRound, theta, optimizer, configFingerprint, metrics, null);
    }
}
