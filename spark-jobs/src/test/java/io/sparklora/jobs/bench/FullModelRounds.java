package io.sparklora.jobs.bench;

import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.train.AdamW;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.DriverStep;
import io.sparklora.core.train.RoundContribution;
import io.sparklora.core.train.RoundMetrics;
import io.sparklora.core.train.ShardStep;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.data.DataPreparation;
import io.sparklora.jobs.data.PreparedData;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.train.DeviceBinding;
import io.sparklora.jobs.train.ExecutorModels;
import io.sparklora.jobs.train.EngineKey;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The baseline the LoRA rounds are compared with: full-model data-parallel training on the same model, data, shards
 * and batch plan. Every round broadcasts the whole flat weight vector, each task computes the gradient of every base
 * weight ({@link TrainingMode#FULL} graph, same {@link ShardStep} as the LoRA task) and the full-size gradients are
 * tree-aggregated back; the driver then takes the AdamW step, as in the real job. Bytes per round are those of full
 * parameter averaging as well: θ out and one θ-sized vector back per worker.
 */
final class FullModelRounds {
    static final String DESCRIPTION = "bench full-model round ";

    private FullModelRounds() {
    }

    /** Runs {@code rounds} full-model rounds; returns each round's metrics (loss, tokens), in order. */
    static List<RoundMetrics> run(SparkSession spark, JobConfig config, int rounds) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SerializableHadoopConf shippedConf = new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration());
        Broadcast<SerializableHadoopConf> conf = sc.broadcast(shippedConf);
        PreparedData data = DataPreparation.prepare(spark, config.data(), config.model().tokenizer(),
                config.distributed().workers(), config.train().seed(), config.eval().maxRows(), shippedConf);
        BaseModel base = BaseModelLoader.load(Path.of(config.model().path()));
        float[] theta = new ParameterLayout(base.layout().parameterShapes()).flatten(base.weights());
        EngineKey key = new EngineKey(config.model().path(), null, config.data().maxSeqLen(), TrainingMode.FULL, false, false);
        BatchPlan batches = config.batchPlan();
        DriverStep driver = new DriverStep(config.train().optimizer(), rounds,
                new AdamW(config.train().optimizer(), theta.length));
        List<RoundMetrics> metrics = new ArrayList<>();
        try {
            for (int round = 0; round < rounds; round++) {
                sc.setJobDescription(DESCRIPTION + (round + 1));
                Broadcast<float[]> shipped = sc.broadcast(theta);
                try {
                    RoundContribution total = data.train().mapPartitions(new Task(key, shipped, batches, round, conf))
                            .treeAggregate(RoundContribution.zero(theta.length), RoundContribution::plus,
                                    RoundContribution::plus);
                    RoundMetrics m = driver.apply(theta, total, round);
                    if (!Double.isFinite(m.loss())) {
                        throw new IllegalStateException("full-model round " + (round + 1) + ": loss is not finite");
                    }
                    metrics.add(m);
                } finally {
                    shipped.destroy();
                }
            }
        } finally {
            conf.destroy();
            data.train().unpersist(false);
            if (data.validation() != null) {
                data.validation().unpersist(false);
            }
        }
        return metrics;
    }

    /** One shard's summed loss and full-size gradient, like the job's RoundTask but on a full-model graph. */
    static final class Task implements FlatMapFunction<Iterator<ShardBlock>, RoundContribution> {
        private final EngineKey key;
        private final Broadcast<float[]> theta;
        private final BatchPlan plan;
        private final long round;
        private final Broadcast<SerializableHadoopConf> conf;

        Task(EngineKey key, Broadcast<float[]> theta, BatchPlan plan, long round, Broadcast<SerializableHadoopConf> conf) {
            this.key = key;
            this.theta = theta;
            this.plan = plan;
            this.round = round;
            this.conf = conf;
        }

        @Override
        public Iterator<RoundContribution> call(Iterator<ShardBlock> blocks) {
            if (!blocks.hasNext()) {
                return List.<RoundContribution>of().iterator();
            }
            ShardBlock block = blocks.next();
            DeviceBinding.bindCurrentTask();
            // The graph copies the base weights into variables of its own (full mode), so the executor's cached
            // base model, shared with the LoRA graphs, is never modified.
            RoundContribution c = ExecutorModels.withEngine(key, conf.value().get(),
                    graph -> ShardStep.compute(graph, theta.value(), block.rows(), plan, round, block.shard()));
            return List.of(c).iterator();
        }
    }
}
