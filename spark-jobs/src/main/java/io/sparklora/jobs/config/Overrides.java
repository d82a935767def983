package io.sparklora.jobs.config;

import java.util.List;
import java.util.Map;

/**
 * {@code --set section.key=value} command-line overrides. The value is read as YAML, so {@code lora.r=16} is an
 * integer and {@code lora.target_modules=[q_proj,v_proj]} a list; an empty value ({@code data.validation_path=})
 * removes the file's value, restoring the default.
 */
final class Overrides {
    private Overrides() {
    }

    static void apply(Map<String, Map<String, Object>> tree, List<String> overrides, Origins origins) {
        apply(tree, overrides, "--set", origins);
    }

    /** Applies {@code key=value} overrides given with {@code flag} ({@code --set}, or a sweep's {@code --grid}). */
    static void apply(Map<String, Map<String, Object>> tree, List<String> overrides, String flag, Origins origins) {
        for (String override : overrides) {
            String origin = flag + " " + override;
            int eq = override.indexOf('=');
            if (eq < 0) {
                throw new JobConfigException(origin + ": expected section.key=value, e.g. " + flag + " lora.r=16");
            }
            String name = checkedKey(override.substring(0, eq).strip(), flag, origin);
            int dot = name.indexOf('.');
            tree.get(name.substring(0, dot)).put(name.substring(dot + 1), YamlText.value(override.substring(eq + 1), origin));
            origins.overridden(name, origin);
        }
    }

    /** {@code name} when it is a settable section.key, else the error (with suggestions) naming {@code origin}. */
    static String checkedKey(String name, String flag, String origin) {
        int dot = name.indexOf('.');
        if (dot < 0) {
            String hint = ConfigSchema.isSection(name)
                    ? "name one key of " + name + ", e.g. " + name + "." + ConfigSchema.KEYS.get(name).get(0)
                    : "expected section.key=value, e.g. " + flag + " lora.r=16";
            throw new JobConfigException(origin + ": " + hint);
        }
        String section = name.substring(0, dot);
        String key = name.substring(dot + 1);
        if (!ConfigSchema.isSection(section)) {
            throw new JobConfigException(ConfigSchema.unknownSection(section, origin));
        }
        if (!ConfigSchema.isKey(section, key)) {
            throw new JobConfigException(ConfigSchema.unknownKey(section, key, origin));
        }
        return name;
    }
}
