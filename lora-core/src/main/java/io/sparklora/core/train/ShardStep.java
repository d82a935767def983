package io.sparklora.core.train;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.text.TrainingRow;

import java.util.ArrayList;
import java.util.List;

/**
 * One worker's part of a synchronous round: set θ, draw this round's rows from the shard, and sum loss and
 * gradient over micro-batches, for any {@link RowEngine}. The Spark executor task and the single-JVM trainer both call exactly this.
 */
public final class ShardStep {
    private ShardStep() {
    }

    public static RoundContribution compute(CausalLm graph, float[] theta, List<TrainingRow> shard,
                                            BatchPlan plan, long round, int shardIndex) {
        return compute(new DecoderRows(graph), theta, shard, plan, round, shardIndex);
    }

    public static <R> RoundContribution compute(RowEngine<R> graph, float[] theta, List<R> shard,
                                                BatchPlan plan, long round, int shardIndex) {
        graph.setTrainable(theta);
        int[] picked = ShardSampler.rowsForRound(plan.seed(), shardIndex, round, shard.size(), plan.rowsPerWorker());
        RoundContribution sum = RoundContribution.zero(graph.trainableLayout().size());
        for (int start = 0, micro = 0; start < picked.length; start += plan.microBatchRows(), micro++) {
            List<R> rows = new ArrayList<>();
            for (int i = start; i < Math.min(picked.length, start + plan.microBatchRows()); i++) {
                rows.add(shard.get(picked[i]));
            }
            try (StepOutput out = graph.forwardBackward(rows, Seeds.mix(plan.seed(), round, shardIndex, micro))) {
                sum = sum.plus(new RoundContribution(out.lossSum(), out.tokens(), out.flatGradient(graph.trainableLayout())));
            }
        }
        return sum;
    }
}
