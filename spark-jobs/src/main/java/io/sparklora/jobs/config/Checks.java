package io.sparklora.jobs.config;

/** Value checks shared by the section records; each failure names the full key and the value it got. */
final class Checks {
    private Checks() {
    }

    static String required(String key, String value) {
        if (value == null || value.isBlank()) {
            throw JobConfigException.forKey(key, "is required");
        }
        return value;
    }

    static void positive(String key, long value) {
        if (value <= 0) {
            throw JobConfigException.forKey(key, "must be > 0, got " + value);
        }
    }

    static void nonNegative(String key, long value) {
        if (value < 0) {
            throw JobConfigException.forKey(key, "must be >= 0, got " + value);
        }
    }

    static void positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw JobConfigException.forKey(key, "must be > 0, got " + value);
        }
    }

    static void nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw JobConfigException.forKey(key, "must be >= 0, got " + value);
        }
    }

    /** value in [low, high) when {@code highOpen}, else in [low, high]. */
    static void inRange(String key, double value, double low, double high, boolean highOpen) {
        boolean ok = value >= low && (highOpen ? value < high : value <= high);
        if (!ok) {
            throw JobConfigException.forKey(key, "must be in [" + low + ", " + high + (highOpen ? ")" : "]")
                    + ", got " + value);
        }
    }

    static void notNull(String key, Object value) {
        if (value == null) {
            throw JobConfigException.forKey(key, "is required");
        }
    }

    /** Paths compare equal regardless of trailing slashes, so "out/" and "out" are the same directory. */
    static String normalizedPath(String path) {
        String p = path.strip();
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
