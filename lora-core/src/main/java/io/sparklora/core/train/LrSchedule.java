package io.sparklora.core.train;

import java.util.Locale;

/** Learning-rate schedules as Hugging Face's get_*_schedule_with_warmup define them: a multiplier per optimizer step. */
public enum LrSchedule {
    CONSTANT, LINEAR, COSINE;

    public static LrSchedule parse(String name) {
        try {
            if (name == null) {
                throw new IllegalArgumentException("no schedule");
            }
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schedule \"" + name + "\" is unknown; use constant, linear or cosine");
        }
    }

    /**
     * The learning rate at 0-based optimizer step {@code step}: linear warmup from 0 over {@code warmup} steps, then
     * this schedule's decay to 0 at {@code total} steps.
     */
    public double rate(double peak, long step, long warmup, long total) {
        if (step < warmup) {
            return peak * step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return switch (this) {
            case CONSTANT -> peak;
            case LINEAR -> peak * Math.max(0.0, 1.0 - progress);
            case COSINE -> peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * Math.min(1.0, progress))));
        };
    }
}
