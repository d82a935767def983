package io.sparklora.jobs.report;

import io.sparklora.core.train.ClassificationEvaluation;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A classifier run's part of report.html: the validation metrics before and after training, and the confusion
 * matrices (rows: true class, columns: predicted class) or, multi-label, each label's F1.
 */
final class ClassificationSection {
    private ClassificationSection() {
    }

    /** True when the summary is a classifier run's (it names the labels). */
    static boolean applies(Map<String, Object> summary) {
        return summary.get("labels") instanceof List<?>;
    }

    static void render(StringBuilder sb, Map<String, Object> summary) {
        List<?> labels = (List<?>) summary.get("labels");
        Map<?, ?> before = summary.get("eval_before") instanceof Map<?, ?> m ? m : Map.of();
        Map<?, ?> after = summary.get("eval_after") instanceof Map<?, ?> m ? m : Map.of();
        sb.append("<h2>Classification (validation rows)</h2>\n<table>\n<tr><th>metric</th><th>before</th><th>after</th></tr>\n");
        Set<Object> names = new LinkedHashSet<>(before.keySet());
        names.addAll(after.keySet());
        names.remove("confusion_matrix");
        names.remove("per_label");
        for (Object name : names) {
            sb.append("<tr><th>").append(Html.escape(String.valueOf(name))).append("</th><td class=\"mono\">")
                    .append(HtmlReport.num(before.get(name), 4)).append("</td><td class=\"mono\">")
                    .append(HtmlReport.num(after.get(name), 4)).append("</td></tr>\n");
        }
        sb.append("</table>\n");
        confusion(sb, "before training", before.get("confusion_matrix"), labels);
        confusion(sb, "after training", after.get("confusion_matrix"), labels);
        perLabel(sb, before.get("per_label"), after.get("per_label"));
    }

    /** Multi-label: each label's F1 before and after, the rows that have it and the rows predicted to after. */
    private static void perLabel(StringBuilder sb, Object before, Object after) {
        if (!(after instanceof List<?> rows)) {
            return;
        }
        List<?> earlier = before instanceof List<?> b && b.size() == rows.size() ? b : null;
        sb.append("<h3>Per label (predicted at probability &ge; ")
                .append(ClassificationEvaluation.MULTI_LABEL_THRESHOLD)
                .append(")</h3>\n<table>\n<tr><th>label</th><th>F1 before</th>"
                + "<th>F1 after</th><th>rows with it</th><th>predicted after</th></tr>\n");
        for (int j = 0; j < rows.size(); j++) {
            Map<?, ?> a = (Map<?, ?>) rows.get(j);
            Object f1Before = earlier == null ? null : ((Map<?, ?>) earlier.get(j)).get("f1");
            sb.append("<tr><th>").append(Html.escape(String.valueOf(a.get("label")))).append("</th><td class=\"mono\">")
                    .append(HtmlReport.num(f1Before, 4)).append("</td><td class=\"mono\">")
                    .append(HtmlReport.num(a.get("f1"), 4)).append("</td><td class=\"mono\">").append(a.get("support"))
                    .append("</td><td class=\"mono\">").append(a.get("predicted")).append("</td></tr>\n");
        }
        sb.append("</table>\n");
    }

    private static void confusion(StringBuilder sb, String when, Object matrix, List<?> labels) {
        if (!(matrix instanceof long[][] counts)) {
            return;
        }
        sb.append("<h3>Confusion matrix ").append(when).append("</h3>\n<table class=\"confusion\">\n<tr><th>true \\ predicted</th>");
        labels.forEach(l -> sb.append("<th>").append(Html.escape(String.valueOf(l))).append("</th>"));
        sb.append("</tr>\n");
        for (int t = 0; t < counts.length; t++) {
            sb.append("<tr><th>").append(Html.escape(String.valueOf(labels.get(t)))).append("</th>");
            for (long c : counts[t]) {
                sb.append("<td class=\"mono\">").append(c).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
    }
}
