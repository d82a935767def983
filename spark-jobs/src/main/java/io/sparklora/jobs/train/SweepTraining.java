package io.sparklora.jobs.train;

import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.Evaluation;
import io.sparklora.core.train.RoundContribution;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.data.DataPreparation;
import io.sparklora.jobs.data.PreparedData;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.report.RunReport;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains the combinations of a sweep that share their data preparation together, in the running Spark application:
 * the data is read, tokenized and sharded once; each round broadcasts every adapter's θ in one broadcast and each
 * shard's task computes every adapter's gradient on the same rows ({@link SweepRoundTask}); the driver adds each
 * adapter's shard parts in shard order and steps its own AdamW. Each combination resumes from its own checkpoints
 * and publishes into its own directory, so its files are those a run of its own writes.
 */
public final class SweepTraining {
    private static final Logger LOG = LoggerFactory.getLogger(SweepTraining.class);

    /** One combination to train: its directory name and its full configuration (output.path its own directory). */
    public record Member(String name, JobConfig config) {
    }

    private final SparkSession spark;
    private final JavaSparkContext sc;
    private final Configuration hadoop;
    private final SerializableHadoopConf shippedConf;
    private final FaultInjection faults;

    public SweepTraining(SparkSession spark) {
        this.spark = spark;
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.shippedConf = new SerializableHadoopConf(hadoop);
        this.faults = FaultInjection.from(spark.conf());
    }

    /**
     * Trains the group (all members share {@link DataPreparation}'s inputs) and returns each member's result, in
     * the members' order. A failure is recorded as status failed in every running member's summary.json.
     */
    public List<RunResult> train(List<Member> group) throws IOException {
        List<SweepMember> members = new ArrayList<>();
        for (Member m : group) {
            members.add(new SweepMember(m.name(), m.config(), hadoop, faults));
        }
        Broadcast<SerializableHadoopConf> conf = null;
        try {
            List<SweepMember> active = new ArrayList<>();
            for (SweepMember m : members) {
                if (m.open()) {
                    active.add(m);
                }
            }
            if (!active.isEmpty()) {
                conf = sc.broadcast(shippedConf);
                trainTogether(active, conf);
            }
        } catch (FaultInjection.InjectedStop e) {
            throw e; // stands for a killed driver, which writes nothing
        } catch (Exception e) {
            members.forEach(m -> m.failed(e));
            throw e;
        } finally {
            if (conf != null) {
                conf.destroy();
            }
        }
        return members.stream().map(m -> m.finished().map(done -> new RunResult(true, null, done))
                .orElseGet(() -> new RunResult(false, m.theta, m.summary))).toList();
    }

