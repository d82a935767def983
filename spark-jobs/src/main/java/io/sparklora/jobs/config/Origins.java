package io.sparklora.jobs.config;

import java.util.HashMap;
import java.util.Map;

/** Where each value came from (the file, or the {@code --set} that replaced it), so errors point at the right place. */
final class Origins {
    private final String source;
    private final Map<String, String> overridden = new HashMap<>();

    Origins(String source) {
        this.source = source;
    }

    String source() {
        return source;
    }

    void overridden(String fullKey, String origin) {
        overridden.put(fullKey, origin);
    }

    String of(String fullKey) {
        return fullKey == null ? source : overridden.getOrDefault(fullKey, source);
    }

    /** The problem, prefixed with the origin of the key it names. */
    JobConfigException locate(JobConfigException e) {
        return e.located() ? e : e.in(of(e.key()));
    }
}
