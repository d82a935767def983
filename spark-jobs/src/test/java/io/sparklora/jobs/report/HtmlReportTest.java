package io.sparklora.jobs.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    private static Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("status", "succeeded");
        s.put("config", Map.of("train", Map.of("learning_rate", 0.01), "model", Map.of("path", "hdfs://nn/models/<tiny>")));
        s.put("data", Map.of("training_rows", 40, "validation_rows", 8));
        s.put("rounds", 10);
        s.put("eval_before", Map.of("loss", 3.5, "perplexity", 33.1));
        s.put("eval_after", Map.of("loss", 2.25, "perplexity", 9.49));
        s.put("adapter_bytes", 2048);
        s.put("base_bytes", 1048576);
        s.put("trainable_parameters", 512);
        s.put("base_parameters", 262144);
        return s;
    }

    private static List<Map<String, Object>> metrics() {
        List<Map<String, Object>> m = new ArrayList<>();
        m.add(Map.of("round", 0, "eval_loss", 3.5));
        for (int r = 1; r <= 10; r++) {
            m.add(Map.of("round", r, "loss", 3.5 - 0.1 * r, "learning_rate", 0.01, "tokens_per_second", 100.0 + r));
        }
        m.add(Map.of("round", 10, "eval_loss", 2.25));
        return m;
    }

    @Test
    void theReportIsSelfContainedAndShowsFiguresChartsAndGenerations() {
        List<GenerationRow> rows = List.of(
                new GenerationRow("the <b>cat</b> sat", " on the mat.", "xx", "on the mat."),
                new GenerationRow("the dog sat", " on the log.", "on the log.", "on the hill."));
        Map<String, Object> summary = summary();
        RunReport.putExactMatch(rows, summary);

        String html = HtmlReport.render(summary, metrics(), rows, "/runs/42");

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<meta charset=\"utf-8\">");
        for (String external : List.of("<script", "<link", "src=", "url(", "@import", "<img", "<iframe")) {
            assertThat(html).as("no %s", external).doesNotContain(external);
        }
        assertThat(html.split("<svg", -1)).hasSize(4); // loss, learning rate, throughput
        assertThat(html).contains("data-series=\"train loss\"", "data-series=\"eval loss\"", "data-series=\"learning rate\"",
                "data-series=\"tokens/s\"");
        assertThat(html).contains("50.0% → 50.0%"); // exact match before → after
        assertThat(html).contains("2.0 KiB / 1.0 MiB", "ratio 0.195%", "512 / 262,144");
        assertThat(html).contains("3.5000 → 2.2500");
        assertThat(html).contains("the &lt;b&gt;cat&lt;/b&gt; sat").doesNotContain("<b>cat</b>");
        assertThat(html).contains("<th>train.learning_rate</th>", "hdfs://nn/models/&lt;tiny&gt;", "<th>training_rows</th>");
        assertThat(html.split("<span class=\"ok\">", -1)).hasSize(3);
        assertThat(html.split("<span class=\"no\">", -1)).hasSize(3);
    }

    @Test
    void withoutGenerationsOrFiguresTheReportStillRenders() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("status", "succeeded");
        String html = HtmlReport.render(summary, List.of(), List.of(), "/runs/empty");
        assertThat(html).contains("No generations", "no data").doesNotContain("<table class=\"generations\"");
    }
}
