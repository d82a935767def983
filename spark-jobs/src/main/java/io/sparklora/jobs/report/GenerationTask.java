package io.sparklora.jobs.report;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.infer.EngineNextTokenModel;
import io.sparklora.jobs.data.ExecutorTokenizers;
import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.train.DeviceBinding;
import io.sparklora.jobs.train.ExecutorModels;
import io.sparklora.jobs.train.EngineKey;
import org.apache.spark.api.java.function.Function;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs in one Spark task on an executor, where the base model is already loaded and the evaluation graph pooled:
 * greedy completions of each example under the initial θ (B = 0: exactly the base model) and under the trained θ.
 */
final class GenerationTask implements Function<Integer, List<GenerationRow>> {
    private final EngineKey key;
    private final String tokenizerUri;
    private final boolean addBos;
    private final List<ReportExample> examples;
    private final float[] initialTheta;
    private final float[] trainedTheta;
    private final SerializableHadoopConf conf;

    GenerationTask(EngineKey key, String tokenizerUri, boolean addBos, List<ReportExample> examples, float[] initialTheta,
                   float[] trainedTheta, SerializableHadoopConf conf) {
        this.key = key;
        this.tokenizerUri = tokenizerUri;
        this.addBos = addBos;
        this.examples = List.copyOf(examples);
        this.initialTheta = initialTheta;
        this.trainedTheta = trainedTheta;
        this.conf = conf;
    }

    @Override
    public List<GenerationRow> call(Integer ignored) {
        DeviceBinding.bindCurrentTask();
        Completions completions = new Completions(ExecutorTokenizers.get(tokenizerUri, conf.get()), addBos);
        return ExecutorModels.withEngine(key, conf.get(), graph -> {
            try (EngineNextTokenModel model = new EngineNextTokenModel(graph)) {
                return generations(graph, model, completions);
            }
        });
    }

    /** Each example completed by the base (initial adapter) and by the trained adapter. */
    private List<GenerationRow> generations(CausalLm lm, EngineNextTokenModel model, Completions completions) {
        List<Optional<String>> base = new ArrayList<>();
        lm.setTrainable(initialTheta);
        for (ReportExample ex : examples) {
            base.add(completions.complete(model, model.maxContext(), ex));
        }
        List<GenerationRow> rows = new ArrayList<>();
        lm.setTrainable(trainedTheta);
        for (int i = 0; i < examples.size(); i++) {
            ReportExample ex = examples.get(i);
            Optional<String> adapted = completions.complete(model, model.maxContext(), ex);
            if (base.get(i).isPresent() && adapted.isPresent()) {
                rows.add(new GenerationRow(ex.prompt(), ex.reference(), base.get(i).get(), adapted.get()));
            }
        }
        return rows;
    }
}
