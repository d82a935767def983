package io.sparklora.jobs.config;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Typed reads of one section's values; an absent or null value takes the default, a wrong type is an error. */
final class SectionReader {
    private final String section;
    private final Map<String, Object> values;
    private final Origins origins;

    SectionReader(String section, Map<String, Object> values, Origins origins) {
        this.section = section;
        this.values = values;
        this.origins = origins;
    }

    boolean has(String key) {
        return values.get(key) != null;
    }

    Object raw(String key) {
        return values.get(key);
    }

    String fullKey(String key) {
        return section + "." + key;
    }

    /** A wrong-value error for this key, e.g. {@code job.yaml: lora.r must be an integer, got "eight"}. */
    JobConfigException error(String key, String problem) {
        return origins.locate(JobConfigException.forKey(fullKey(key), problem));
    }

    String text(String key, String dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            return s;
        }
        throw error(key, "must be a string, got " + describe(v) + (isScalar(v) ? "; quote it: \"" + v + "\"" : ""));
    }

    long integer(String key, long dflt, long min, long max) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        long n;
        if (v instanceof Integer || v instanceof Long) {
            n = ((Number) v).longValue();
        } else if (v instanceof BigInteger) {
            throw error(key, "is out of range, got " + v);
        } else if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            n = d.longValue(); // 2e3 is written as a float in YAML but means the integer 2000
        } else {
            throw error(key, "must be an integer, got " + describe(v));
        }
        if (n < min || n > max) {
            throw error(key, "is out of range, got " + v);
        }
        return n;
    }

    int integer(String key, int dflt) {
        return (int) integer(key, dflt, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    long longInteger(String key, long dflt) {
        return integer(key, dflt, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    double number(String key, double dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw error(key, "must be a number, got " + describe(v));
    }

    boolean flag(String key, boolean dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw error(key, "must be true or false, got " + describe(v));
    }

    <E extends Enum<E>> E choice(String key, Class<E> type, E dflt) {
        Object v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            for (E e : type.getEnumConstants()) {
                if (ConfigNames.of(e).equals(s.strip().toLowerCase(Locale.ROOT))) {
                    return e;
                }
            }
        }
        throw error(key, "must be one of " + ConfigNames.allowed(type) + ", got " + describe(v));
    }

    static String describe(Object v) {
        if (v instanceof String s) {
            return "\"" + s + "\"";
        }
        if (v instanceof List<?> list) {
            return "a list " + list;
        }
        if (v instanceof Map<?, ?> map) {
            return "a mapping " + map;
        }
        return String.valueOf(v);
    }

    private static boolean isScalar(Object v) {
        return v instanceof Number || v instanceof Boolean;
    }
}
