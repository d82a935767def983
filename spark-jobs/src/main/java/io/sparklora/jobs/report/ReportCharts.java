package io.sparklora.jobs.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The report's charts, built from metrics.jsonl's lines (training lines carry "loss", evaluations "eval_loss"). */
public final class ReportCharts {
    public static final String TRAIN_COLOR = "#1f77b4";
    public static final String EVAL_COLOR = "#ff7f0e";
    public static final String LR_COLOR = "#2ca02c";
    public static final String THROUGHPUT_COLOR = "#9467bd";

    private ReportCharts() {
    }

    public static LineChart loss(List<Map<String, Object>> metrics) {
        return new LineChart("Loss", "round", "loss (nats/token)", List.of(
                series("train loss", TRAIN_COLOR, metrics, "loss", false),
                series("eval loss", EVAL_COLOR, metrics, "eval_loss", true)));
    }

    public static LineChart learningRate(List<Map<String, Object>> metrics) {
        return new LineChart("Learning rate", "round", "learning rate", List.of(
                series("learning rate", LR_COLOR, metrics, "learning_rate", false)));
    }

    public static LineChart throughput(List<Map<String, Object>> metrics) {
        return new LineChart("Throughput", "round", "tokens / s", List.of(
                series("tokens/s", THROUGHPUT_COLOR, metrics, "tokens_per_second", false)));
    }

    /** (round, value) of every line that has {@code key} as a number. */
    static ChartSeries series(String name, String color, List<Map<String, Object>> metrics, String key, boolean markers) {
        List<double[]> points = new ArrayList<>();
        for (Map<String, Object> line : metrics) {
            if (line.get(key) instanceof Number v && line.get("round") instanceof Number r) {
                points.add(new double[] {r.doubleValue(), v.doubleValue()});
            }
        }
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        return new ChartSeries(name, color, x, y, markers);
    }
}
