package io.sparklora.jobs.train;

import io.sparklora.core.train.Evaluation;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

import java.util.Iterator;
import java.util.List;

/** Validation loss of one shard's rows under each of several adapters (dropout off), as {@link EvalTask} per adapter. */
final class SweepEvalTask implements FlatMapFunction<Iterator<ShardBlock>, Evaluation.Result[]> {
    private final EngineKey[] keys;
    private final int[] batchRows;
    private final Broadcast<float[][]> thetas;
    private final Broadcast<SerializableHadoopConf> conf;

    SweepEvalTask(EngineKey[] keys, int[] batchRows, Broadcast<float[][]> thetas, Broadcast<SerializableHadoopConf> conf) {
        this.keys = keys;
        this.batchRows = batchRows;
        this.thetas = thetas;
        this.conf = conf;
    }

    @Override
    public Iterator<Evaluation.Result[]> call(Iterator<ShardBlock> blocks) {
        Evaluation.Result[] totals = new Evaluation.Result[keys.length];
        java.util.Arrays.fill(totals, new Evaluation.Result(0, 0));
        DeviceBinding.bindCurrentTask();
        float[][] theta = thetas.value();
        while (blocks.hasNext()) {
            ShardBlock block = blocks.next();
            if (block.rows().isEmpty()) {
                continue;
            }
            for (int i = 0; i < keys.length; i++) {
                int adapter = i;
                totals[i] = totals[i].plus(ExecutorModels.withEngine(keys[i], conf.value().get(), graph -> {
                    graph.setTrainable(theta[adapter]);
                    return Evaluation.evaluate(graph, block.rows(), batchRows[adapter]);
                }));
            }
        }
        return List.<Evaluation.Result[]>of(totals).iterator();
    }
}
