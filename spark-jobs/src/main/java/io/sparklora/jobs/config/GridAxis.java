package io.sparklora.jobs.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One {@code --grid section.key=v1,v2,...} axis of a sweep. The key is any key {@code --set} accepts, checked the same
 * way; the values are split at the commas outside brackets, so {@code lora.target_modules=[q_proj],[q_proj,v_proj]}
 * is two lists. Each value is read as YAML and validated as a {@code --set} value would be, per combination.
 */
public record GridAxis(String key, List<String> values) {
    public static final String FLAG = "--grid";

    public GridAxis {
        values = List.copyOf(values);
    }

    public static GridAxis parse(String arg) {
        String origin = FLAG + " " + arg;
        int eq = arg.indexOf('=');
        if (eq < 0) {
            throw new JobConfigException(origin + ": expected section.key=v1,v2,..., e.g. " + FLAG + " lora.r=4,8,16");
        }
        String key = Overrides.checkedKey(arg.substring(0, eq).strip(), FLAG, origin);
        if (key.equals("output.path")) {
            throw new JobConfigException(origin + ": output.path cannot be a grid axis; the sweep writes each "
                    + "combination under output.path in a directory of its own");
        }
        List<String> values = split(arg.substring(eq + 1), origin);
        if (values.isEmpty()) {
            throw new JobConfigException(origin + ": the axis has no values; give them comma-separated, e.g. "
                    + FLAG + " " + key + "=v1,v2");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (String v : values) {
            if (v.isEmpty()) {
                throw new JobConfigException(origin + ": an empty value between commas; remove the extra comma");
            }
            if (!seen.add(v)) {
                throw new JobConfigException(origin + ": the value " + v + " appears twice; give each value once");
            }
        }
        return new GridAxis(key, values);
    }

    /** The values, split at top-level commas (not inside [...] or {...}), each stripped. */
    private static List<String> split(String text, String origin) {
        List<String> out = new ArrayList<>();
        if (text.isBlank()) {
            return out;
        }
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
                if (depth < 0) {
                    throw new JobConfigException(origin + ": a closing " + c + " without its opening bracket");
                }
            }
            if (c == ',' && depth == 0) {
                out.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (depth != 0) {
            throw new JobConfigException(origin + ": a bracket is not closed; write lists as [a,b]");
        }
        out.add(current.toString().strip());
        return out;
    }

    /** {@code section.key=value} for one of this axis's values, as {@link Overrides} reads it. */
    public String setting(String value) {
        return key + "=" + value;
    }

    /** The part of the key after the section: {@code r} for {@code lora.r}. */
    public String shortKey() {
        return key.substring(key.indexOf('.') + 1);
    }
}
