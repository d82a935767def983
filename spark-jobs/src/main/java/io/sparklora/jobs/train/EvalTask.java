package io.sparklora.jobs.train;

import io.sparklora.core.train.Evaluation;
import io.sparklora.core.train.RowEngine;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/** Validation loss of one shard's rows under θ, dropout off. */
final class EvalTask implements FlatMapFunction<Iterator<ShardBlock>, Evaluation.Result> {
    private final EngineKey key;
    private final Broadcast<float[]> theta;
    private final int batchRows;
    private final Broadcast<SerializableHadoopConf> conf;

    EvalTask(EngineKey key, Broadcast<float[]> theta, int batchRows, Broadcast<SerializableHadoopConf> conf) {
        this.key = key;
        this.theta = theta;
        this.batchRows = batchRows;
        this.conf = conf;
    }

    @SuppressWarnings("unchecked")
    private <R> Evaluation.Result evaluate(RowEngine<R> engine, ShardBlock<?> block) {
        engine.setTrainable(theta.value());
        return Evaluation.evaluate(engine, (List<R>) block.rows(), batchRows);
    }

    @Override
    public Iterator<Evaluation.Result> call(Iterator<ShardBlock> blocks) {
        Evaluation.Result total = new Evaluation.Result(0, 0);
        DeviceBinding.bindCurrentTask();
        while (blocks.hasNext()) {
            ShardBlock block = blocks.next();
            if (block.rows().isEmpty()) {
                continue;
            }
            total = total.plus(ExecutorModels.withRowEngine(key, conf.value().get(), engine -> evaluate(engine, block)));
        }
        return List.of(total).iterator();
    }
}
