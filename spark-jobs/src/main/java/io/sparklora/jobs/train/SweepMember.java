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
import io.sparklora.core.train.DriverStep;
import io.sparklora.core.train.Evaluation;
import io.sparklora.core.train.RoundContribution;
import io.sparklora.core.train.RoundMetrics;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigException;
import io.sparklora.jobs.config.NanPolicy;
import io.sparklora.jobs.data.PreparedData;
import io.sparklora.jobs.data.RowsIdentity;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One combination of a sweep on the driver: its output directory, θ, AdamW, checkpoints, metrics and summary, stepped
 * round by round by {@link SweepTraining} exactly as {@link TrainingMaster} steps a run of its own (same initial θ,
 * same shard-order sums, same AdamW, same checkpoint, eval and publish cadence), so its adapter is the same bytes.
 */
final class SweepMember {
    private static final Logger LOG = LoggerFactory.getLogger(SweepMember.class);

    final String name;
    final JobConfig config;
    final RunLayout layout;
    final Map<String, Object> summary = new LinkedHashMap<>();
    private final Configuration hadoop;
    private final FaultInjection faults;
    private final String fingerprint;
    private Optional<Map<String, Object>> finished = Optional.empty();
    private LoraPlan plan;
    private ModelConfig modelConfig;
    private CheckpointStore checkpoints;
    private Optional<Checkpoint> resume = Optional.empty();

    EngineKey trainKey;
    EngineKey evalKey;
    float[] theta;
    long rounds;
    long start;
    private DriverStep driver;
    private Progress progress;
    private final List<Map<String, Object>> metrics = new ArrayList<>();
    private long skipped;
    private double tokensPerSecond;
    private double lastLoss = Double.NaN;

    SweepMember(String name, JobConfig config, Configuration hadoop, FaultInjection faults) {
        this.name = name;
        this.config = config;
        this.layout = new RunLayout(config.output().path());
        this.hadoop = hadoop;
        this.faults = faults;
        this.fingerprint = config.fingerprint();
    }

    /** Checks the output directory, as a run of its own would; false when it already holds this finished run. */
    boolean open() throws IOException {
        Optional<Map<String, Object>> previous = RunSummary.read(layout, hadoop);
        if (previous.isPresent()) {
            Object recorded = previous.get().get("config_fingerprint");
            if (!fingerprint.equals(recorded)) {
                throw new TrainingException("combination " + name + ": " + layout.root() + " holds a run with a different "
                        + "configuration (" + recorded + " vs " + fingerprint + "); choose a new output.path for the sweep "
                        + "or remove the old run");
            }
            if (RunSummary.SUCCEEDED.equals(previous.get().get("status"))) {
                LOG.info("combination {}: {} already holds its finished run", name, layout.root());
                finished = previous;
                return false;
            }
        }
        modelConfig = ModelConfigJson.parse(new ObjectMapper().readTree(
                HadoopFiles.readString(new Path(config.model().path(), ModelConfigJson.FILE_NAME), hadoop)),
                config.model().path() + "/" + ModelConfigJson.FILE_NAME);
        plan = LoraPlan.of(config.lora(), ModelLayout.of(modelConfig));
        checkpoints = new CheckpointStore(layout.checkpoints(), hadoop, config.checkpoint().keep(), faults);
        resume = checkpoints.latest();
        if (resume.isPresent() && !fingerprint.equals(resume.get().configFingerprint())) {
            throw new TrainingException("combination " + name + ": " + layout.root() + " holds checkpoints of a "
                    + "different configuration; choose a new output.path for the sweep or remove " + layout.checkpoints());
        }
        summary.put("status", RunSummary.RUNNING);
        summary.put("config_fingerprint", fingerprint);
        summary.put("config", config.toMap());
        try {
            RunSummary.write(layout, summary, hadoop);
        } catch (IOException e) {
            summary.remove("status");
            throw new JobConfigException("output.path " + layout.root() + " cannot be written (" + e.getMessage()
                    + "); choose an output.path where this job may create directories");
        }
        return true;
    }

    /** The finished run's summary when {@link #open()} found one. */
    Optional<Map<String, Object>> finished() {
        return finished;
    }

    /** The data sources its checkpoint pinned, for the shared data preparation to read again. */
    Map<String, Object> pinnedSources() {
        return resume.map(Checkpoint::rows).map(RowsIdentity::sources).orElse(Map.of());
    }

