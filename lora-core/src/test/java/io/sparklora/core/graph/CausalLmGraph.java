package io.sparklora.core.graph;

import io.sparklora.core.engine.StepOutput;

import io.sparklora.core.engine.TokenBatch;

import io.sparklora.core.engine.TrainingMode;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A causal language model as one SameDiff graph: frozen base weights as constants, the trainable parameters
 * (LoRA A/B, or every weight in full mode) as variables. Not thread-safe: one instance per thread.
 */
public final class CausalLmGraph {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
    }
    static final String LOGITS = "logits";
    static final String LOSS_SUM = "loss_sum";
    /** The name under which SameDiff keeps the gradient function it derives from the graph. */
    private static final String GRAD_FUNCTION = "grad";

    private final GraphContext g;
    private final ParameterLayout trainable;
    private final int vocab;

    private CausalLmGraph(GraphContext g, ParameterLayout trainable) {
        this.g = g;
        this.trainable = trainable;
        this.vocab = g.base.config().vocabSize();
    }

    public static CausalLmGraph build(BaseModel base, LoraPlan plan, GraphSpec spec) {
        if (spec.mode() == TrainingMode.LORA && plan == null) {
            throw new IllegalArgumentException("a LoRA graph needs a LoRA plan");
        }
        GraphContext g = new GraphContext(base, plan, spec);
        SDVariable ids = g.sd.placeHolder(GraphContext.INPUT_IDS, DataType.INT32, -1); // [N]
        SDVariable targetOneHot = g.sd.placeHolder(GraphContext.TARGET_ONE_HOT, spec.dtype(), -1,
                base.config().vocabSize()); // [N, V]
        SDVariable targetWeight = g.sd.placeHolder(GraphContext.TARGET_WEIGHT, spec.dtype(), -1); // [N]
        SDVariable hidden = switch (base.config().family()) {
            case GPT2 -> Gpt2Body.hidden(g, ids);
            case LLAMA -> LlamaBody.hidden(g, ids);
            case BERT, ROBERTA, DEBERTA_V2 -> throw new IllegalArgumentException("the graph builds decoders only");
        }; // [N, H]
        SDVariable head = g.param(base.layout().outputHeadName()); // [V, H]
        SDVariable logits = g.sd.mmul(LOGITS, hidden, head, false, true, false); // [N, V]
        SDVariable loss = TokenLoss.sum(g, LOSS_SUM, logits, targetOneHot, targetWeight);
        g.sd.setLossVariables(loss);
        ParameterLayout layout = spec.mode() == TrainingMode.FULL ? new ParameterLayout(base.layout().parameterShapes())
                : plan.layout();
        return new CausalLmGraph(g, layout);
    }

    public GraphSpec spec() {
        return g.spec;
    }

    public BaseModel base() {
        return g.base;
    }

    /** Observes the graph's op executions (profiling); replaces any listeners set before. */
    public void setListeners(Listener... listeners) {
        g.sd.setListeners(listeners);
    }

    public ParameterLayout trainableLayout() {
        return trainable;
    }

    /** Copies θ into the graph's variables. */
    public void setTrainable(float[] theta) {
        trainable.checkSize(theta);
        for (String name : trainable.names()) {
            INDArray value = trainable.array(theta, name);
            try {
                g.sd.getArrForVarName(name).assign(value);
            } finally {
                NativeArrays.close(value);
            }
        }
    }

    /** Sets the variables from named arrays (any float dtype; e.g. float64 for gradient checks). */
    public void setTrainable(Map<String, INDArray> values) {
        for (String name : trainable.names()) {
            INDArray v = values.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no value for trainable parameter " + name);
            }
            g.sd.getArrForVarName(name).assign(v);
        }
    }

    public Map<String, INDArray> trainableArrays() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : trainable.names()) {
            out.put(name, g.sd.getArrForVarName(name).dup());
        }
        return out;
    }

    public float[] trainableVector() {
        Map<String, INDArray> copies = trainableArrays();
        try {
            return trainable.flatten(copies);
        } finally {
            NativeArrays.close(copies.values());
        }
    }

    /** tokens: [rows·T] → logits [rows·T, V]. */
    public INDArray logits(int[] tokens) {
        int t = g.seqLen();
        if (tokens.length == 0 || tokens.length % t != 0) {
            throw new IllegalArgumentException("token count " + tokens.length + " is not a multiple of the sequence length " + t);
        }
        int[] noTargets = new int[tokens.length];
        java.util.Arrays.fill(noTargets, TokenBatch.IGNORE);
        TokenBatch batch = new TokenBatch(tokens.length / t, t, tokens, noTargets);
        StepArena arena = StepArena.of(g.sd);
        Map<String, INDArray> ph = placeholders(batch, null);
        try {
            return g.sd.output(ph, LOGITS).get(LOGITS).dup(); // a copy the caller owns; the arena frees the original
        } finally {
            arena.closeAll();
            NativeArrays.close(ph.values());
        }
    }

    /** Forward only: the summed loss (dropout off), for evaluation. */
    public double lossSum(TokenBatch batch) {
        StepArena arena = StepArena.of(g.sd);
        Map<String, INDArray> ph = placeholders(batch, null);
        try {
            return g.sd.output(ph, LOSS_SUM).get(LOSS_SUM).getDouble(0);
        } finally {
            arena.closeAll();
            NativeArrays.close(ph.values());
        }
    }

    /**
     * Forward and backward: loss sum and its gradient for the trainable parameters only.
     *
     * @param dropoutSeed seeds the LoRA dropout masks, so a recomputed step gives the same gradient
     */
    public StepOutput forwardBackward(TokenBatch batch, long dropoutSeed) {
        if (g.sd.getFunction(GRAD_FUNCTION) == null) {
            g.sd.createGradFunction(); // as calculateGradientsAndOutputs would, so its session can get the arena first
        }
        StepArena arena = StepArena.of(g.sd.getFunction(GRAD_FUNCTION));
        Map<String, INDArray> ph = placeholders(batch, dropoutSeed);
        try {
            OutAndGrad r = g.sd.calculateGradientsAndOutputs(ph, List.of(LOSS_SUM), trainable.names());
            Map<String, INDArray> grads = new LinkedHashMap<>();
            for (String name : trainable.names()) {
                INDArray grad = r.getGradients().get(name);
                // copies the caller owns (StepOutput.close frees them); the arena frees the originals
                grads.put(name, grad != null ? grad.dup() : Nd4j.zeros(g.spec.dtype(), trainable.shape(name)));
            }
            return new StepOutput(r.getOutputs().get(LOSS_SUM).getDouble(0), batch.lossTokens(), grads);
        } finally {
            arena.closeAll();
            NativeArrays.close(ph.values());
        }
    }

    private Map<String, INDArray> placeholders(TokenBatch batch, Long dropoutSeed) {
        if (batch.seqLen() != g.seqLen()) {
            throw new IllegalArgumentException("batch sequence length " + batch.seqLen() + " differs from the graph's " + g.seqLen());
        }
        int n = batch.tokens().length;
        double[] weight = new double[n];
        INDArray targetOneHot = Nd4j.zeros(g.spec.dtype(), n, vocab); // [N, V]
        for (int i = 0; i < n; i++) {
            checkToken(batch.tokens()[i], i, batch.seqLen(), "token id");
            int target = batch.targets()[i];
            if (target != TokenBatch.IGNORE) {
                checkToken(target, i, batch.seqLen(), "target id");
                targetOneHot.putScalar(i, target, 1.0);
                weight[i] = 1;
            }
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(GraphContext.INPUT_IDS, Nd4j.createFromArray(batch.tokens()));
        ph.put(GraphContext.TARGET_ONE_HOT, targetOneHot);
        ph.put(GraphContext.TARGET_WEIGHT, Nd4j.create(weight, new long[]{n}, g.spec.dtype()));
        if (g.spec.mode() == TrainingMode.FULL) {
            INDArray inputOneHot = Nd4j.zeros(g.spec.dtype(), n, vocab); // [N, V]
            for (int i = 0; i < n; i++) {
                inputOneHot.putScalar(i, batch.tokens()[i], 1.0);
            }
            ph.put(GraphContext.INPUT_ONE_HOT, inputOneHot);
        }
        int moduleIndex = 0;
        for (Map.Entry<String, SDVariable> e : g.dropoutMasks.entrySet()) {
            LoraModule module = g.plan.modules().stream().filter(m -> m.base().path().equals(e.getKey())).findFirst().orElseThrow();
            ph.put(e.getValue().name(), dropoutMask(n, module.base().inFeatures(), dropoutSeed, moduleIndex++));
        }
        return ph;
    }

    private void checkToken(int id, int flatPosition, int seqLen, String what) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException(what + " " + id + " at row " + flatPosition / seqLen + ", position "
                    + flatPosition % seqLen + " is outside the model's vocabulary of " + vocab
                    + "; the tokenizer does not match the model");
        }
    }

    /** Inverted-dropout mask [n, in]: 0 with probability p, else 1/(1-p); all ones when seed is null (eval). */
    private INDArray dropoutMask(int n, int in, Long seed, int moduleIndex) {
        if (seed == null) {
            return Nd4j.ones(g.spec.dtype(), n, in);
        }
        double p = g.plan.config().dropout();
        double keep = 1.0 / (1.0 - p);
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + moduleIndex);
        double[] mask = new double[n * in];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = rng.nextDouble() < p ? 0 : keep;
        }
        return Nd4j.create(mask, new long[]{n, in}, g.spec.dtype());
    }

    /** The base weights as the graph holds them, for checks that the frozen base never changes. */
    public INDArray baseArray(String name) {
        return g.sd.getArrForVarName(name);
    }
}