    private void trainTogether(List<SweepMember> members, Broadcast<SerializableHadoopConf> conf) throws IOException {
        JobConfig first = members.get(0).config;
        Map<String, Object> pinned = Map.of();
        for (SweepMember m : members) {
            if (!m.pinnedSources().isEmpty()) {
                pinned = m.pinnedSources(); // resumed members read the snapshots their checkpoints recorded
                break;
            }
        }
        PreparedData data = DataPreparation.prepare(spark, first.data(), first.model().tokenizer(),
                first.distributed().workers(), first.train().seed(), first.eval().maxRows(), shippedConf, pinned);
        members.forEach(m -> m.begin(data));
        Map<String, String> baseFingerprints = new HashMap<>();
        SerializableHadoopConf shipped = shippedConf;
        for (SweepMember m : members) {
            baseFingerprints.computeIfAbsent(m.config.model().path(), path -> sc.parallelize(List.of(path), 1)
                    .map(uri -> ExecutorModels.base(uri, shipped.get()).fingerprint()).first());
        }
        LOG.info("sweep: training {} combinations together on {} shards", members.size(), first.distributed().workers());

        evaluate(members.stream().filter(m -> m.start == 0).toList(), data, 0, "before", conf);
        long from = members.stream().mapToLong(m -> m.start).min().orElse(0);
        long to = members.stream().mapToLong(m -> m.rounds).max().orElse(0);
        for (long round = from; round < to; round++) {
            long r = round;
            List<SweepMember> training = members.stream().filter(m -> m.trainsIn(r)).toList();
            if (training.isEmpty()) {
                continue;
            }
            List<RoundContribution> totals = round(training, data, round, conf);
            List<SweepMember> counted = new ArrayList<>();
            for (int i = 0; i < training.size(); i++) {
                if (training.get(i).step(totals.get(i), round)) {
                    counted.add(training.get(i));
                }
            }
            long next = round + 1;
            evaluate(counted.stream().filter(m -> m.evaluatesAfter(next)).toList(), data, next, null, conf);
            for (SweepMember m : counted) {
                m.checkpointAfter(next, data.rows());
            }
            faults.afterRound(round);
        }
        for (long end : members.stream().mapToLong(m -> m.rounds).distinct().sorted().toArray()) {
            evaluate(members.stream().filter(m -> m.rounds == end).toList(), data, end, "after", conf);
        }
        for (SweepMember m : members) {
            m.publish(baseFingerprints.get(m.config.model().path()));
            RunReport.finish(sc, new RunReport.Inputs(m.config, m.evalKey, data.validationExamples(), m.initialTheta(),
                    m.theta, shippedConf), m.layout.root(), m.metrics(), m.summary); // never throws
            m.writeSummary();
            LOG.info("combination {}: {}", m.name, FinalSummary.text(m.summary));
        }
    }

    /** One synchronous round for the given members: one broadcast, one task per shard; each member's shard-order sum. */
    private List<RoundContribution> round(List<SweepMember> members, PreparedData data, long round,
                                          Broadcast<SerializableHadoopConf> conf) {
        sc.setJobDescription("SparkLoRA sweep round " + (round + 1) + " (" + members.size() + " adapters)");
        EngineKey[] keys = members.stream().map(m -> m.trainKey).toArray(EngineKey[]::new);
        BatchPlan[] plans = members.stream().map(m -> m.config.batchPlan()).toArray(BatchPlan[]::new);
        Broadcast<float[][]> shipped = sc.broadcast(members.stream().map(m -> m.theta).toArray(float[][]::new));
        try {
            List<SweepRoundTask.Parts> parts = data.train().mapPartitions(new SweepRoundTask(keys, plans, shipped, round,
                    conf, faults)).collect();
            List<RoundContribution> totals = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                int adapter = i;
                totals.add(ShardContribution.sumInShardOrder(parts.stream()
                                .map(p -> new ShardContribution(p.shard(), p.perAdapter()[adapter])).toList(),
                        members.get(i).config.distributed().workers(), members.get(i).theta.length));
            }
            return totals;
        } finally {
            shipped.destroy();
        }
    }

    /** Validation loss and perplexity of the given members in one pass over the validation rows. */
    private void evaluate(List<SweepMember> members, PreparedData data, long round, String label,
                          Broadcast<SerializableHadoopConf> conf) {
        if (data.validation() == null || members.isEmpty()) {
            return;
        }
        sc.setJobDescription("SparkLoRA sweep evaluation at round " + round + " (" + members.size() + " adapters)");
        EngineKey[] keys = members.stream().map(m -> m.evalKey).toArray(EngineKey[]::new);
        int[] batchRows = members.stream().mapToInt(m -> m.config.train().microBatchRows()).toArray();
        Broadcast<float[][]> shipped = sc.broadcast(members.stream().map(m -> m.theta).toArray(float[][]::new));
        try {
            List<Evaluation.Result[]> parts = data.validation().mapPartitions(new SweepEvalTask(keys, batchRows, shipped,
                    conf)).collect();
            for (int i = 0; i < members.size(); i++) {
                Evaluation.Result total = new Evaluation.Result(0, 0);
                for (Evaluation.Result[] part : parts) { // partition order
                    total = total.plus(part[i]);
                }
                members.get(i).evaluated(total, round, label);
            }
        } finally {
            shipped.destroy();
        }
    }
}
