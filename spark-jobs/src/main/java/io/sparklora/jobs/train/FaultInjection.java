package io.sparklora.jobs.train;

import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.TaskContext;

/**
 * Deliberate failures for fault-tolerance tests, driven by Spark settings that production jobs never set:
 * {@code spark.sparklora.fault.failTaskAtRound} fails the first attempt of partition 0's task in that round
 * (Spark retries it); {@code spark.sparklora.fault.stopAfterRound} ends the driver after that round as a crash would.
 */
public record FaultInjection(long failTaskAtRound, long stopAfterRound) implements java.io.Serializable {
    public static final String FAIL_TASK_AT_ROUND = "spark.sparklora.fault.failTaskAtRound";
    public static final String STOP_AFTER_ROUND = "spark.sparklora.fault.stopAfterRound";

    public static FaultInjection from(RuntimeConfig conf) {
        return new FaultInjection(Long.parseLong(conf.get(FAIL_TASK_AT_ROUND, "-1")),
                Long.parseLong(conf.get(STOP_AFTER_ROUND, "-1")));
    }

    void beforeTask(long round) {
        TaskContext ctx = TaskContext.get();
        if (round == failTaskAtRound && ctx != null && ctx.partitionId() == 0 && ctx.attemptNumber() == 0) {
            throw new IllegalStateException("injected task failure in round " + round + " (" + FAIL_TASK_AT_ROUND + ")");
        }
    }

    /** Thrown on the driver to end a run mid-training, leaving its checkpoints as a crash would. */
    public static final class InjectedStop extends RuntimeException {
        InjectedStop(long round) {
            super("run stopped after round " + round + " (" + STOP_AFTER_ROUND + ")");
        }
    }

    void afterRound(long round) {
        if (round == stopAfterRound) {
            throw new InjectedStop(round);
        }
    }
}
