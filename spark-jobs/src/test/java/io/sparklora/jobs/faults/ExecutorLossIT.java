package io.sparklora.jobs.faults;

import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.testing.LocalSpark;
import io.sparklora.jobs.testing.TinyJob;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.SparkEnv;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An executor dies: on local-cluster (two executor JVMs) one executor is SIGKILLed while it runs a task of round
 * {@value #KILL_ROUND}; the standalone worker launches a replacement, Spark reruns the lost task (and recomputes the
 * lost cached shard from its lineage), and the run ends bit for bit where an undisturbed run on the same cluster ends.
 */
class ExecutorLossIT {
    private static final int ROUNDS = 10;
    private static final int KILL_ROUND = 5;

    @TempDir
    Path dir;

    @Test
    void aKilledExecutorIsReplacedAndTheRunEndsBitIdentical() throws Exception {
        String jar = System.getProperty("sparklora.jobs.jar");
        assertThat(Path.of(jar)).as("packaged spark-jobs jar").exists();
        SparkSession spark = LocalSpark.start("local-cluster[2,1,1024]", "spark.jars", jar,
                "spark.executor.extraJavaOptions", "-Djava.net.preferIPv4Stack=true --add-modules=jdk.incubator.vector",
                "spark.task.maxFailures", "8",
                "spark.excludeOnFailure.enabled", "false");
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Path model = TinyJob.model(dir);
            Path data = TinyJob.dataset(dir);

            long t0 = System.nanoTime();
            new TrainingMaster(spark, config(model, data, "undisturbed")).run();
            double undisturbedSeconds = (System.nanoTime() - t0) / 1e9;
            float[] undisturbed = FaultRuns.adapterTheta(model, dir.resolve("undisturbed"));

            Map<String, Long> pids = executorPids(sc, 2);
            assertThat(pids).hasSize(2).doesNotContainValue(ProcessHandle.current().pid());

            Killer killer = new Killer(pids, KILL_ROUND);
            spark.sparkContext().addSparkListener(killer);
            long t1 = System.nanoTime();
            RunResult result = new TrainingMaster(spark, config(model, data, "disturbed")).run();
            double disturbedSeconds = (System.nanoTime() - t1) / 1e9;
            // The run may finish on the surviving executor before the worker's replacement registers (the engine's
            // rounds of this tiny model take milliseconds): wait for it, bounded, rather than race it.
            for (int i = 0; i < 120 && killer.added.isEmpty(); i++) {
                Thread.sleep(500);
            }
            spark.sparkContext().removeSparkListener(killer);

            float[] theta = FaultRuns.adapterTheta(model, dir.resolve("disturbed"));
            boolean identical = Arrays.equals(theta, undisturbed);
            System.out.printf("ExecutorLossIT: killed executor %s (pid %d) while it ran a task of round %d/%d; "
                            + "failed task attempts %d; executors removed %s, added afterwards %s; run took %.1f s "
                            + "(undisturbed %.1f s); rounds %s, resumed_from_round %s; final adapter bit-identical: %s "
                            + "(max |diff| %g)%n",
                    killer.killedExecutor, killer.killedPid.get(), KILL_ROUND, ROUNDS, killer.failedTasks.get(),
                    killer.removed, killer.added, disturbedSeconds, undisturbedSeconds, result.summary().get("rounds"),
                    result.summary().get("resumed_from_round"), identical, FaultRuns.maxAbsDiff(theta, undisturbed));

            assertThat(killer.killedPid.get()).as("an executor was killed").isPositive();
            assertThat(ProcessHandle.of(killer.killedPid.get()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(killer.failedTasks.get()).as("a task of the killed executor failed").isPositive();
            assertThat(killer.removed).contains(killer.killedExecutor);
            assertThat(killer.added).as("a replacement executor registered").isNotEmpty();
            assertThat(result.summary().get("status")).isEqualTo("succeeded");
            assertThat(dir.resolve("disturbed").resolve(RunLayout.ADAPTER)).exists();
            assertThat(theta).isEqualTo(undisturbed);
        } finally {
            spark.stop();
        }
    }

    private JobConfig config(Path model, Path data, String output) {
        return JobConfigLoader.parse(TinyJob.yaml(model.toString(), data.toString(), dir.resolve(output).toString(), 2,
                ROUNDS), "executor-loss.yaml", List.of());
    }

    /** Executor id to the pid of its JVM, once {@code executors} executors have run a task. */
    static Map<String, Long> executorPids(JavaSparkContext sc, int executors) throws InterruptedException {
        Map<String, Long> pids = new ConcurrentHashMap<>();
        for (int attempt = 0; attempt < 30 && pids.size() < executors; attempt++) {
            List<Integer> items = IntStream.range(0, 16).boxed().toList();
            for (Tuple2<String, Long> t : sc.parallelize(items, 16).map(i -> {
                Thread.sleep(50);
                return new Tuple2<>(SparkEnv.get().executorId(), ProcessHandle.current().pid());
            }).collect()) {
                pids.put(t._1(), t._2());
            }
            Thread.sleep(200);
        }
        return pids;
    }

    /** SIGKILLs the executor that runs the first task of round {@code round}'s job, as soon as that task starts. */
    static final class Killer extends SparkListener {
        final Map<String, Long> pids;
        final int round;
        final Set<Integer> roundStages = ConcurrentHashMap.newKeySet();
        final AtomicLong killedPid = new AtomicLong(-1);
        volatile String killedExecutor;
        final AtomicInteger failedTasks = new AtomicInteger();
        final List<String> removed = new CopyOnWriteArrayList<>();
        final List<String> added = new CopyOnWriteArrayList<>();

        Killer(Map<String, Long> pids, int round) {
            this.pids = pids;
            this.round = round;
        }

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            String description = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
            if (("SparkLoRA round " + round).equals(description)) {
                scala.collection.Iterator<Object> ids = job.stageIds().iterator();
                while (ids.hasNext()) {
                    roundStages.add((Integer) ids.next());
                }
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart task) {
            if (roundStages.contains(task.stageId()) && killedPid.get() < 0) {
                Long pid = pids.get(task.taskInfo().executorId());
                if (pid != null && killedPid.compareAndSet(-1, pid)) {
                    killedExecutor = task.taskInfo().executorId();
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd task) {
            if (!(task.reason() instanceof Success$)) {
                failedTasks.incrementAndGet();
            }
        }

        @Override
        public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
            removed.add(e.executorId());
        }

        @Override
        public void onExecutorAdded(SparkListenerExecutorAdded e) {
            added.add(e.executorId());
        }
    }
}
