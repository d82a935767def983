package io.sparklora.jobs.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enum constants as the job file spells them: lower case. */
final class ConfigNames {
    private ConfigNames() {
    }

    static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    static <E extends Enum<E>> String allowed(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(ConfigNames::of).collect(Collectors.joining(", "));
    }
}
