package io.sparklora.core.lora;

import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelLayout;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** A LoRA configuration resolved against one model: which modules get adapters and where they sit in θ. */
public record LoraPlan(LoraConfig config, List<LoraModule> modules, ParameterLayout layout) {

    public static LoraPlan of(LoraConfig config, ModelLayout model) {
        TargetModules targets = config.targets() != null ? config.targets()
                : TargetModules.defaultsFor(model.config().family());
        LoraConfig resolved = config.withTargets(targets);
        List<LoraModule> modules = targets.select(model).stream().map(m -> new LoraModule(m, config.r())).toList();
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        for (LoraModule m : modules) {
            shapes.put(m.aName(), m.aShape());
            shapes.put(m.bName(), m.bShape());
        }
        return new LoraPlan(resolved, modules, new ParameterLayout(shapes));
    }

    /** A plan adapting no module: an engine built with it computes exactly the model it was given. */
    public static LoraPlan none() {
        return new LoraPlan(LoraConfig.defaults(), List.of(), new ParameterLayout(new LinkedHashMap<>()));
    }

    public Optional<LoraModule> moduleFor(LinearModule base) {
        return modules.stream().filter(m -> m.base().path().equals(base.path())).findFirst();
    }

    /**
     * PEFT's default initialisation: A ~ Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)); B = 0,
     * so the adapted model starts exactly at the base.
     */
    public float[] initialParameters() {
        float[] theta = new float[layout.size()];
        SplittableRandom rng = new SplittableRandom(config.seed());
        for (LoraModule m : modules) {
            double bound = 1.0 / Math.sqrt(m.base().inFeatures());
            int off = layout.offset(m.aName());
            for (int i = 0, n = layout.length(m.aName()); i < n; i++) {
                theta[off + i] = (float) rng.nextDouble(-bound, bound);
            }
        }
        return theta;
    }
}