    /** Sets θ, AdamW and the round count from the prepared data and the checkpoint, if any. */
    void begin(PreparedData data) {
        summary.put("data", data.report());
        resume.ifPresent(c -> TrainingMaster.checkSameRows(data.rows(), c, layout, config));
        rounds = TrainingMaster.rounds(config, data);
        trainKey = new EngineKey(config.model().path(), config.lora(), config.data().maxSeqLen(), TrainingMode.LORA, true,
                config.train().activationCheckpointing());
        evalKey = new EngineKey(config.model().path(), config.lora(), config.data().maxSeqLen(), TrainingMode.LORA, false,
                false);
        float[] initial = resume.map(Checkpoint::theta).orElseGet(plan::initialParameters);
        theta = initial;
        AdamWState optState = resume.map(Checkpoint::optimizer)
                .orElseGet(() -> new AdamWState(0, new float[initial.length], new float[initial.length]));
        start = resume.map(Checkpoint::nextRound).orElse(0L);
        metrics.addAll(resume.map(Checkpoint::metrics).orElse(List.of()));
        if (start > 0) {
            LOG.info("combination {}: resuming from checkpoint at round {} of {}", name, start, rounds);
        }
        driver = new DriverStep(config.train().optimizer(), rounds, new AdamW(config.train().optimizer(), optState));
        progress = new Progress(start, rounds, "combination " + name);
    }

    /** Whether it trains in this (0-based) round. */
    boolean trainsIn(long round) {
        return round >= start && round < rounds;
    }

    /**
     * Takes round {@code round}'s step from its summed contribution; true when the round counted (false when
     * train.nan_policy skipped it), so that the caller evaluates and checkpoints on the cadence.
     */
    boolean step(RoundContribution total, long round) {
        if (!NumericGuard.finite(total)) {
            String what = "combination " + name + ", round " + (round + 1) + ": the loss or gradient is not finite "
                    + "(loss sum " + total.lossSum() + ")";
            if (config.train().nanPolicy() == NanPolicy.STOP) {
                throw new TrainingException(what + "; lower train.learning_rate, or set train.nan_policy: skip to skip such updates");
            }
            LOG.warn("{}; update skipped (train.nan_policy: skip)", what);
            skipped++;
            return false;
        }
        RoundMetrics m = driver.apply(theta, total, round);
        lastLoss = m.loss();
        tokensPerSecond = progress.round(m);
        metrics.add(RunSummary.roundLine(round + 1, m, tokensPerSecond));
        return true;
    }

    /** Whether it evaluates after round {@code next} (1-based) mid-run. */
    boolean evaluatesAfter(long next) {
        int every = config.eval().everyRounds();
        return every > 0 && next % every == 0 && next < rounds;
    }

    /** Writes its checkpoint after round {@code next} (1-based) when the cadence asks for one. */
    void checkpointAfter(long next, RowsIdentity rows) throws IOException {
        int every = config.checkpoint().everyRounds();
        if (every > 0 && next % every == 0 && next < rounds) {
            checkpoints.write(new Checkpoint(next, theta, driver.optimizer().state(), fingerprint, metrics, rows));
            RunSummary.writeMetrics(layout, metrics, hadoop);
        }
    }

    /** Records a validation result, as {@link TrainingMaster} does; label "before"/"after" also goes to the summary. */
    void evaluated(Evaluation.Result r, long round, String label) {
        metrics.add(RunSummary.evalLine(round, r));
        LOG.info(String.format("combination %s: eval at round %d: loss %.4f  perplexity %.2f  (%d tokens)", name, round,
                r.meanLoss(), r.perplexity(), r.tokens()));
        if (label != null) {
            summary.put("eval_" + label, Map.of("loss", r.meanLoss(), "perplexity", r.perplexity()));
        }
    }

    /** Publishes the adapter and metrics and fills the summary (written by the caller after the report). */
    void publish(String baseFingerprint) throws IOException {
        PeftAdapter adapter = new PeftAdapter(plan.config(), theta, config.model().path(), baseFingerprint);
        long adapterBytes = AdapterPublisher.publish(layout, adapter, plan, modelConfig.family(), hadoop, faults);
        RunSummary.writeMetrics(layout, metrics, hadoop);
        new RunSummary.Succeeded(rounds, start, skipped, lastLoss, tokensPerSecond, progress.seconds(),
                plan.layout().size(), layout.adapter().toString(), adapterBytes, baseFingerprint).putInto(summary);
    }

    float[] initialTheta() {
        return plan.initialParameters();
    }

    List<Map<String, Object>> metrics() {
        return metrics;
    }

    /** Records a failure in summary.json when this combination was running; never throws. */
    void failed(Exception e) {
        if (!RunSummary.RUNNING.equals(summary.get("status"))) {
            return;
        }
        summary.put("status", RunSummary.FAILED);
        summary.put("error", String.valueOf(e.getMessage()));
        try {
            RunSummary.write(layout, summary, hadoop);
        } catch (IOException | RuntimeException writeFailure) {
            e.addSuppressed(writeFailure);
        }
    }

    void writeSummary() throws IOException {
        RunSummary.write(layout, summary, hadoop);
    }
}
