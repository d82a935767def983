package io.sparklora.jobs.sweep;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One point of a sweep's grid.
 *
 * @param name   its output directory under the sweep's output.path, from its grid values
 * @param values section.key to the value as given on the command line, in axis order
 */
public record Combination(String name, Map<String, String> values) {
    public Combination {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    /** The {@code section.key=value} overrides that make this combination out of the job file. */
    public List<String> settings() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** For messages: {@code lora.r=8 lora.target_modules=[q_proj,v_proj]}. */
    public String describe() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
