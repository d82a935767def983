package io.sparklora.jobs.train;

import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.RoundContribution;
import io.sparklora.core.train.RowEngine;
import io.sparklora.core.train.ShardStep;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/**
 * The executor side of a synchronous round: one task per shard, returning that shard's summed loss and gradient keyed
 * by the shard, for the driver to add in shard order.
 */
final class RoundTask implements FlatMapFunction<Iterator<ShardBlock>, ShardContribution> {
    private final EngineKey key;
    private final Broadcast<float[]> theta;
    private final BatchPlan plan;
    private final long round;
    private final Broadcast<SerializableHadoopConf> conf;
    private final FaultInjection faults;

    RoundTask(EngineKey key, Broadcast<float[]> theta, BatchPlan plan, long round, Broadcast<SerializableHadoopConf> conf,
              FaultInjection faults) {
        this.key = key;
        this.theta = theta;
        this.plan = plan;
        this.round = round;
        this.conf = conf;
        this.faults = faults;
    }

    /** One shard's round with any engine: its rows are the ones the engine reads (one type per job). */
    @SuppressWarnings("unchecked")
    static <R> RoundContribution step(RowEngine<R> engine, ShardBlock<?> block, float[] theta, BatchPlan plan, long round) {
        return ShardStep.compute(engine, theta, (List<R>) block.rows(), plan, round, block.shard());
    }

    @Override
    public Iterator<ShardContribution> call(Iterator<ShardBlock> blocks) {
        if (!blocks.hasNext()) {
            return List.<ShardContribution>of().iterator();
        }
        ShardBlock block = blocks.next();
        faults.beforeTask(round);
        DeviceBinding.bindCurrentTask();
        RoundContribution c = ExecutorModels.withRowEngine(key, conf.value().get(),
                engine -> step(engine, block, theta.value(), plan, round));
        return List.of(new ShardContribution(block.shard(), c)).iterator();
    }
}
