package io.sparklora.jobs.train;

import io.sparklora.core.train.AdamWState;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue a run exactly: θ, the optimizer state, the next round to run (the sampler is a
 * pure function of seed, shard and round, so the round is its position), the config fingerprint and the metrics
 * written so far.
 */
public record Checkpoint(long nextRound, float[] theta, AdamWState optimizer, String configFingerprint,
                         List<Map<String, Object>> metrics) {
}
