package io.sparklora.jobs.config;

/** How the workers' work is combined each round. */
public enum Averaging {
    /** Gradients are averaged and one optimizer step is taken: the same result as one big batch. */
    GRADIENT,
    /** Each worker takes distributed.sync_every local steps, then the adapter weights are averaged. */
    PARAMETER
}
