package io.sparklora.jobs.train;

import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.train.ClassificationEvaluation;
import io.sparklora.core.train.ClassifierRows;
import io.sparklora.jobs.data.ShardBlock;
import io.sparklora.jobs.io.SerializableHadoopConf;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A classifier's evaluation of one shard's validation rows under θ, dropout off: loss and each row's label and
 * prediction, keyed by the shard so the driver adds the parts in shard order and computes the metrics once.
 */
final class ClassifierEvalTask implements FlatMapFunction<Iterator<ShardBlock>, ClassifierEvalTask.Part> {
    record Part(int shard, ClassificationEvaluation evaluation) implements java.io.Serializable {
    }

    private final EngineKey key;
    private final Broadcast<float[]> theta;
    private final int batchRows;
    private final Broadcast<SerializableHadoopConf> conf;

    ClassifierEvalTask(EngineKey key, Broadcast<float[]> theta, int batchRows, Broadcast<SerializableHadoopConf> conf) {
        this.key = key;
        this.theta = theta;
        this.batchRows = batchRows;
        this.conf = conf;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterator<Part> call(Iterator<ShardBlock> blocks) {
        List<Part> out = new ArrayList<>();
        DeviceBinding.bindCurrentTask();
        while (blocks.hasNext()) {
            ShardBlock<ClassificationRow> block = blocks.next();
            if (block.rows().isEmpty()) {
                continue;
            }
            out.add(new Part(block.shard(), ExecutorModels.withClassifier(key, conf.value().get(), model -> {
                model.setTrainable(theta.value());
                return ClassificationEvaluation.of(new ClassifierRows(model), block.rows(), batchRows);
            })));
        }
        return out.iterator();
    }

    /** The parts added in shard order. */
    static ClassificationEvaluation total(List<Part> parts) {
        ClassificationEvaluation total = ClassificationEvaluation.empty();
        for (Part p : parts.stream().sorted(java.util.Comparator.comparingInt(Part::shard)).toList()) {
            total = total.plus(p.evaluation());
        }
        return total;
    }
}
