package io.sparklora.jobs.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** summary.json (final status and figures, for schedulers) and metrics.jsonl (one line per round or evaluation). */
public final class RunSummary {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINES = new ObjectMapper();

    private RunSummary() {
    }

    public static void write(RunLayout layout, Map<String, Object> summary, Configuration conf) throws IOException {
        HadoopFiles.write(layout.summary(), JSON.writeValueAsBytes(summary), conf);
    }

    public static Optional<Map<String, Object>> read(RunLayout layout, Configuration conf) throws IOException {
        if (!HadoopFiles.exists(layout.summary(), conf)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(HadoopFiles.readBytes(layout.summary(), conf), new TypeReference<>() {
        }));
    }

    public static void writeMetrics(RunLayout layout, List<Map<String, Object>> lines, Configuration conf) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> line : lines) {
            sb.append(LINES.writeValueAsString(line)).append('\n');
        }
        HadoopFiles.writeString(layout.metrics(), sb.toString(), conf);
    }
}
