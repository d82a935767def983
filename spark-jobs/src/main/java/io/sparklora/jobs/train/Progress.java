package io.sparklora.jobs.train;

import io.sparklora.core.train.RoundMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** The driver's console line per round: loss, learning rate, throughput and time left. */
final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private final long totalRounds;
    private final long startRound;
    private final long startNanos = System.nanoTime();
    private long tokens;

    Progress(long startRound, long totalRounds) {
        this.startRound = startRound;
        this.totalRounds = totalRounds;
    }

    /** Records a round; returns this run's tokens per second so far. */
    double round(RoundMetrics m) {
        tokens += m.tokens();
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long done = m.round() + 1 - startRound;
        double perRound = elapsed / Math.max(1, done);
        long left = (long) (perRound * (totalRounds - m.round() - 1));
        double tokensPerSecond = tokens / Math.max(1e-9, elapsed);
        LOG.info(String.format("round %d/%d  loss %.4f  lr %.2e  grad-norm %.3f  %.0f tok/s  ETA %s", m.round() + 1,
                totalRounds, m.loss(), m.learningRate(), m.gradNorm(), tokensPerSecond, format(Duration.ofSeconds(left))));
        return tokensPerSecond;
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static String format(Duration d) {
        return String.format("%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
