package io.sparklora.jobs.sweep;

import io.sparklora.jobs.report.ChartSeries;
import io.sparklora.jobs.report.Html;
import io.sparklora.jobs.report.LineChart;
import io.sparklora.jobs.report.SvgCharts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sweep's result: one row per combination with its trainable parameters and final validation loss and
 * perplexity (final training loss when the job has no validation data), best first, as the LoRA paper's Tables 5
 * and 6 lay out rank and target-module choices. Rendered as sweep.json and sweep.html.
 */
public final class SweepTable {
    static final String VALIDATION = "eval_loss";
    static final String TRAIN = "final_train_loss";

    private SweepTable() {
    }

    /** One row from a combination and its summary.json. */
    static Map<String, Object> row(Combination c, Map<String, Object> summary, int group) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", c.name());
        row.put("grid", c.values());
        row.put("trainable_parameters", summary.get("trainable_parameters"));
        if (summary.get("eval_after") instanceof Map<?, ?> after) {
            row.put("eval_loss", after.get("loss"));
            row.put("eval_perplexity", after.get("perplexity"));
        }
        if (summary.get("eval_before") instanceof Map<?, ?> before) {
            row.put("eval_loss_before", before.get("loss"));
        }
        row.put("final_train_loss", summary.get("final_train_loss"));
        row.put("rounds", summary.get("rounds"));
        row.put("wall_seconds", summary.get("wall_seconds"));
        row.put("adapter_path", summary.get("adapter_path"));
        row.put("data_group", group);
        return row;
    }

    /** The column rows are ranked by: validation loss when every row has one, else the final training loss. */
    static String metric(List<Map<String, Object>> rows) {
        return rows.stream().allMatch(r -> r.get(VALIDATION) instanceof Number) ? VALIDATION : TRAIN;
    }

    /** Best (lowest metric) first; ties by fewer trainable parameters, then by name. */
    static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
        String metric = metric(rows);
        List<Map<String, Object>> out = new ArrayList<>(rows);
        out.sort(Comparator.<Map<String, Object>>comparingDouble(r -> number(r.get(metric)))
                .thenComparingDouble(r -> number(r.get("trainable_parameters")))
                .thenComparing(r -> (String) r.get("name")));
        return out;
    }

    /**
     * sweep.json's content.
     *
     * @param alreadyComplete combinations a previous invocation had finished (not retrained)
     * @param wallSeconds     this invocation's time
     */
    static Map<String, Object> document(String root, List<String> axes, List<Map<String, Object>> rows, int groups,
                                        int alreadyComplete, double wallSeconds) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("status", "succeeded");
        doc.put("output_path", root);
        doc.put("axes", axes);
        doc.put("metric", metric(rows));
        doc.put("combinations", rows.size());
        doc.put("data_groups", groups);
        doc.put("already_complete", alreadyComplete);
        doc.put("wall_seconds", wallSeconds);
        doc.put("rows", sorted(rows));
        return doc;
    }

    @SuppressWarnings("unchecked")
    static String html(Map<String, Object> doc) {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("rows");
        List<String> axes = (List<String>) doc.get("axes");
        String metric = (String) doc.get("metric");
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>SparkLoRA sweep</title>\n<style>\n")
                .append("body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fafafa}\n")
                .append("h1{font-size:24px;margin:0 0 4px}.sub{color:#666;font-size:13px;margin-bottom:16px}\n")
                .append("table{border-collapse:collapse;background:#fff;font-size:13px;margin-bottom:20px}\n")
                .append("th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f0f0f0}\n")
                .append("td.l,th.l{text-align:left}tr.best td{font-weight:700}svg{border:1px solid #ddd;background:#fff}\n")
                .append("</style></head>\n<body>\n<h1>SparkLoRA sweep</h1>\n<div class=\"sub\">")
                .append(Html.escape(String.valueOf(doc.get("output_path")))).append(" &middot; ").append(rows.size())
                .append(" combinations (").append(doc.get("already_complete")).append(" finished earlier) in ")
                .append(doc.get("data_groups")).append(" data group(s), ")
                .append(String.format(Locale.ROOT, "%.1f", number(doc.get("wall_seconds"))))
                .append(" s &middot; sorted by ").append(metric.equals(VALIDATION) ? "final validation loss" : "final training loss")
                .append("</div>\n<table>\n<tr><th>#</th>");
        for (String axis : axes) {
            sb.append("<th class=\"l\">").append(Html.escape(axis)).append("</th>");
        }
        sb.append("<th>trainable parameters</th><th>validation loss</th><th>validation perplexity</th>"
                + "<th>final train loss</th><th>rounds</th><th class=\"l\">directory</th></tr>\n");
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> row = rows.get(i);
            Map<String, Object> grid = (Map<String, Object>) row.get("grid");
            sb.append(i == 0 ? "<tr class=\"best\">" : "<tr>").append("<td>").append(i + 1).append("</td>");
            for (String axis : axes) {
                sb.append("<td class=\"l\">").append(Html.escape(String.valueOf(grid.get(axis)))).append("</td>");
            }
            sb.append("<td>").append(row.get("trainable_parameters")).append("</td>")
                    .append("<td>").append(fixed(row.get("eval_loss"), 4)).append("</td>")
                    .append("<td>").append(fixed(row.get("eval_perplexity"), 2)).append("</td>")
                    .append("<td>").append(fixed(row.get("final_train_loss"), 4)).append("</td>")
                    .append("<td>").append(row.get("rounds")).append("</td>")
                    .append("<td class=\"l\">").append(Html.escape(String.valueOf(row.get("name")))).append("</td></tr>\n");
        }
        sb.append("</table>\n").append(SvgCharts.render(chart(rows, metric), 720, 360)).append("\n</body></html>\n");
        return sb.toString();
    }

    /** The rows as a console table, best first: the grid values, parameters, losses and directory. */
    @SuppressWarnings("unchecked")
    public static String text(Map<String, Object> doc) {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("rows");
        List<String> axes = (List<String>) doc.get("axes");
        List<String[]> cells = new ArrayList<>();
        List<String> header = new ArrayList<>(axes);
        header.addAll(List.of("params", "val loss", "val ppl", "train loss", "directory"));
        cells.add(header.toArray(String[]::new));
        for (Map<String, Object> row : rows) {
            List<String> line = new ArrayList<>();
            Map<String, Object> grid = (Map<String, Object>) row.get("grid");
            axes.forEach(a -> line.add(String.valueOf(grid.get(a))));
            line.add(String.valueOf(row.get("trainable_parameters")));
            line.add(fixed(row.get("eval_loss"), 4));
            line.add(fixed(row.get("eval_perplexity"), 2));
            line.add(fixed(row.get("final_train_loss"), 4));
            line.add(String.valueOf(row.get("name")));
            cells.add(line.toArray(String[]::new));
        }
        int[] width = new int[header.size()];
        cells.forEach(c -> {
            for (int i = 0; i < c.length; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        });
        StringBuilder sb = new StringBuilder();
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                boolean left = i < axes.size() || i == c.length - 1;
                sb.append(i == 0 ? "" : "  ").append(left ? pad(c[i], width[i], true) : pad(c[i], width[i], false));
            }
            sb.append('\n');
        }
        return sb.toString().replaceAll(" +\n", "\n");
    }

    private static String pad(String s, int width, boolean left) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return left ? s + fill : fill + s;
    }

    /** The metric against log10(trainable parameters), one marker per combination, in parameter order. */
    private static LineChart chart(List<Map<String, Object>> rows, String metric) {
        List<Map<String, Object>> byParams = new ArrayList<>(rows);
        byParams.sort(Comparator.comparingDouble(r -> number(r.get("trainable_parameters"))));
        double[] x = byParams.stream().mapToDouble(r -> Math.log10(Math.max(1, number(r.get("trainable_parameters"))))).toArray();
        double[] y = byParams.stream().mapToDouble(r -> number(r.get(metric))).toArray();
        String label = metric.equals(VALIDATION) ? "validation loss" : "final train loss";
        return new LineChart(label + " against trainable parameters", "log10 trainable parameters", label,
                List.of(new ChartSeries(label, "#1f77b4", x, y, true)));
    }

    private static String fixed(Object o, int decimals) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%." + decimals + "f", n.doubleValue()) : "";
    }

    static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
