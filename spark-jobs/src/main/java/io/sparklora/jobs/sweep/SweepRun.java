package io.sparklora.jobs.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparklora.jobs.config.Averaging;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigException;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.config.OutputSection;
import io.sparklora.jobs.io.HadoopFiles;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.SweepTraining;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A sweep in one Spark application: every combination of the grid's values, each a complete job (the job file, the
 * {@code --set}s, then its grid values) writing into {@code output.path/<combination>}. Combinations whose data
 * preparation is the same (data section, tokenizer, workers, train.seed, eval.max_rows) train together in one
 * {@link SweepTraining}; groups train one after another. sweep.json and sweep.html at output.path are written last,
 * each under a temporary name then renamed, and removed at the start, so that only a finished sweep has them.
 */
public final class SweepRun {
    public static final String JSON_FILE = "sweep.json";
    public static final String HTML_FILE = "sweep.html";
    private static final Logger LOG = LoggerFactory.getLogger(SweepRun.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A combination and its resolved job. */
    public record Planned(Combination combination, JobConfig config) {
    }

    private SweepRun() {
    }

    /**
     * Every combination's job, validated as {@code train} validates one; errors name the combination. {@code check}
     * runs the driver-side input checks (model, LoRA plan, tokenizer) on each.
     */
    public static List<Planned> plan(String configPath, List<String> sets, SweepGrid grid, Configuration hadoop,
                                     BiConsumer<Combination, JobConfig> check) {
        List<Planned> out = new ArrayList<>();
        for (Combination c : grid.combinations()) {
            JobConfig config;
            try {
                JobConfig loaded = JobConfigLoader.load(configPath, sets, c.settings(), hadoop);
                Path root = new Path(loaded.output().path()); // the same for all: output.path is no grid axis
                config = new JobConfig(loaded.model(), loaded.lora(), loaded.data(), loaded.task(), loaded.train(), loaded.distributed(),
                        loaded.eval(), loaded.checkpoint(), new OutputSection(new Path(root, c.name()).toString()));
            } catch (JobConfigException e) {
                throw new JobConfigException(e.getMessage() + " (sweep combination " + c.describe() + ")");
            }
            if (config.distributed().averaging() != Averaging.GRADIENT) {
                throw new JobConfigException("sweep combination " + c.describe() + ": a sweep trains with "
                        + "distributed.averaging: gradient (synchronous rounds); drop the parameter-averaging setting");
            }
            if (config.task().classification()) {
                throw new JobConfigException("sweep combination " + c.describe() + ": a sweep trains causal language "
                        + "models; a sequence-classification job (task.label_column) runs with train, one configuration "
                        + "at a time");
            }
            check.accept(c, config);
            out.add(new Planned(c, config));
        }
        return out;
    }

    /** The sweep's output.path: the directory the combinations' directories are in. */
    public static String root(List<Planned> planned) {
        return new Path(planned.get(0).config().output().path()).getParent().toString();
    }

    /** The combinations that share their data preparation, in grid order of each group's first member. */
    static List<List<Planned>> groups(List<Planned> planned) {
        Map<List<Object>, List<Planned>> groups = new LinkedHashMap<>();
        for (Planned p : planned) {
            JobConfig c = p.config();
            List<Object> key = List.of(c.data(), c.model().tokenizer(), c.distributed().workers(), c.train().seed(),
                    c.eval().maxRows());
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
        }
        return new ArrayList<>(groups.values());
    }

    /** Trains every combination and writes sweep.json and sweep.html; returns sweep.json's content. */
    public static Map<String, Object> run(SparkSession spark, String root, SweepGrid grid, List<Planned> planned)
            throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path dir = new Path(root);
        Path json = new Path(dir, JSON_FILE);
        Path html = new Path(dir, HTML_FILE);
        FileSystem fs = HadoopFiles.fs(dir, hadoop);
        fs.delete(json, false); // a previous sweep's table must not stand for this one until it finishes
        fs.delete(html, false);
        long start = System.nanoTime();
        List<List<Planned>> groups = groups(planned);
        List<Map<String, Object>> rows = new ArrayList<>();
        int alreadyComplete = 0;
        for (int g = 0; g < groups.size(); g++) {
            List<Planned> group = groups.get(g);
            LOG.info("sweep: data group {} of {}: {} combination(s)", g + 1, groups.size(), group.size());
            List<RunResult> results = new SweepTraining(spark).train(group.stream()
                    .map(p -> new SweepTraining.Member(p.combination().name(), p.config())).toList());
            for (int i = 0; i < group.size(); i++) {
                rows.add(SweepTable.row(group.get(i).combination(), results.get(i).summary(), g));
                alreadyComplete += results.get(i).alreadyComplete() ? 1 : 0;
            }
        }
        List<String> axes = grid.axes().stream().map(a -> a.key()).toList();
        Map<String, Object> doc = SweepTable.document(root, axes, rows, groups.size(), alreadyComplete,
                (System.nanoTime() - start) / 1e9);
        publish(fs, html, SweepTable.html(doc).getBytes(StandardCharsets.UTF_8), hadoop);
        publish(fs, json, JSON.writeValueAsBytes(doc), hadoop); // last: its presence says the sweep finished
        return doc;
    }

    /** Writes under a temporary name beside the target, then renames it over the target: never a partial file. */
    private static void publish(FileSystem fs, Path target, byte[] bytes, Configuration hadoop) throws IOException {
        Path staging = new Path(target.getParent(), "_staging-" + target.getName() + "-" + java.util.UUID.randomUUID());
        try {
            HadoopFiles.write(staging, bytes, hadoop);
            fs.delete(target, false);
            if (!fs.rename(staging, target)) {
                throw new IOException("cannot move " + staging + " to " + target);
            }
        } finally {
            fs.delete(staging, false);
        }
    }
}
