package io.sparklora.core.engine;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine's parallel loop: every index once, on more than one thread, and nothing still running after it. */
class EngineThreadsTest {
    @Test
    void everyIndexRunsOnceAndAllHaveFinishedWhenItReturns() {
        int n = 200;
        AtomicIntegerArray runs = new AtomicIntegerArray(n);
        AtomicInteger finished = new AtomicInteger();
        java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 20; round++) {
            EngineThreads.forEach(n, i -> {
                threads.add(Thread.currentThread());
                busyWait(i % 7 == 0 ? 200_000 : 10_000); // uneven work: the helpers take what is left
                runs.incrementAndGet(i);
                finished.incrementAndGet();
            });
            // A helper still inside body() when forEach returned would show as a count that is short here.
            assertThat(finished.get()).isEqualTo((round + 1) * n);
        }
        for (int i = 0; i < n; i++) {
            assertThat(runs.get(i)).as("index %d", i).isEqualTo(20);
        }
        assertThat(threads).hasSizeLessThanOrEqualTo(EngineThreads.parallelism());
        if (EngineThreads.parallelism() > 1) {
            assertThat(threads).hasSizeGreaterThan(1);
        }
    }

    @Test
    void aFailureOnAnyThreadReachesTheCallerAfterTheOthersStop() {
        AtomicInteger running = new AtomicInteger();
        assertThatThrownBy(() -> EngineThreads.forEach(64, i -> {
            running.incrementAndGet();
            try {
                busyWait(50_000);
                if (i == 5) {
                    throw new IllegalArgumentException("unit 5");
                }
            } finally {
                running.decrementAndGet();
            }
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("unit 5");
        assertThat(running.get()).isZero();
        EngineThreads.forEach(3, i -> { }); // the helpers still serve later calls
    }

    private static void busyWait(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
