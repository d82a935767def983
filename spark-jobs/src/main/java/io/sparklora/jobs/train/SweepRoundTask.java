package io.sparklora.jobs.train;

import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.RoundContribution;
import io.sparklora.core.train.ShardStep;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/**
 * A sweep's synchronous round on one shard: every adapter's {@link ShardStep} on the same rows, one pass per adapter,
 * each with its own engine over the executor's one base model. Each adapter's part is exactly what {@link RoundTask}
 * returns for it in a run of its own.
 */
final class SweepRoundTask implements FlatMapFunction<Iterator<ShardBlock>, SweepRoundTask.Parts> {
    /** One shard's contributions, one per adapter in the order the task was given them. */
    record Parts(int shard, RoundContribution[] perAdapter) implements java.io.Serializable {
    }

    private final EngineKey[] keys;
    private final BatchPlan[] plans;
    private final Broadcast<float[][]> thetas;
    private final long round;
    private final Broadcast<SerializableHadoopConf> conf;
    private final FaultInjection faults;

    SweepRoundTask(EngineKey[] keys, BatchPlan[] plans, Broadcast<float[][]> thetas, long round,
                   Broadcast<SerializableHadoopConf> conf, FaultInjection faults) {
        this.keys = keys;
        this.plans = plans;
        this.thetas = thetas;
        this.round = round;
        this.conf = conf;
        this.faults = faults;
    }

    @Override
    public Iterator<Parts> call(Iterator<ShardBlock> blocks) {
        if (!blocks.hasNext()) {
            return List.<Parts>of().iterator();
        }
        ShardBlock block = blocks.next();
        faults.beforeTask(round);
        DeviceBinding.bindCurrentTask();
        float[][] theta = thetas.value();
        RoundContribution[] parts = new RoundContribution[keys.length];
        for (int i = 0; i < keys.length; i++) {
            int adapter = i;
            parts[i] = ExecutorModels.withEngine(keys[i], conf.value().get(), graph -> ShardStep.compute(graph,
                    theta[adapter], block.rows(), plans[adapter], round, block.shard()));
        }
        return List.of(new Parts(block.shard(), parts)).iterator();
    }
}
