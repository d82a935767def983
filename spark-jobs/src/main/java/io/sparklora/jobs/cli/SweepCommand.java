package io.sparklora.jobs.cli;

import io.sparklora.jobs.sweep.SweepGrid;
import io.sparklora.jobs.sweep.SweepRun;
import io.sparklora.jobs.sweep.SweepTable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sweep --config job.yaml --grid k=v1,v2 [--grid ...] [--set ...]}: checks every combination as {@code train}
 * checks its job (errors name the combination), then trains them all in this Spark application.
 */
final class SweepCommand {
    private SweepCommand() {
    }

    static int run(SparkSession spark, String configPath, List<String> sets, SweepGrid grid, PrintStream out)
            throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        List<SweepRun.Planned> planned = SweepRun.plan(configPath, sets, grid, hadoop, (combination, config) -> {
            try {
                TrainInputs.check(config, hadoop);
            } catch (CliException e) {
                throw CliException.usage(e.getMessage() + " (sweep combination " + combination.describe() + ")");
            }
        });
        String root = SweepRun.root(planned);
        Map<String, Object> doc = SweepRun.run(spark, root, grid, planned);
        out.print(SweepTable.text(doc));
        int earlier = ((Number) doc.get("already_complete")).intValue();
        out.println(String.format(Locale.ROOT, "sweep of %d combinations finished in %.1f s%s: %s/%s", planned.size(),
                ((Number) doc.get("wall_seconds")).doubleValue(), earlier == 0 ? ""
                        : " (" + earlier + " finished earlier, not retrained)", root, SweepRun.JSON_FILE));
        return SparkLoraMain.OK;
    }
}
