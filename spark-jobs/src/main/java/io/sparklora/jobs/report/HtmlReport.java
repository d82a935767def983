package io.sparklora.jobs.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.html: one self-contained page (inline CSS and SVG; no scripts, links, images or fonts from elsewhere) with
 * the run's figures, loss / learning-rate / throughput charts, the generations before and after training, the data
 * report and the resolved configuration.
 */
public final class HtmlReport {
    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fafafa}
            h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}
            .sub{color:#666;font-size:13px;margin-bottom:16px;word-break:break-all}
            .cards{display:flex;flex-wrap:wrap;gap:10px}
            .card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
            .card .k{font-size:12px;color:#666}.card .v{font-size:20px;font-weight:600;margin-top:2px}
            .card .n{font-size:12px;color:#888}
            .charts{display:flex;flex-wrap:wrap;gap:12px}
            .charts svg{border:1px solid #ddd;border-radius:6px;background:#fff}
            table{border-collapse:collapse;background:#fff;font-size:13px}
            th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#f0f0f0}td.mono{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}
            .ok{color:#1a7f37;font-weight:700}.no{color:#b42318;font-weight:700}
            """;

    private HtmlReport() {
    }

    public static String render(Map<String, Object> summary, List<Map<String, Object>> metrics, List<GenerationRow> generations,
                                String outputPath) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>SparkLoRA run report</title>\n<style>\n")
                .append(CSS).append("</style></head>\n<body>\n");
        sb.append("<h1>SparkLoRA run report</h1>\n<div class=\"sub\">").append(Html.escape(outputPath)).append(" &middot; status <b>")
                .append(Html.escape(str(summary.get("status")))).append("</b></div>\n");

        sb.append("<div class=\"cards\">\n");
        card(sb, "rounds", str(summary.get("rounds")), "wall " + num(summary.get("wall_seconds"), 1) + " s");
        card(sb, "final train loss", num(summary.get("final_train_loss"), 4), null);
        card(sb, "eval loss before → after", nested(summary, "eval_before", "loss", 4) + " → " + nested(summary, "eval_after", "loss", 4),
                "perplexity " + nested(summary, "eval_before", "perplexity", 2) + " → " + nested(summary, "eval_after", "perplexity", 2));
        card(sb, "exact match before → after", percent(summary.get("exact_match_before")) + " → "
                + percent(summary.get("exact_match_after")), str(summary.get("generation_examples")) + " validation examples");
        card(sb, "adapter / base size", bytes(summary.get("adapter_bytes")) + " / " + bytes(summary.get("base_bytes")),
                "ratio " + ratio(summary.get("adapter_bytes"), summary.get("base_bytes")));
        card(sb, "trainable / base parameters", count(summary.get("trainable_parameters")) + " / "
                + count(summary.get("base_parameters")), "ratio " + ratio(summary.get("trainable_parameters"), summary.get("base_parameters")));
        card(sb, "throughput", num(summary.get("tokens_per_second"), 0) + " tok/s", null);
        sb.append("</div>\n");

        sb.append("<h2>Training</h2>\n<div class=\"charts\">\n")
                .append(SvgCharts.render(ReportCharts.loss(metrics), 1100, 340)).append('\n')
                .append(SvgCharts.render(ReportCharts.learningRate(metrics), 544, 280)).append('\n')
                .append(SvgCharts.render(ReportCharts.throughput(metrics), 544, 280)).append("\n</div>\n");

        if (ClassificationSection.applies(summary)) {
            ClassificationSection.render(sb, summary);
        } else {
            generations(sb, generations);
        }

        if (summary.get("data") instanceof Map<?, ?> data) {
            sb.append("<h2>Data</h2>\n");
            table(sb, flatten("", data, new LinkedHashMap<>()));
        }
        if (summary.get("config") instanceof Map<?, ?> config) {
            sb.append("<h2>Configuration</h2>\n");
            table(sb, flatten("", config, new LinkedHashMap<>()));
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static void generations(StringBuilder sb, List<GenerationRow> generations) {
        sb.append("<h2>Generations (greedy, validation examples)</h2>\n");
        if (generations.isEmpty()) {
            sb.append("<p>No generations: the job has no validation data, or generation failed (see the driver log).</p>\n");
        } else {
            sb.append("<table class=\"generations\"><tr><th>#</th><th>prompt</th><th>reference</th><th>base model</th>"
                    + "<th>adapted</th></tr>\n");
            for (int i = 0; i < generations.size(); i++) {
                GenerationRow r = generations.get(i);
                sb.append("<tr><td>").append(i + 1).append("</td><td class=\"mono\">").append(Html.escape(r.prompt()))
                        .append("</td><td class=\"mono\">").append(Html.escape(r.reference())).append("</td>");
                generated(sb, r.base(), r.baseExact());
                generated(sb, r.adapted(), r.adaptedExact());
                sb.append("</tr>\n");
            }
            sb.append("</table>\n");
        }
    }

    private static void generated(StringBuilder sb, String text, boolean exact) {
        sb.append("<td class=\"mono\"><span class=\"").append(exact ? "ok" : "no").append("\">").append(exact ? "✓" : "✗")
                .append("</span> ").append(Html.escape(text)).append("</td>");
    }

    private static void card(StringBuilder sb, String key, String value, String note) {
        sb.append("<div class=\"card\"><div class=\"k\">").append(Html.escape(key)).append("</div><div class=\"v\">")
                .append(Html.escape(value)).append("</div>");
        if (note != null) {
            sb.append("<div class=\"n\">").append(Html.escape(note)).append("</div>");
        }
        sb.append("</div>\n");
    }

    private static void table(StringBuilder sb, Map<String, String> rows) {
        sb.append("<table>\n");
        rows.forEach((k, v) -> sb.append("<tr><th>").append(Html.escape(k)).append("</th><td class=\"mono\">")
                .append(Html.escape(v)).append("</td></tr>\n"));
        sb.append("</table>\n");
    }

    /** Nested maps as dotted keys ("train.learning_rate"), lists and scalars as text. */
    static Map<String, String> flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        map.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            if (v instanceof Map<?, ?> m) {
                flatten(key, m, out);
            } else {
                out.put(key, v == null ? "null" : String.valueOf(v));
            }
        });
        return out;
    }

    private static String str(Object o) {
        return o == null ? "–" : String.valueOf(o);
    }

    private static String nested(Map<String, Object> summary, String outer, String inner, int decimals) {
        return summary.get(outer) instanceof Map<?, ?> m ? num(m.get(inner), decimals) : "–";
    }

    static String num(Object o, int decimals) {
        if (o instanceof Number n && Double.isFinite(n.doubleValue())) {
            return String.format(Locale.ROOT, "%,." + decimals + "f", n.doubleValue());
        }
        return "–";
    }

    static String percent(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.1f%%", 100 * n.doubleValue()) : "–";
    }

    static String count(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : "–";
    }

    static String bytes(Object o) {
        if (!(o instanceof Number n)) {
            return "–";
        }
        double b = n.doubleValue();
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%d B", n.longValue()) : String.format(Locale.ROOT, "%.1f %s", b, units[u]);
    }

    static String ratio(Object part, Object whole) {
        if (part instanceof Number p && whole instanceof Number w && w.doubleValue() > 0) {
            double r = p.doubleValue() / w.doubleValue();
            return r >= 0.01 ? String.format(Locale.ROOT, "%.2f%%", 100 * r) : String.format(Locale.ROOT, "%.3g%%", 100 * r);
        }
        return "–";
    }
}
