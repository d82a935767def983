package io.sparklora.jobs.train;

import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.TaskContext;

/**
 * Deliberate failures for fault-tolerance tests, driven by Spark settings that production jobs never set:
 * {@code spark.sparklora.fault.failTaskAtRound} fails the first attempt of partition 0's task in that round
 * (Spark retries it); {@code spark.sparklora.fault.stopAfterRound} ends the driver after that round as a crash would;
 * {@code spark.sparklora.fault.haltInCheckpointAtRound} halts the driver JVM (exit 137, as SIGKILL) while writing the
 * checkpoint {@code round-N}: after its first file, before its {@code _COMPLETE} marker;
 * {@code spark.sparklora.fault.haltInAdapterPublish=true} halts it while publishing the final adapter: after the
 * weights are in {@code adapter/}, before {@code adapter_config.json};
 * {@code spark.sparklora.fault.failScoreTasks=true} fails every attempt of every scoring task (the job aborts);
 * {@code spark.sparklora.fault.haltBeforeScorePublish=true} halts the driver once a scoring job's whole output is
 * in its staging directory, before anything at the output path changes.
 */
public record FaultInjection(long failTaskAtRound, long stopAfterRound, long haltInCheckpointAtRound,
                             boolean haltInAdapterPublish, boolean failScoreTasks, boolean haltBeforeScorePublish)
        implements java.io.Serializable {
    public static final String FAIL_TASK_AT_ROUND = "spark.sparklora.fault.failTaskAtRound";
    public static final String STOP_AFTER_ROUND = "spark.sparklora.fault.stopAfterRound";
    public static final String HALT_IN_CHECKPOINT_AT_ROUND = "spark.sparklora.fault.haltInCheckpointAtRound";
    public static final String HALT_IN_ADAPTER_PUBLISH = "spark.sparklora.fault.haltInAdapterPublish";
    public static final String FAIL_SCORE_TASKS = "spark.sparklora.fault.failScoreTasks";
    public static final String HALT_BEFORE_SCORE_PUBLISH = "spark.sparklora.fault.haltBeforeScorePublish";
    public static final FaultInjection NONE = new FaultInjection(-1, -1, -1, false, false, false);

    public static FaultInjection from(RuntimeConfig conf) {
        return new FaultInjection(Long.parseLong(conf.get(FAIL_TASK_AT_ROUND, "-1")),
                Long.parseLong(conf.get(STOP_AFTER_ROUND, "-1")),
                Long.parseLong(conf.get(HALT_IN_CHECKPOINT_AT_ROUND, "-1")),
                Boolean.parseBoolean(conf.get(HALT_IN_ADAPTER_PUBLISH, "false")),
                Boolean.parseBoolean(conf.get(FAIL_SCORE_TASKS, "false")),
                Boolean.parseBoolean(conf.get(HALT_BEFORE_SCORE_PUBLISH, "false")));
    }

    /** Called by each scoring task before its first row. */
    public void beforeScoreTask() {
        TaskContext ctx = TaskContext.get();
        if (failScoreTasks) {
            throw new IllegalStateException("injected failure of scoring task " + (ctx == null ? "" : ctx.partitionId()
                    + " attempt " + ctx.attemptNumber()) + " (" + FAIL_SCORE_TASKS + ")");
        }
    }

    /** Called by a scoring job once its output is complete in the staging directory, before it is published. */
    public void beforeScorePublish() {
        if (haltBeforeScorePublish) {
            halt("halting before publishing the scores (" + HALT_BEFORE_SCORE_PUBLISH + ")");
        }
    }

    /** Called by CheckpointStore after each file of checkpoint {@code round-nextRound} (before the marker). */
    void afterCheckpointFile(long nextRound, int filesWritten) {
        if (nextRound == haltInCheckpointAtRound && filesWritten == 1) {
            halt("halting in checkpoint round " + nextRound + " (" + HALT_IN_CHECKPOINT_AT_ROUND + ")");
        }
    }

    /** Called by AdapterPublisher once the weights are in {@code adapter/}, before adapter_config.json. */
    void afterAdapterWeights() {
        if (haltInAdapterPublish) {
            halt("halting while publishing the adapter (" + HALT_IN_ADAPTER_PUBLISH + ")");
        }
    }

    private static void halt(String why) {
        System.err.println(why);
        System.err.flush();
        Runtime.getRuntime().halt(137);
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
