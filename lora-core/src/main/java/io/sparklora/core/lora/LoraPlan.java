package io.sparklora.core.lora;

import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelLayout;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A LoRA configuration resolved against one model: which modules get adapters and where they sit in θ. For an
 * encoder θ also holds its classification head after the adapter pairs: trained fully, as PEFT's modules_to_save.
 */
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
        shapes.putAll(model.headShapes());
        return new LoraPlan(resolved, modules, new ParameterLayout(shapes));
    }

    /** The head tensors θ holds (an encoder's classifier), in θ's order; empty for a decoder. */
    public List<String> headNames() {
        java.util.Set<String> adapterNames = new java.util.HashSet<>();
        for (LoraModule m : modules) {
            adapterNames.add(m.aName());
            adapterNames.add(m.bName());
        }
        return layout.names().stream().filter(n -> !adapterNames.contains(n)).toList();
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
     * so the adapted model starts exactly at the base. An encoder's plan needs {@link #initialParameters(BaseModel)}.
     */
    public float[] initialParameters() {
        if (!headNames().isEmpty()) {
            throw new IllegalStateException("this plan trains a classification head: use initialParameters(base)");
        }
        return draw();
    }

    private float[] draw() {
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

    /**
     * As {@link #initialParameters()}; a classification head starts from the base checkpoint's when it holds one (as
     * PEFT's modules_to_save copies it), else is drawn as Hugging Face initialises a new one: weights ~ N(0, σ²)
     * with σ = initializer_range, biases 0.
     */
    public float[] initialParameters(io.sparklora.core.model.BaseModel base) {
        float[] theta = draw();
        if (headNames().isEmpty()) {
            return theta;
        }
        java.util.Map<String, float[]> head = new java.util.LinkedHashMap<>();
        if (base.hasHead()) {
            headNames().forEach(n -> head.put(n, io.sparklora.core.model.Arrays2.toFloats(base.weight(n))));
        } else {
            head.putAll(((io.sparklora.core.model.ClassifierLayout) base.layout()).initialHead(config.seed()));
        }
        for (String name : headNames()) {
            float[] v = head.get(name);
            System.arraycopy(v, 0, theta, layout.offset(name), v.length);
        }
        return theta;
    }
}
