package io.sparklora.jobs.sweep;

import io.sparklora.jobs.config.GridAxis;
import io.sparklora.jobs.config.JobConfigException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The axes of a sweep and their combinations: the cartesian product, the first axis varying slowest. */
public record SweepGrid(List<GridAxis> axes) {
    public SweepGrid {
        axes = List.copyOf(axes);
        Set<String> keys = new HashSet<>();
        for (GridAxis axis : axes) {
            if (!keys.add(axis.key())) {
                throw new JobConfigException(GridAxis.FLAG + " " + axis.key() + " is given twice; put all its values "
                        + "in one axis, e.g. " + GridAxis.FLAG + " " + axis.key() + "=" + String.join(",", axis.values()));
            }
        }
        if (axes.isEmpty()) {
            throw new JobConfigException("sweep needs at least one " + GridAxis.FLAG + " section.key=v1,v2,..., e.g. "
                    + GridAxis.FLAG + " lora.r=4,8,16");
        }
    }

    public static SweepGrid parse(List<String> args) {
        return new SweepGrid(args.stream().map(GridAxis::parse).toList());
    }

    public List<Combination> combinations() {
        List<Combination> out = new ArrayList<>();
        int[] index = new int[axes.size()];
        Map<String, String> names = new HashMap<>();
        while (true) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int a = 0; a < axes.size(); a++) {
                values.put(axes.get(a).key(), axes.get(a).values().get(index[a]));
            }
            Combination c = new Combination(name(values), values);
            String clash = names.putIfAbsent(c.name(), c.describe());
            if (clash != null) {
                throw new JobConfigException("sweep combinations " + clash + " and " + c.describe() + " would share the "
                        + "output directory " + c.name() + "; write the values so that they differ in letters or digits");
            }
            out.add(c);
            int a = axes.size() - 1;
            while (a >= 0 && ++index[a] == axes.get(a).values().size()) {
                index[a--] = 0;
            }
            if (a < 0) {
                return out;
            }
        }
    }

    /**
     * The combination's directory name, stable across runs: {@code r-8__target_modules-q_proj+v_proj}, the full
     * key where two axes share the part after the section (lora.seed and train.seed).
     */
    private String name(Map<String, String> values) {
        List<String> parts = new ArrayList<>();
        for (GridAxis axis : axes) {
            boolean shared = axes.stream().filter(o -> o.shortKey().equals(axis.shortKey())).count() > 1;
            parts.add((shared ? axis.key() : axis.shortKey()) + "-" + token(values.get(axis.key())));
        }
        return String.join("__", parts);
    }

    /** A value as file-name characters: a list's items joined by +, anything but letters, digits, . - _ as _. */
    static String token(String value) {
        String v = value.strip();
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1).replaceAll("\\s*,\\s*", "+");
        }
        v = v.replaceAll("[^A-Za-z0-9._+-]", "_");
        return v.isEmpty() ? "_" : v;
    }
}
