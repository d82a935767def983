package io.sparklora.jobs.train;

import io.sparklora.core.train.RoundMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The driver's console line for a round: loss, learning rate, throughput and time left. A run of up to 20 rounds
 * shows every round; a longer one about ten lines (the first round, each multiple of a 1-2-5 step, the
 * last) plus any round that ends a minute or more after the previous line, so a slow cluster still
 * shows it is alive. metrics.jsonl has every round.
 */
final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private final long totalRounds;
    private final long startRound;
    private final long startNanos = System.nanoTime();
    private long tokens;
    private double lastLineSeconds;
    static final int EVERY_ROUND_UP_TO = 20;
    static final double QUIET_SECONDS = 60;

    private final String label;

    Progress(long startRound, long totalRounds) {
        this(startRound, totalRounds, "");
    }

    /** {@code label} starts each line, e.g. a sweep's combination. */
    Progress(long startRound, long totalRounds, String label) {
        this.startRound = startRound;
        this.totalRounds = totalRounds;
        this.label = label.isEmpty() ? "" : label + ": ";
    }

    /** Records a round; returns this run's tokens per second so far. */
    double round(RoundMetrics m) {
        tokens += m.tokens();
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long done = m.round() + 1 - startRound;
        double perRound = elapsed / Math.max(1, done);
        long left = (long) (perRound * (totalRounds - m.round() - 1));
        double tokensPerSecond = tokens / Math.max(1e-9, elapsed);
        if (done > 1 && !shown(m.round() + 1, totalRounds, elapsed - lastLineSeconds)) { // a resumed run's first shows
            return tokensPerSecond;
        }
        lastLineSeconds = elapsed;
        LOG.info(label + String.format("round %d/%d  loss %.4f  lr %.2e  grad-norm %.3f  %.0f tok/s  ETA %s", m.round() + 1,
                totalRounds, m.loss(), m.learningRate(), m.gradNorm(), tokensPerSecond, format(Duration.ofSeconds(left))));
        return tokensPerSecond;
    }

    /** Whether round {@code round} (1-based) of {@code total} gets a console line. */
    static boolean shown(long round, long total, double secondsSinceLastLine) {
        if (total <= EVERY_ROUND_UP_TO || round == 1 || round == total || secondsSinceLastLine >= QUIET_SECONDS) {
            return true;
        }
        return round % step(total) == 0;
    }

    /** The smallest of 1, 2, 5, 10, 20, 50, ... that is at least total / 10. */
    static long step(long total) {
        long step = 1;
        while (true) {
            for (long m : new long[] {1, 2, 5}) {
                if (step * m * 10 >= total) {
                    return step * m;
                }
            }
            step *= 10;
        }
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static String format(Duration d) {
        return String.format("%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
