package io.sparklora.core.engine;

import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The engine's own parallel loop, for work that ND4J and OpenBLAS would run on one thread: many small independent
 * units (causal attention's heads, each a series of small products and a softmax, {@link CausalBlocks}). As many threads as ND4J's ops use
 * ({@code OMP_NUM_THREADS}), the calling thread one of them. Each index runs whole on one thread, so a result does
 * not depend on the number of threads or on which thread ran it: distributed and single-JVM training stay equal
 * bit for bit on machines of any size.
 */
final class EngineThreads {
    private static final int PARALLELISM = ndThreads();
    private static final ExecutorService HELPERS = PARALLELISM > 1 ? Executors.newFixedThreadPool(PARALLELISM - 1,
            r -> {
                Thread t = new Thread(r, "sparklora-engine");
                t.setDaemon(true);
                return t;
            }) : null;

    private EngineThreads() {
    }

    private static int ndThreads() {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
        return Math.max(1, Nd4j.getEnvironment().maxThreads());
    }

    static int parallelism() {
        return PARALLELISM;
    }

    /**
     * body(i) for every i in [0, n), spread over the calling thread and the helpers, which take the next index
     * when they finish one. Returns when all have run and no helper touches the caller's arrays any more; the first
     * failure is rethrown. A helper that has not started when the caller runs out of indices is skipped rather than
     * waited for (several Spark tasks in one executor share the helpers).
     */
    static void forEach(int n, IntConsumer body) {
        int helpers = HELPERS == null ? 0 : Math.min(PARALLELISM - 1, n - 1);
        if (helpers <= 0) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable drain = () -> {
            try {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    body.accept(i);
                }
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
                next.set(n); // the others stop after their current index
            }
        };
        // A helper runs only if it claims its slot before the caller does; either way the latch counts it once.
        CountDownLatch finished = new CountDownLatch(helpers);
        AtomicBoolean[] claimed = new AtomicBoolean[helpers];
        for (int h = 0; h < helpers; h++) {
            AtomicBoolean mine = claimed[h] = new AtomicBoolean();
            HELPERS.execute(() -> {
                if (mine.compareAndSet(false, true)) {
                    try {
                        drain.run();
                    } finally {
                        finished.countDown();
                    }
                }
            });
        }
        drain.run();
        for (AtomicBoolean slot : claimed) {
            if (slot.compareAndSet(false, true)) {
                finished.countDown();
            }
        }
        boolean interrupted = false;
        while (true) { // a running helper still writes the caller's arrays: wait for it even when interrupted
            try {
                finished.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f != null) {
            throw (Error) f;
        }
    }
}
