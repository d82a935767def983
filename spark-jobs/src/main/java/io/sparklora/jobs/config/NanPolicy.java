package io.sparklora.jobs.config;

/** What a round whose loss or gradient is not finite does. */
public enum NanPolicy {
    /** Fail the job, keeping the last checkpoint. */
    STOP,
    /** Drop that round's update and go on. */
    SKIP
}
