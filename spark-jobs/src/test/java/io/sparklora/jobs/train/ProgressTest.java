package io.sparklora.jobs.train;

import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Which rounds get a console line: all of a short run, about ten of a long one, and any after a quiet minute. */
class ProgressTest {
    private static long[] shown(long total) {
        return LongStream.rangeClosed(1, total).filter(r -> Progress.shown(r, total, 1.0)).toArray();
    }

    @Test
    void aShortRunShowsEveryRound() {
        assertThat(shown(20)).hasSize(20);
    }

    @Test
    void aLongRunShowsTheFirstEveryStepAndTheLast() {
        assertThat(shown(80)).containsExactly(1, 10, 20, 30, 40, 50, 60, 70, 80);
        assertThat(shown(2000)).hasSize(11).startsWith(1, 200).endsWith(2000);
        assertThat(shown(33)).containsExactly(1, 5, 10, 15, 20, 25, 30, 33);
        assertThat(Progress.step(21)).isEqualTo(5);
        assertThat(Progress.step(100)).isEqualTo(10);
        assertThat(Progress.step(101)).isEqualTo(20);
    }

    @Test
    void aRoundAfterAQuietMinuteIsShown() {
        assertThat(Progress.shown(7, 80, Progress.QUIET_SECONDS - 1)).isFalse();
        assertThat(Progress.shown(7, 80, Progress.QUIET_SECONDS)).isTrue();
    }
}
