package io.sparklora.jobs.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** summary.json (final status and figures, for schedulers) and metrics.jsonl (one line per round or evaluation). */
public final class RunSummary {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINES = new ObjectMapper();

    private RunSummary() {
    }

    public static void write(RunLayout layout, Map<String, Object> summary, Configuration conf) throws IOException {
        HadoopFiles.write(layout.summary(), JSON.writeValueAsBytes(summary), conf);
    }

    public static Optional<Map<String, Object>> read(RunLayout layout, Configuration conf) throws IOException {
        if (!HadoopFiles.exists(layout.summary(), conf)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(HadoopFiles.readBytes(layout.summary(), conf), new TypeReference<>() {
        }));
    }

    /** metrics.jsonl's line for a training round ({@code round} is 1-based: the rounds done). */
    static Map<String, Object> roundLine(long round, io.sparklora.core.train.RoundMetrics m, double tokensPerSecond) {
        Map<String, Object> line = new java.util.LinkedHashMap<>();
        line.put("round", round);
        line.put("loss", m.loss());
        line.put("tokens", m.tokens());
        line.put("grad_norm", m.gradNorm());
        line.put("learning_rate", m.learningRate());
        line.put("tokens_per_second", tokensPerSecond);
        return line;
    }

    /** metrics.jsonl's line for a validation pass after {@code round} rounds. */
    static Map<String, Object> evalLine(long round, io.sparklora.core.train.Evaluation.Result r) {
        Map<String, Object> line = new java.util.LinkedHashMap<>();
        line.put("round", round);
        line.put("eval_loss", r.meanLoss());
        line.put("eval_perplexity", r.perplexity());
        line.put("eval_tokens", r.tokens());
        return line;
    }

    public static void writeMetrics(RunLayout layout, List<Map<String, Object>> lines, Configuration conf) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> line : lines) {
            sb.append(LINES.writeValueAsString(line)).append('\n');
        }
        HadoopFiles.writeString(layout.metrics(), sb.toString(), conf);
    }

    /** What a run that finished did, as its summary.json reports it beside status "succeeded". */
    record Succeeded(long rounds, long resumedFromRound, long skippedRounds, double finalTrainLoss,
                     double tokensPerSecond, double wallSeconds, int trainableParameters, String adapterPath,
                     long adapterBytes, String baseFingerprint) {
        void putInto(Map<String, Object> summary) {
            summary.put("status", SUCCEEDED);
            summary.put("rounds", rounds);
            summary.put("resumed_from_round", resumedFromRound);
            summary.put("skipped_rounds", skippedRounds);
            summary.put("final_train_loss", finalTrainLoss);
            summary.put("tokens_per_second", tokensPerSecond);
            summary.put("wall_seconds", wallSeconds);
            summary.put("trainable_parameters", trainableParameters);
            summary.put("adapter_path", adapterPath);
            summary.put("adapter_bytes", adapterBytes);
            summary.put("base_fingerprint", baseFingerprint);
        }
    }
}
