package io.sparklora.core.train;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.text.TrainingRow;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The single-JVM trainer, for any {@link RowEngine} (decoder or sequence classifier): the distributed round with
 * the workers as a loop. Rows are sharded round-robin as the
 * Spark job shards them, each shard runs {@link ShardStep}, the contributions are summed and {@link DriverStep}
 * updates θ, so its result equals the distributed run's to float-summation order.
 */
public final class LocalTrainer<R> {
    private final RowEngine<R> graph;
    private final BatchPlan batches;
    private final OptimizerConfig optimizer;

    public LocalTrainer(RowEngine<R> graph, BatchPlan batches, OptimizerConfig optimizer) {
        this.graph = graph;
        this.batches = batches;
        this.optimizer = optimizer;
    }

    /** The decoder trainer. */
    public static LocalTrainer<TrainingRow> of(CausalLm graph, BatchPlan batches, OptimizerConfig optimizer) {
        return new LocalTrainer<>(new DecoderRows(graph), batches, optimizer);
    }

    /** Trains θ (updated in place) for {@code rounds} rounds over {@code rows}; returns the per-round metrics. */
    public List<RoundMetrics> train(float[] theta, List<R> rows, long rounds, Consumer<RoundMetrics> listener) {
        List<List<R>> shards = shard(rows, batches.workers());
        DriverStep driver = new DriverStep(optimizer, rounds, new AdamW(optimizer, theta.length));
        List<RoundMetrics> history = new ArrayList<>();
        for (long round = 0; round < rounds; round++) {
            RoundContribution total = RoundContribution.zero(theta.length);
            for (int s = 0; s < shards.size(); s++) {
                total = total.plus(ShardStep.compute(graph, theta, shards.get(s), batches, round, s));
            }
            RoundMetrics m = driver.apply(theta, total, round);
            history.add(m);
            listener.accept(m);
        }
        graph.setTrainable(theta);
        return history;
    }

    /** Round-robin shards in row order: row i goes to shard i mod workers. */
    public static <T> List<List<T>> shard(List<T> rows, int workers) {
        List<List<T>> shards = new ArrayList<>();
        for (int s = 0; s < workers; s++) {
            shards.add(new ArrayList<>());
        }
        for (int i = 0; i < rows.size(); i++) {
            shards.get(ShardSampler.shardOf(i, workers)).add(rows.get(i));
        }
        return shards;
    }
}
