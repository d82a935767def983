package io.sparklora.jobs.train;

import java.util.Map;

/**
 * How a train command ended and its figures (also written to summary.json).
 *
 * @param alreadyComplete true when the output already held this configuration's finished run and nothing ran
 */
public record RunResult(boolean alreadyComplete, float[] theta, Map<String, Object> summary) {
}
