package io.sparklora.jobs.train;

import java.util.Map;

/** The few lines the driver prints when a run ends: what changed, how long it took, where the outputs are. */
final class FinalSummary {
    private FinalSummary() {
    }

    static String text(Map<String, Object> summary) {
        StringBuilder sb = new StringBuilder("run finished\n");
        sb.append(String.format("  rounds              %s in %.0f s (%.0f tokens/s)%n", summary.get("rounds"),
                number(summary.get("wall_seconds")), number(summary.get("tokens_per_second"))));
        Object before = summary.get("eval_before");
        Object after = summary.get("eval_after");
        if (before instanceof Map<?, ?> b && after instanceof Map<?, ?> a && summary.containsKey("labels")) {
            for (String metric : java.util.List.of("loss", "accuracy", "macro_f1", "mcc", "pearson", "spearman")) {
                if (a.containsKey(metric)) {
                    sb.append(String.format("  validation %-8s %.4f -> %.4f%n", metric, number(b.get(metric)),
                            number(a.get(metric))));
                }
            }
        } else if (before instanceof Map<?, ?> b && after instanceof Map<?, ?> a) {
            sb.append(String.format("  validation loss     %.4f -> %.4f (perplexity %.2f -> %.2f)%n", number(b.get("loss")),
                    number(a.get("loss")), number(b.get("perplexity")), number(a.get("perplexity"))));
        }
        if (summary.containsKey("exact_match_before")) {
            sb.append(String.format("  exact match         %.1f%% -> %.1f%%%n", 100 * number(summary.get("exact_match_before")),
                    100 * number(summary.get("exact_match_after"))));
        }
        sb.append(String.format("  trainable params    %s (adapter %s bytes)%n", summary.get("trainable_parameters"),
                summary.get("adapter_bytes")));
        sb.append("  adapter             ").append(summary.get("adapter_path"));
        return sb.toString();
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
