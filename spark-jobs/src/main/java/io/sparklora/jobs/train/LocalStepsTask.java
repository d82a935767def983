package io.sparklora.jobs.train;

import io.sparklora.core.train.AdamW;
import io.sparklora.core.train.BatchPlan;
import io.sparklora.core.train.DriverStep;
import io.sparklora.core.train.OptimizerConfig;
import io.sparklora.core.train.RoundContribution;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/**
 * Periodic parameter averaging: the task takes {@code steps} AdamW steps on its own shard from the broadcast θ,
 * with optimizer moments that start fresh each period, and returns its local θ for the driver to average.
 */
final class LocalStepsTask implements FlatMapFunction<Iterator<ShardBlock>, LocalStepsTask.Result> {
    /** A worker's θ after its local steps, and the loss it saw on the way. */
    record Result(float[] theta, double lossSum, long tokens) implements java.io.Serializable {
    }

    private final EngineKey key;
    private final Broadcast<float[]> theta;
    private final BatchPlan plan;
    private final OptimizerConfig optimizer;
    private final long firstRound;
    private final int steps;
    private final long totalRounds;
    private final Broadcast<SerializableHadoopConf> conf;

    LocalStepsTask(EngineKey key, Broadcast<float[]> theta, BatchPlan plan, OptimizerConfig optimizer, long firstRound,
                   int steps, long totalRounds, Broadcast<SerializableHadoopConf> conf) {
        this.key = key;
        this.theta = theta;
        this.plan = plan;
        this.optimizer = optimizer;
        this.firstRound = firstRound;
        this.steps = steps;
        this.totalRounds = totalRounds;
        this.conf = conf;
    }

    @Override
    public Iterator<Result> call(Iterator<ShardBlock> blocks) {
        if (!blocks.hasNext()) {
            return List.<Result>of().iterator();
        }
        ShardBlock block = blocks.next();
        DeviceBinding.bindCurrentTask();
        float[] local = theta.value().clone();
        DriverStep stepper = new DriverStep(optimizer, totalRounds, new AdamW(optimizer, local.length));
        double lossSum = 0;
        long tokens = 0;
        for (long round = firstRound; round < Math.min(totalRounds, firstRound + steps); round++) {
            long r = round;
            RoundContribution c = ExecutorModels.withRowEngine(key, conf.value().get(),
                    engine -> RoundTask.step(engine, block, local, plan, r));
            lossSum += c.lossSum();
            tokens += c.tokens();
            stepper.apply(local, c, round);
        }
        return List.of(new Result(local, lossSum, tokens)).iterator();
    }
}
