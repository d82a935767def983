package io.sparklora.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.adapter.PeftAdapter;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelConfigJson;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.train.AdamW;
import io.sparklora.core.train.AdamWState;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.metrics.MultiLabelMetrics;
import io.sparklora.core.train.ClassificationEvaluation;
import io.sparklora.core.train.DriverStep;
import io.sparklora.core.train.Evaluation;
import io.sparklora.core.train.RoundContribution;
import io.sparklora.core.train.RoundMetrics;
import io.sparklora.jobs.config.Averaging;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigException;
import io.sparklora.jobs.config.NanPolicy;
import io.sparklora.jobs.data.ClassificationSpec;
import io.sparklora.jobs.data.DataPreparation;
import io.sparklora.jobs.data.PreparedData;
import io.sparklora.jobs.data.RowsIdentity;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.HadoopFiles;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.report.RunReport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The driver loop. Each round broadcasts only θ (the flat LoRA vector), runs one task per shard, adds the shards'
 * (loss sum, token count, gradient sum) contributions in shard order ({@link ShardContribution}), averages by
 * tokens, clips and takes the AdamW step;
 * it evaluates and checkpoints on its cadence and finally publishes the PEFT adapter, metrics and summary.
 */
public final class TrainingMaster {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingMaster.class);

    private final SparkSession spark;
    private final JavaSparkContext sc;
    private final JobConfig config;
    private final Configuration hadoop;
    private final SerializableHadoopConf shippedConf;
    /** Shipped to executors once per run, not inside every round's task closure. */
    private Broadcast<SerializableHadoopConf> confBroadcast;
    private final RunLayout layout;
    private final FaultInjection faults;

    public TrainingMaster(SparkSession spark, JobConfig config) {
        this.spark = spark;
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.config = config;
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.shippedConf = new SerializableHadoopConf(hadoop);
        this.layout = new RunLayout(config.output().path());
        this.faults = FaultInjection.from(spark.conf());
    }

    /**
     * Trains, resumes, or reports that this configuration's run already finished. A failure is recorded in
     * summary.json (status failed) before it propagates; checkpoints stay for the next attempt to resume from.
     */
    public RunResult run() throws IOException {
        Map<String, Object> summary = new LinkedHashMap<>();
        try {
            return train(summary);
        } catch (FaultInjection.InjectedStop e) {
            throw e; // stands for a killed driver, which writes nothing
        } catch (Exception e) {
            // Exception, not IOException | RuntimeException: a task's failure reaches here as Spark's checked
            // SparkException, thrown through Java without a declaration
            if (RunSummary.RUNNING.equals(summary.get("status"))) {
                summary.put("status", RunSummary.FAILED);
                summary.put("error", String.valueOf(e.getMessage()));
                try {
                    RunSummary.write(layout, summary, hadoop);
                } catch (IOException | RuntimeException writeFailure) {
                    e.addSuppressed(writeFailure); // the run's own failure is what the user must see
                }
            }
            throw e;
        } finally {
            if (confBroadcast != null) {
                confBroadcast.destroy();
            }
        }
    }

    private RunResult train(Map<String, Object> summary) throws IOException {
        String fingerprint = config.fingerprint();
        Optional<Map<String, Object>> previous = RunSummary.read(layout, hadoop);
        if (previous.isPresent()) {
            Object recorded = previous.get().get("config_fingerprint");
            if (!fingerprint.equals(recorded)) {
                throw new TrainingException("output.path " + layout.root() + " holds a run with a different configuration ("
                        + recorded + " vs " + fingerprint + "); choose a new output.path or remove the old run");
            }
            if (RunSummary.SUCCEEDED.equals(previous.get().get("status"))) {
                LOG.info("output.path {} already holds this configuration's finished run; nothing to do", layout.root());
                return new RunResult(true, null, previous.get());
            }
        }
        ModelConfig modelConfig = ModelConfigJson.parse(new ObjectMapper().readTree(
                HadoopFiles.readString(new Path(config.model().path(), ModelConfigJson.FILE_NAME), hadoop)),
                config.model().path() + "/" + ModelConfigJson.FILE_NAME);
        ClassificationSpec task = classificationTask(modelConfig);
        if (task != null) {
            modelConfig = task.headOf(modelConfig);
        }
        LoraPlan plan = LoraPlan.of(config.lora(), ModelLayout.of(modelConfig));
        CheckpointStore checkpoints = new CheckpointStore(layout.checkpoints(), hadoop, config.checkpoint().keep(), faults);
        Optional<Checkpoint> resume = checkpoints.latest();
        if (resume.isPresent() && !fingerprint.equals(resume.get().configFingerprint())) {
            throw new TrainingException("output.path " + layout.root() + " holds checkpoints of a different configuration; "
                    + "choose a new output.path or remove " + layout.checkpoints());
        }

        summary.put("status", RunSummary.RUNNING);
        summary.put("config_fingerprint", fingerprint);
        summary.put("config", config.toMap());
        try {
            RunSummary.write(layout, summary, hadoop);
        } catch (IOException e) {
            summary.remove("status"); // nothing was written: there is no failed run to record either
            throw new JobConfigException("output.path " + layout.root() + " cannot be written (" + e.getMessage()
                    + "); choose an output.path where this job may create directories");
        }

        confBroadcast = sc.broadcast(shippedConf);
        int workers = config.distributed().workers();
        BatchPlan batches = config.batchPlan();
        // A resumed run reads the snapshots its checkpoint recorded, whatever the sources hold by now.
        Map<String, Object> pinned = resume.map(Checkpoint::rows).map(RowsIdentity::sources).orElse(Map.of());
        PreparedData data = DataPreparation.prepare(spark, config.data(), task, config.model().tokenizer(), workers,
                config.train().seed(), config.eval().maxRows(), shippedConf, pinned);
        summary.put("data", data.report());
        if (resume.isPresent()) {
            checkSameRows(data.rows(), resume.get(), layout, config);
        }
        long rounds = rounds(config, data);
        SerializableHadoopConf conf = shippedConf; // the lambda must not capture this driver object
        String baseFingerprint = sc.parallelize(List.of(config.model().path()), 1)
                .map(uri -> ExecutorModels.base(uri, conf.get()).fingerprint()).first();

        EngineKey trainKey = new EngineKey(config.model().path(), config.lora(), config.data().maxSeqLen(), TrainingMode.LORA, true,
                config.train().activationCheckpointing(), task);
        EngineKey evalKey = new EngineKey(config.model().path(), config.lora(), config.data().maxSeqLen(), TrainingMode.LORA, false,
                false, task);
        float[] initialTheta = task == null ? plan.initialParameters() : initialClassifierTheta(evalKey, conf);
        float[] theta = resume.map(Checkpoint::theta).orElseGet(initialTheta::clone);
        AdamWState optState = resume.map(Checkpoint::optimizer)
                .orElseGet(() -> new AdamWState(0, new float[theta.length], new float[theta.length]));
        long start = resume.map(Checkpoint::nextRound).orElse(0L);
        List<Map<String, Object>> metrics = new ArrayList<>(resume.map(Checkpoint::metrics).orElse(List.of()));
        if (start > 0) {
            LOG.info("resuming from checkpoint at round {} of {}", start, rounds);
        }

        if (start == 0) {
            evaluate(evalKey, theta, data, 0, "before", metrics, summary);
        }
        DriverStep driver = new DriverStep(config.train().optimizer(), rounds, new AdamW(config.train().optimizer(), optState));
        Progress progress = new Progress(start, rounds);
        int evalEvery = config.eval().everyRounds();
        int checkpointEvery = config.checkpoint().everyRounds();
        long skipped = 0;
        double tokensPerSecond = 0;
        double lastLoss = Double.NaN;
        long round = start;
        while (round < rounds) {
            RoundMetrics m;
            long next;
            if (config.distributed().averaging() == Averaging.PARAMETER) {
                int k = config.distributed().syncEvery();
                m = parameterAveragingPeriod(data.train(), trainKey, batches, theta, round, k, rounds);
                next = Math.min(rounds, round + k);
            } else {
                Optional<RoundMetrics> synced = synchronousRound(data.train(), trainKey, batches, theta, round, driver);
                if (synced.isEmpty()) {
                    skipped++;
                    round++;
                    continue;
                }
                m = synced.get();
                next = round + 1;
            }
            lastLoss = m.loss();
            tokensPerSecond = progress.round(m);
            metrics.add(RunSummary.roundLine(next, m, tokensPerSecond));
            if (evalEvery > 0 && next % evalEvery == 0 && next < rounds) {
                evaluate(evalKey, theta, data, next, null, metrics, summary);
            }
            if (checkpointEvery > 0 && next % checkpointEvery == 0 && next < rounds) {
                checkpoints.write(new Checkpoint(next, theta, driver.optimizer().state(), fingerprint, metrics,
                        data.rows()));
                RunSummary.writeMetrics(layout, metrics, hadoop);
            }
            faults.afterRound(next - 1);
            round = next;
        }
        evaluate(evalKey, theta, data, rounds, "after", metrics, summary);

        PeftAdapter adapter = new PeftAdapter(plan.config(), theta, config.model().path(), baseFingerprint);
        long adapterBytes = AdapterPublisher.publish(layout, adapter, plan, modelConfig.family(), hadoop, faults);
        RunSummary.writeMetrics(layout, metrics, hadoop);
        new RunSummary.Succeeded(rounds, start, skipped, lastLoss, tokensPerSecond, progress.seconds(),
                plan.layout().size(), layout.adapter().toString(), adapterBytes, baseFingerprint).putInto(summary);
        RunReport.finish(sc, new RunReport.Inputs(config, evalKey, data.validationExamples(), initialTheta, theta,
                shippedConf), layout.root(), metrics, summary); // never throws
        RunSummary.write(layout, summary, hadoop);
        LOG.info(FinalSummary.text(summary));
        return new RunResult(false, theta, summary);
    }

    /**
     * A resumed run must train on the rows the checkpoint was trained on. They are a function of the data and the
     * configuration only, so a difference means the data (or the tokenizer file) changed since the run started.
     */
    static void checkSameRows(RowsIdentity now, Checkpoint checkpoint, RunLayout layout, JobConfig config) {
        if (checkpoint.rows() == null) {
            LOG.warn("the checkpoint at round {} does not record its training rows (written by an older version); "
                    + "resuming without checking that the rows are unchanged", checkpoint.nextRound());
            return;
        }
        List<String> differences = now.differencesFrom(checkpoint.rows());
        if (!differences.isEmpty()) {
            throw new TrainingException("cannot resume from the checkpoint at round " + checkpoint.nextRound() + " in "
                    + layout.checkpoints() + ": the training rows prepared now differ from those it was trained on ("
                    + String.join("; ", differences) + "), so the data of " + config.data().source().describe()
                    + " or the tokenizer " + config.model().tokenizer() + " changed since the run started; restore "
                    + "them to resume, or train on the new data from round 0 with a new output.path (or after removing "
                    + layout.checkpoints() + ")");
        }
        LOG.info("training rows match the checkpoint's ({} examples, {} rows, {})", now.examples(), now.trainingRows(),
                now.fingerprint());
    }

    /** The run's length: train.rounds, or train.epochs over the prepared training rows. */
    static long rounds(JobConfig config, PreparedData data) {
        return config.train().byEpochs()
                ? Math.max(1, (long) Math.ceil(config.train().epochs() * data.trainRows() / config.batchPlan().globalRows()))
                : config.train().rounds();
    }

    /** One synchronous round; empty when the policy skipped a non-finite update. */
    private Optional<RoundMetrics> synchronousRound(JavaRDD<ShardBlock> blocks, EngineKey key, BatchPlan batches,
                                                    float[] theta, long round, DriverStep driver) {
        sc.setJobDescription("SparkLoRA round " + (round + 1));
        Broadcast<float[]> shipped = sc.broadcast(theta);
        try {
            RoundContribution total = ShardContribution.sumInShardOrder(blocks.mapPartitions(
                    new RoundTask(key, shipped, batches, round, confBroadcast, faults)).collect(),
                    config.distributed().workers(), theta.length);
            if (!NumericGuard.finite(total)) {
                String what = "round " + (round + 1) + ": the loss or gradient is not finite (loss sum " + total.lossSum() + ")";
                if (config.train().nanPolicy() == NanPolicy.STOP) {
                    throw new TrainingException(what + "; lower train.learning_rate, or set train.nan_policy: skip to skip such updates");
                }
                LOG.warn("{}; update skipped (train.nan_policy: skip)", what);
                return Optional.empty();
            }
            return Optional.of(driver.apply(theta, total, round));
        } finally {
            shipped.destroy();
        }
    }

    /**
     * {@code k} local AdamW steps per worker from the current θ, then θ ← the workers' mean. Fewer synchronisations,
     * but not equal to single-JVM training: A and B are averaged separately (the mean of B·A is not B̄·Ā) and the
     * local optimizer moments restart every period.
     */
    private RoundMetrics parameterAveragingPeriod(JavaRDD<ShardBlock> blocks, EngineKey key, BatchPlan batches,
                                                  float[] theta, long round, int k, long rounds) {
        sc.setJobDescription("SparkLoRA rounds " + (round + 1) + "-" + Math.min(rounds, round + k) + " (parameter averaging)");
        Broadcast<float[]> shipped = sc.broadcast(theta);
        try {
            List<LocalStepsTask.Result> results = blocks.mapPartitions(new LocalStepsTask(key, shipped, batches,
                    config.train().optimizer(), round, k, rounds, confBroadcast)).collect();
            float[] mean = new float[theta.length];
            double lossSum = 0;
            long tokens = 0;
            for (LocalStepsTask.Result r : results) {
                for (int i = 0; i < mean.length; i++) {
                    mean[i] += r.theta()[i] / results.size();
                }
                lossSum += r.lossSum();
                tokens += r.tokens();
            }
            if (!NumericGuard.finite(mean) || !Double.isFinite(lossSum)) {
                throw new TrainingException("rounds " + (round + 1) + "-" + (round + k)
                        + ": the averaged parameters are not finite; lower train.learning_rate");
            }
            System.arraycopy(mean, 0, theta, 0, theta.length);
            long last = Math.min(rounds, round + k) - 1;
            double lr = config.train().optimizer().schedule().rate(config.train().learningRate(), last,
                    config.train().warmupSteps(), rounds);
            return new RoundMetrics(last, lossSum / Math.max(1, tokens), tokens, Double.NaN, lr);
        } finally {
            shipped.destroy();
        }
    }

    /**
     * The job's classification task resolved against the model (labels, problem type), or null for a decoder job;
     * {@link io.sparklora.jobs.cli.TrainInputs} checked the model kind before the run started.
     */
    private ClassificationSpec classificationTask(ModelConfig model) {
        if (!config.task().classification()) {
            if (model.family().isEncoder()) {
                throw new JobConfigException("the model in " + config.model().path() + " is a " + model.modelType()
                        + " encoder; set task.label_column (and the labels) to train it as a sequence classifier");
            }
            return null;
        }
        if (!model.family().isEncoder()) {
            throw new JobConfigException("task.label_column trains an encoder as a classifier, but the model in "
                    + config.model().path() + " is a " + model.modelType() + " decoder; remove the task section");
        }
        try {
            return ClassificationSpec.resolve(config.task(), model);
        } catch (IllegalArgumentException e) {
            throw new JobConfigException(e.getMessage() + " (model " + config.model().path() + ")");
        }
    }

    /**
     * LoRA's initial A/B and the head: config.json's when its labels are the task's, else a new one; drawn on an
     * executor, where the base is loaded.
     */
    private float[] initialClassifierTheta(EngineKey key, SerializableHadoopConf conf) {
        return sc.parallelize(List.of(key), 1).map(k -> {
                    var base = ExecutorModels.classifierBase(k, conf.get());
                    return LoraPlan.of(k.lora(), base.layout()).initialParameters(base);
                }).first();
    }

    /** Validation loss and perplexity under θ, recorded in metrics (and in the summary as before/after). */
    private void evaluate(EngineKey key, float[] theta, PreparedData data, long round, String label,
                          List<Map<String, Object>> metrics, Map<String, Object> summary) {
        if (data.validation() == null) {
            return;
        }
        if (key.task() != null) {
            evaluateClassifier(key, theta, data, round, label, metrics, summary);
            return;
        }
        sc.setJobDescription("SparkLoRA evaluation at round " + round);
        Broadcast<float[]> shipped = sc.broadcast(theta);
        try {
            Evaluation.Result r = data.validation().mapPartitions(new EvalTask(key, shipped,
                            config.train().microBatchRows(), confBroadcast))
                    .fold(new Evaluation.Result(0, 0), Evaluation.Result::plus);
            metrics.add(RunSummary.evalLine(round, r));
            LOG.info(String.format("eval at round %d: loss %.4f  perplexity %.2f  (%d tokens)", round, r.meanLoss(),
                    r.perplexity(), r.tokens()));
            if (label != null) {
                summary.put("eval_" + label, Map.of("loss", r.meanLoss(), "perplexity", r.perplexity()));
            }
        } finally {
            shipped.destroy();
        }
    }

    /** A multi-label evaluation per label: its F1, the rows that have it and the rows predicted to. */
    private static List<Map<String, Object>> perLabel(MultiLabelMetrics m, List<String> labels) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int j = 0; j < labels.size(); j++) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("label", labels.get(j));
            one.put("f1", m.labelF1(j));
            one.put("support", m.support(j));
            one.put("predicted", m.truePositives()[j] + m.falsePositives()[j]);
            out.add(one);
        }
        return out;
    }

    /**
     * A classifier's validation metrics under θ (loss; accuracy, macro-F1 and MCC, or Pearson and Spearman), in
     * metrics as eval_* and in the summary as before/after, with the confusion matrix of a single-label task or the
     * per-label F1 of a multi-label one.
     */
    private void evaluateClassifier(EngineKey key, float[] theta, PreparedData data, long round, String label,
                                    List<Map<String, Object>> metrics, Map<String, Object> summary) {
        sc.setJobDescription("SparkLoRA evaluation at round " + round);
        Broadcast<float[]> shipped = sc.broadcast(theta);
        try {
            ClassificationEvaluation e = ClassifierEvalTask.total(data.validation().mapPartitions(new ClassifierEvalTask(
                    key, shipped, config.train().microBatchRows(), confBroadcast)).collect());
            int numLabels = key.task().labels().size();
            Map<String, Double> values = e.metrics(key.task().problem(), numLabels);
            int rows = e.rows(key.task().problem(), numLabels);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("round", round);
            values.forEach((name, v) -> line.put("eval_" + name, v));
            line.put("eval_rows", rows);
            metrics.add(line);
            StringBuilder text = new StringBuilder("eval at round " + round + ":");
            values.forEach((name, v) -> text.append(String.format("  %s %.4f", name, v)));
            LOG.info("{}  ({} rows)", text, rows);
            if (label != null) {
                Map<String, Object> at = new LinkedHashMap<>(values);
                if (key.task().problem() == ProblemType.SINGLE_LABEL && rows > 0) {
                    at.put("confusion_matrix", e.confusion(numLabels).toArray());
                }
                if (key.task().problem() == ProblemType.MULTI_LABEL && rows > 0) {
                    at.put("per_label", perLabel(e.multiLabel(numLabels), key.task().labels()));
                }
                summary.put("eval_" + label, at);
                summary.put("labels", key.task().labels());
            }
        } finally {
            shipped.destroy();
        }
    }
}
