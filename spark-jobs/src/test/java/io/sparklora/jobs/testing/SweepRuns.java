package io.sparklora.jobs.testing;

import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.sweep.Combination;
import io.sparklora.jobs.sweep.SweepGrid;
import io.sparklora.jobs.sweep.SweepRun;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A sweep and the same combinations trained alone, on a running session; shared by the local and cluster tests. */
public final class SweepRuns {
    private SweepRuns() {
    }

    /** Plans and trains the sweep of {@code grid} over the job file (no driver-side input checks). */
    public static Map<String, Object> sweep(SparkSession spark, Path yaml, List<String> sets, String... grid) throws IOException {
        SweepGrid parsed = SweepGrid.parse(List.of(grid));
        List<SweepRun.Planned> planned = SweepRun.plan(yaml.toString(), sets, parsed,
                spark.sparkContext().hadoopConfiguration(), (c, config) -> {
                });
        return SweepRun.run(spark, SweepRun.root(planned), parsed, planned);
    }

    /** {@code train} of one combination on its own, with its grid values as --set, into {@code output}. */
    public static void alone(SparkSession spark, Path yaml, Combination c, Path output) throws IOException {
        List<String> sets = new ArrayList<>(c.settings());
        sets.add("output.path=" + output);
        new TrainingMaster(spark, JobConfigLoader.load(yaml.toString(), sets, spark.sparkContext().hadoopConfiguration()))
                .run();
    }

    /** The adapter files of two runs are the same bytes. */
    public static void assertSameAdapter(Path a, Path b) throws IOException {
        for (String file : List.of(PeftFormat.WEIGHTS_FILE, PeftFormat.CONFIG_FILE)) {
            Path fa = a.resolve(RunLayout.ADAPTER).resolve(file);
            Path fb = b.resolve(RunLayout.ADAPTER).resolve(file);
            assertThat(Files.readAllBytes(fa)).as("%s vs %s", fa, fb).isEqualTo(Files.readAllBytes(fb));
        }
    }
}
