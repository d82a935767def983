package io.sparklora.jobs.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed file as section → key → value, checked against {@link ConfigSchema}. Unknown keys are collected and
 * reported together, so one run shows every typo.
 */
final class ConfigTree {
    private ConfigTree() {
    }

    static Map<String, Map<String, Object>> of(Object root, String source) {
        Map<String, Map<String, Object>> tree = new LinkedHashMap<>();
        ConfigSchema.KEYS.keySet().forEach(section -> tree.put(section, new LinkedHashMap<>()));
        if (root == null) {
            return tree;
        }
        if (!(root instanceof Map<?, ?> sections)) {
            throw new JobConfigException(source + " must be a mapping of sections (" + String.join(", ",
                    ConfigSchema.KEYS.keySet()) + "), got " + SectionReader.describe(root));
        }
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<?, ?> entry : sections.entrySet()) {
            String section = String.valueOf(entry.getKey());
            if (!ConfigSchema.isSection(section)) {
                unknown.add(ConfigSchema.unknownSection(section, source));
                continue;
            }
            Object body = entry.getValue();
            if (body == null) {
                continue; // "lora:" with nothing under it: all defaults
            }
            if (!(body instanceof Map<?, ?> keys)) {
                throw new JobConfigException(source + ": " + section + " must be a mapping of keys ("
                        + "\"" + section + ":\" followed by indented key: value lines), got "
                        + SectionReader.describe(body));
            }
            for (Map.Entry<?, ?> kv : keys.entrySet()) {
                String key = String.valueOf(kv.getKey());
                if (ConfigSchema.isKey(section, key)) {
                    tree.get(section).put(key, kv.getValue());
                } else {
                    unknown.add(ConfigSchema.unknownKey(section, key, source));
                }
            }
        }
        if (unknown.size() == 1) {
            throw new JobConfigException(unknown.get(0));
        }
        if (!unknown.isEmpty()) {
            throw new JobConfigException(unknown.size() + " unknown keys:\n  " + String.join("\n  ", unknown));
        }
        return tree;
    }
}
