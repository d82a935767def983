package io.sparklora.jobs.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.text.TextExample;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.io.HadoopFiles;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.train.ExecutorModels;
import io.sparklora.jobs.train.EngineKey;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The end-of-run report, written beside the adapter: base model size, greedy generations before/after training with
 * exact match ({@value #GENERATIONS}, figures in summary.json), {@value #REPORT} and PNG plots under {@value #PLOTS}/.
 * Nothing here fails a run: each part that fails is logged as a warning and left out.
 */
public final class RunReport {
    public static final String GENERATIONS = "generations.jsonl";
    public static final String REPORT = "report.html";
    public static final String PLOTS = "plots";
    private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CELL = 30;

    private RunReport() {
    }

    /**
     * What the report needs from the run.
     *
     * @param evalKey the evaluation graph's key (dropout off), so executors reuse the pooled graph
     * @param initialTheta θ before training (B = 0, the base model); {@code trainedTheta} the final θ
     */
    public record Inputs(JobConfig config, EngineKey evalKey, List<TextExample> validationExamples, float[] initialTheta,
                         float[] trainedTheta, SerializableHadoopConf conf) {
    }

    /** Adds the report's figures to {@code summary} and writes the report files under {@code root}. Never throws. */
    public static void finish(JavaSparkContext sc, Inputs in, Path root, List<Map<String, Object>> metrics,
                              Map<String, Object> summary) {
        Configuration hadoop = in.conf().get();
        try {
            baseSize(sc, in, summary);
        } catch (Exception e) {
            LOG.warn("report: cannot size the base model: {}", e.toString());
        }
        List<GenerationRow> rows = List.of();
        try {
            rows = generations(sc, in);
            if (!rows.isEmpty()) {
                putExactMatch(rows, summary);
                writeGenerations(new Path(root, GENERATIONS), rows, hadoop);
                LOG.info("generations (greedy, {} validation examples):\n{}", rows.size(), table(rows));
            }
        } catch (Exception e) {
            LOG.warn("report: generations before/after training failed: {}", e.toString());
        }
        try {
            HadoopFiles.writeString(new Path(root, REPORT), HtmlReport.render(summary, metrics, rows, root.toString()), hadoop);
        } catch (Exception | LinkageError e) {
            LOG.warn("report: cannot write {}: {}", REPORT, e.toString());
        }
        try {
            writePlots(new Path(root, PLOTS), metrics, hadoop);
        } catch (Exception | LinkageError e) {
            LOG.warn("report: cannot write the PNG plots: {}", e.toString());
        }
        LOG.info("report written to {}", new Path(root, REPORT));
    }

    private static void baseSize(JavaSparkContext sc, Inputs in, Map<String, Object> summary) throws IOException {
        SerializableHadoopConf conf = in.conf();
        sc.setJobDescription("SparkLoRA report: base model size");
        long parameters = sc.parallelize(List.of(in.config().model().path()), 1)
                .map(uri -> ExecutorModels.base(uri, conf.get()).parameterCount()).first();
        summary.put("base_parameters", parameters);
        Path model = new Path(in.config().model().path());
        FileSystem fs = HadoopFiles.fs(model, conf.get());
        long bytes = 0;
        for (FileStatus f : fs.listStatus(model)) {
            String name = f.getPath().getName();
            if (f.isFile() && (name.endsWith(".safetensors") || name.endsWith(".bin"))) {
                bytes += f.getLen();
            }
        }
        summary.put("base_bytes", bytes);
        if (summary.get("adapter_bytes") instanceof Number adapter && bytes > 0) {
            summary.put("adapter_to_base_bytes", adapter.doubleValue() / bytes);
        }
    }

    private static List<GenerationRow> generations(JavaSparkContext sc, Inputs in) {
        if (in.config().task().classification()) {
            return List.of(); // a classifier's report shows its metrics and confusion matrices instead
        }
        List<ReportExample> examples = new ArrayList<>();
        for (TextExample ex : in.validationExamples()) {
            ReportExample.of(ex).ifPresent(examples::add);
        }
        if (examples.isEmpty()) {
            LOG.info("report: no validation examples, so no generations before/after training");
            return List.of();
        }
        sc.setJobDescription("SparkLoRA report: generations before/after training");
        GenerationTask task = new GenerationTask(in.evalKey(), in.config().model().tokenizer(), in.config().data().addBos(),
                examples, in.initialTheta(), in.trainedTheta(), in.conf());
        return sc.parallelize(List.of(0), 1).map(task).first();
    }

    /** exact_match_before / exact_match_after: the fraction of examples whose completion equals the reference. */
    public static void putExactMatch(List<GenerationRow> rows, Map<String, Object> summary) {
        summary.put("generation_examples", rows.size());
        summary.put("exact_match_before", rows.stream().filter(GenerationRow::baseExact).count() / (double) rows.size());
        summary.put("exact_match_after", rows.stream().filter(GenerationRow::adaptedExact).count() / (double) rows.size());
    }

    public static void writeGenerations(Path file, List<GenerationRow> rows, Configuration conf) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (GenerationRow r : rows) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("prompt", r.prompt());
            line.put("reference", r.reference());
            line.put("base", r.base());
            line.put("adapted", r.adapted());
            line.put("base_exact", r.baseExact());
            line.put("adapted_exact", r.adaptedExact());
            sb.append(JSON.writeValueAsString(line)).append('\n');
        }
        HadoopFiles.writeString(file, sb.toString(), conf);
    }

    public static void writePlots(Path dir, List<Map<String, Object>> metrics, Configuration conf) throws IOException {
        HadoopFiles.write(new Path(dir, "loss.png"), PngCharts.png(ReportCharts.loss(metrics), 900, 360), conf);
        HadoopFiles.write(new Path(dir, "lr.png"), PngCharts.png(ReportCharts.learningRate(metrics), 900, 360), conf);
        HadoopFiles.write(new Path(dir, "throughput.png"), PngCharts.png(ReportCharts.throughput(metrics), 900, 360), conf);
    }

    /** The console's side-by-side table: reference, base and adapted completions, ✓ where exact. */
    public static String table(List<GenerationRow> rows) {
        StringBuilder sb = new StringBuilder();
        String format = "%3s  %-" + CELL + "s | %-" + (CELL + 2) + "s | %-" + (CELL + 2) + "s%n";
        sb.append(String.format(Locale.ROOT, format, "#", "reference", "base", "adapted"));
        for (int i = 0; i < rows.size(); i++) {
            GenerationRow r = rows.get(i);
            sb.append(String.format(Locale.ROOT, format, i + 1, cell(r.reference()),
                    (r.baseExact() ? "✓ " : "✗ ") + cell(r.base()), (r.adaptedExact() ? "✓ " : "✗ ") + cell(r.adapted())));
        }
        long before = rows.stream().filter(GenerationRow::baseExact).count();
        long after = rows.stream().filter(GenerationRow::adaptedExact).count();
        sb.append(String.format(Locale.ROOT, "exact match: before %.1f%% (%d/%d), after %.1f%% (%d/%d)", 100.0 * before / rows.size(),
                before, rows.size(), 100.0 * after / rows.size(), after, rows.size()));
        return sb.toString();
    }

    private static String cell(String s) {
        String flat = Optional.ofNullable(s).orElse("").strip().replace("\n", "⏎").replace("\r", "").replace("\t", " ");
        return flat.length() <= CELL ? flat : flat.substring(0, CELL - 1) + "…";
    }
}
