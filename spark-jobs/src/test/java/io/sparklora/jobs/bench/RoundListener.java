package io.sparklora.jobs.bench;

import org.apache.spark.Success$;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.apache.spark.storage.BroadcastBlockId;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Spark's own numbers per job, read from listener events only (no log parsing): job start/end times, each successful
 * task's metrics, and the broadcast pieces the block managers reported. Same method as RoundPayloadTest, extended
 * to separate executors: on local-cluster every executor that fetches a broadcast stores its pieces and reports
 * them to the master, so the executor-side pieces are the bytes that actually crossed the wire.
 *
 * <p>Attribution of broadcast pieces, given that the training loop runs its jobs one after another:
 * <ul>
 *   <li>pieces the driver stores while no job runs belong to the values broadcast for the next job (θ);</li>
 *   <li>pieces the driver stores while a job runs are the scheduler's task binary (closure and RDD lineage);</li>
 *   <li>pieces an executor stores are fetches: of a job's value broadcast when the broadcast id is one of those,
 *       otherwise (task binary, the run's Hadoop configuration) of whatever the running job needed.</li>
 * </ul>
 */
final class RoundListener extends SparkListener {
    private static final String DRIVER = "driver";

    /**
     * One successful task, with the metrics Spark measured on the executor: run time (wall) and the CPU time of the
     * task thread over it, deserialization (including fetching the task binary broadcast), result serialization
     * and size; launch and finish on the driver's clock.
     */
    record Task(String executorId, long runMs, long cpuMs, long deserializeMs, long resultSerializationMs,
                long resultBytes, long launchMs, long finishMs) {
    }

    /** One job: what it was, when it ran on the driver's clock, its tasks and the broadcast bytes around it. */
    static final class Job {
        final int id;
        final String description;
        final long startMs;
        long endMs = -1;
        boolean succeeded;
        final List<Task> tasks = new ArrayList<>();
        /** Driver-stored pieces of the values broadcast just before this job (θ): one serialized, compressed copy. */
        long valueBroadcastBytes;
        /** Executor-stored pieces of those value broadcasts: the copies executors fetched. */
        long valueFetchedBytes;
        /** Driver-stored pieces while the job ran: the task binary. */
        long taskBinaryBytes;
        /** Other pieces executors fetched while the job ran (its task binary, the run's Hadoop configuration). */
        long otherFetchedBytes;

        Job(int id, String description, long startMs) {
            this.id = id;
            this.description = description;
            this.startMs = startMs;
        }
    }

    private final List<Job> jobs = new ArrayList<>();
    private final Map<Integer, Job> jobOfStage = new HashMap<>();
    private final Map<Long, Job> jobOfValueBroadcast = new HashMap<>();
    private final List<Long> pendingIds = new ArrayList<>();
    private long pendingBytes;
    private Job active;
    private Job last;

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        String description = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
        Job job = new Job(e.jobId(), description == null ? "" : description, e.time());
        for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) {
            jobOfStage.put((Integer) stage, job);
        }
        job.valueBroadcastBytes = pendingBytes;
        for (long id : pendingIds) {
            jobOfValueBroadcast.put(id, job);
        }
        pendingBytes = 0;
        pendingIds.clear();
        jobs.add(job);
        active = job;
        last = job;
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        for (Job job : jobs) {
            if (job.id == e.jobId()) {
                job.endMs = e.time();
                job.succeeded = e.jobResult() == JobSucceeded$.MODULE$;
            }
        }
        active = null;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        Job job = jobOfStage.get(e.stageId());
        if (job == null || e.reason() != Success$.MODULE$ || e.taskMetrics() == null) {
            return;
        }
        var m = e.taskMetrics();
        job.tasks.add(new Task(e.taskInfo().executorId(), m.executorRunTime(), m.executorCpuTime() / 1_000_000,
                m.executorDeserializeTime(), m.resultSerializationTime(), m.resultSize(), e.taskInfo().launchTime(),
                e.taskInfo().finishTime()));
    }

    @Override
    public synchronized void onBlockUpdated(SparkListenerBlockUpdated e) {
        BlockUpdatedInfo info = e.blockUpdatedInfo();
        // Only broadcast_N_pieceK: the serialized (by default lz4-compressed) bytes that executors fetch. The
        // deserialized value (broadcast_N) is never reported to the master; removals come with an invalid level.
        if (!(info.blockId() instanceof BroadcastBlockId id) || !id.field().startsWith("piece")
                || !info.storageLevel().isValid()) {
            return;
        }
        long bytes = info.memSize() + info.diskSize();
        if (DRIVER.equals(info.blockManagerId().executorId())) {
            if (active == null) {
                pendingBytes += bytes;
                pendingIds.add(id.broadcastId());
            } else {
                active.taskBinaryBytes += bytes;
            }
            return;
        }
        Job owner = jobOfValueBroadcast.get(id.broadcastId());
        if (owner != null) {
            owner.valueFetchedBytes += bytes;
        } else if (active != null || last != null) {
            (active != null ? active : last).otherFetchedBytes += bytes;
        }
    }

    /** The jobs seen so far, in start order. Call after the listener bus is drained. */
    synchronized List<Job> jobs() {
        return List.copyOf(jobs);
    }
}
