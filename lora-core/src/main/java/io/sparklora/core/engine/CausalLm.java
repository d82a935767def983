package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A causal language model for training and inference: embeddings, decoder blocks, the final norm and the
 * vocabulary head, each with its forward and hand-written backward pass over arrays the engine owns. The base
 * weights are frozen (LoRA mode: only A and B train) or all trainable (full mode). Not thread-safe: one instance
 * per thread.
 */
public final class CausalLm implements AutoCloseable {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
    }

    private final BaseModel base;
    private final EngineSpec spec;
    private final Params params;
    private final Buffers buf;
    private final Buffers constants;
    private final Embedding embedding;
    private final List<Block> blocks = new ArrayList<>();
    private final FinalNorm finalNorm;
    private final String head;
    private long version;

    private CausalLm(BaseModel base, LoraPlan plan, EngineSpec spec) {
        Fused.available(); // the kernels' JIT warm-up (Fused.probe) runs before this engine's arrays exist
        this.base = base;
        this.spec = spec;
        ModelConfig c = base.config();
        ParameterLayout layout = spec.mode() == TrainingMode.FULL ? new ParameterLayout(base.layout().parameterShapes())
                : plan.layout();
        this.params = new Params(base, layout, spec.dtype());
        this.buf = new Buffers(spec.dtype());
        this.constants = new Buffers(spec.dtype());
        Map<String, Integer> loraIndex = new HashMap<>();
        if (spec.mode() == TrainingMode.LORA) {
            for (LoraModule m : plan.modules()) {
                loraIndex.put(m.base().path(), loraIndex.size());
            }
        }
        java.util.function.BiFunction<LinearModule, String, Linear> linear = (module, name) -> {
            LoraModule lora = spec.mode() == TrainingMode.LORA ? plan.moduleFor(module).orElse(null) : null;
            return lora == null ? new Linear(module, name, params, null, -1, 0, 0)
                    : new Linear(module, name, params, lora, loraIndex.get(module.path()), plan.config().scale(),
                    plan.config().dropout());
        };
        switch (c.family()) {
            case GPT2 -> {
                embedding = new Embedding(params, "transformer.wte.weight", "transformer.wpe.weight");
                for (int i = 0; i < c.numLayers(); i++) {
                    blocks.add(new Gpt2Block(c, i, params, linear, constants));
                }
                finalNorm = new FinalNorm(new LayerNorm("transformer.ln_f", "ln_f", params, c.normEps()), null);
            }
            case LLAMA -> {
                embedding = new Embedding(params, "model.embed_tokens.weight", null);
                Rotary rotary = new Rotary(c.headDim(), c.ropeTheta(), c.ropeScaling(), constants);
                for (int i = 0; i < c.numLayers(); i++) {
                    blocks.add(new LlamaBlock(c, i, params, linear, rotary, constants));
                }
                finalNorm = new FinalNorm(null, new RmsNorm("model.norm.weight", "norm", params, c.normEps()));
            }
            default -> throw new IllegalStateException(c.family().toString());
        }
        this.head = base.layout().outputHeadName();
    }

    /** How this JVM's engines run their element-wise passes: fused Vector API kernels or ND4J operations. */
    public static String elementwisePath() {
        return Fused.describe();
    }

    /** Whether float32 engines in this JVM run the fused kernels (which need fewer scratch arrays). */
    public static boolean fusedKernels() {
        return Fused.available();
    }

    public static CausalLm build(BaseModel base, LoraPlan plan, EngineSpec spec) {
        if (base.config().family().isEncoder()) {
            throw new IllegalArgumentException(base.config().modelType() + " is an encoder: use SequenceClassifier");
        }
        if (spec.mode() == TrainingMode.LORA && plan == null) {
            throw new IllegalArgumentException("a LoRA engine needs a LoRA plan");
        }
        return new CausalLm(base, plan, spec);
    }

    /** GPT-2's LayerNorm or LLaMA's RMSNorm after the last block. */
    private record FinalNorm(LayerNorm layerNorm, RmsNorm rmsNorm) {
        void forward(INDArray x, INDArray y, Buffers buf) {
            if (layerNorm != null) {
                layerNorm.forward(x, y, buf, "final");
            } else {
                rmsNorm.forward(x, y, buf, "final");
            }
        }

        void backwardAdd(INDArray dy, INDArray dx, Buffers buf) {
            if (layerNorm != null) {
                layerNorm.backwardAdd(dy, dx, buf, "final");
            } else {
                rmsNorm.backwardAdd(dy, dx, buf, "final");
            }
        }
    }

    public EngineSpec spec() {
        return spec;
    }

    public BaseModel base() {
        return base;
    }

    public ParameterLayout trainableLayout() {
        return params.trainable();
    }

    /** Changes whenever the trainable values do: a key/value cache is valid only for the version that filled it. */
    public long version() {
        return version;
    }

    /** Copies θ into the trainable arrays. */
    public void setTrainable(float[] theta) {
        version++;
        params.setTrainable(theta);
    }

    /** Sets the trainable arrays from named arrays (any float dtype; e.g. float64 for gradient checks). */
    public void setTrainable(Map<String, INDArray> values) {
        version++;
        params.setTrainable(values);
    }

    /** Copies of the trainable arrays, by name; the caller owns them. */
    public Map<String, INDArray> trainableArrays() {
        return params.trainableCopies();
    }

    public float[] trainableVector() {
        return params.trainableVector();
    }

    /** The base weight as the engine computes with it, for checks that the frozen base never changes. */
    public INDArray baseArray(String name) {
        return params.value(name);
    }

    private void checkBatch(TokenBatch batch) {
        int vocab = base.config().vocabSize();
        for (int i = 0; i < batch.tokens().length; i++) {
            checkToken(batch.tokens()[i], i, batch.seqLen(), "token id", vocab);
            int target = batch.targets()[i];
            if (target != TokenBatch.IGNORE) {
                checkToken(target, i, batch.seqLen(), "target id", vocab);
            }
        }
        if (batch.seqLen() > base.config().maxPositions() && base.config().family() == io.sparklora.core.model.ModelFamily.GPT2) {
            throw new IllegalArgumentException("rows of " + batch.seqLen() + " tokens exceed the model's "
                    + base.config().maxPositions() + " positions");
        }
    }

    private static void checkToken(int id, int flatPosition, int seqLen, String what, int vocab) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException(what + " " + id + " at row " + flatPosition / seqLen + ", position "
                    + flatPosition % seqLen + " is outside the model's vocabulary of " + vocab
                    + "; the tokenizer does not match the model");
        }
    }

    /** Where layer l keeps what its backward pass needs; one shared slot when nothing is kept for long. */
    private String slot(int layer, boolean training) {
        if (!training) {
            return "forward-only";
        }
        return spec.activationCheckpointing() ? "recompute" : "L" + layer;
    }

    /**
     * The residual stream entering layer l (l = layers: leaving the last one): kept for the backward pass when
     * training; a forward-only pass alternates between two arrays.
     */
    private INDArray layerInput(int l, long n, boolean training) {
        return buf.get(training ? "stream." + l : "stream.forward-only." + l % 2, n, base.config().hiddenSize());
    }

    /** Embeddings and every block; returns the final normed hidden states [N, H]. */
    private INDArray forwardHidden(TokenBatch batch, Long dropoutSeed, boolean training) {
        long n = batch.tokens().length;
        int h = base.config().hiddenSize();
        INDArray x = layerInput(0, n, training);
        embedding.forward(batch.tokens(), batch.rows(), 0, x);
        Window window = Window.batch(batch.rows());
        for (int l = 0; l < blocks.size(); l++) {
            INDArray out = layerInput(l + 1, n, training);
            blocks.get(l).forward(x, out, window, buf, slot(l, training), dropoutSeed);
            x = out;
        }
        INDArray normed = buf.get("final.out", n, h);
        finalNorm.forward(x, normed, buf);
        return normed;
    }

    /** Forward only: the summed loss (dropout off), for evaluation. */
    public double lossSum(TokenBatch batch) {
        checkBatch(batch);
        INDArray hidden = forwardHidden(batch, null, false);
        return TokenLoss.apply(hidden, params.value(head), batch.targets(), null, null, buf);
    }

    /**
     * Forward only: each row's summed loss (dropout off), for scoring rows one by one in batches. Row r's sum equals
     * {@link #lossSum} of a batch holding row r alone wherever the hidden states do (the positions are added in the
     * same order, from zero).
     */
    public double[] rowLossSums(TokenBatch batch) {
        checkBatch(batch);
        INDArray hidden = forwardHidden(batch, null, false);
        double[] sums = new double[batch.rows()];
        TokenLoss.rowSums(hidden, params.value(head), batch.targets(), batch.seqLen(), sums, buf);
        return sums;
    }

    /** tokens: [rows·T] with T the spec's length → logits [rows·T, V], a copy the caller owns. */
    public INDArray logits(int[] tokens) {
        int t = spec.seqLen();
        if (tokens.length == 0 || tokens.length % t != 0) {
            throw new IllegalArgumentException("token count " + tokens.length + " is not a multiple of the sequence length " + t);
        }
        int[] noTargets = new int[tokens.length];
        java.util.Arrays.fill(noTargets, TokenBatch.IGNORE);
        TokenBatch batch = new TokenBatch(tokens.length / t, t, tokens, noTargets);
        checkBatch(batch);
        INDArray hidden = forwardHidden(batch, null, false);
        INDArray logits = org.nd4j.linalg.factory.Nd4j.createUninitializedDetached(spec.dtype(), tokens.length,
                base.config().vocabSize());
        Ops.gemm(hidden, params.value(head), logits, false, true, 1.0, 0.0);
        return logits;
    }

    /**
     * Forward and backward: the loss sum and its gradient for the trainable parameters only.
     *
     * @param dropoutSeed seeds the LoRA dropout masks, so a recomputed step gives the same gradient
     */
    public StepOutput forwardBackward(TokenBatch batch, long dropoutSeed) {
        checkBatch(batch);
        Long seed = spec.withDropout() ? dropoutSeed : null;
        params.zeroGradients();
        long n = batch.tokens().length;
        int h = base.config().hiddenSize();
        boolean embeddingsTrain = params.gradient(base.layout().embeddingName()) != null;
        INDArray hidden = forwardHidden(batch, seed, true);
        INDArray dHidden = buf.get("grad.final", n, h);
        double loss = TokenLoss.apply(hidden, params.value(head), batch.targets(), dHidden, params.gradient(head), buf);

        INDArray dx = buf.get("grad.stream.a", n, h);
        dx.assign(0);
        finalNorm.backwardAdd(dHidden, dx, buf);
        INDArray spare = buf.get("grad.stream.b", n, h);
        for (int l = blocks.size() - 1; l >= 0; l--) {
            INDArray x = layerInput(l, n, true);
            if (spec.activationCheckpointing()) {
                blocks.get(l).forward(x, buf.get("recompute.out", n, h), Window.batch(batch.rows()), buf, slot(l, true), seed);
            }
            // the first layer's input gradient feeds only the embeddings: skip it when they are frozen
            boolean inputGradNeeded = l > 0 || embeddingsTrain;
            blocks.get(l).backward(x, dx, inputGradNeeded ? spare : null, batch.rows(), buf, slot(l, true), seed != null);
            INDArray t = dx;
            dx = spare;
            spare = t;
        }
        if (embeddingsTrain) {
            embedding.backward(batch.tokens(), batch.rows(), dx, buf);
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String name : params.trainable().names()) {
            grads.put(name, params.gradient(name).dup()); // the caller's copy: the accumulators are reused
        }
        return new StepOutput(loss, batch.lossTokens(), grads);
    }

    /** An empty key/value cache for generating one sequence of at most {@code capacity} positions. */
    public KvCache newCache(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("cache capacity must be > 0, got " + capacity);
        }
        if (base.config().family() == io.sparklora.core.model.ModelFamily.GPT2 && capacity > base.config().maxPositions()) {
            throw new IllegalArgumentException("a cache of " + capacity + " positions exceeds the model's "
                    + base.config().maxPositions() + " positions");
        }
        return new KvCache(base.config(), capacity, spec.dtype(), version);
    }

    /**
     * Runs {@code tokens} at the cache's next positions, attending to everything cached before them, and appends
     * their keys and values: the logits [V] that follow the last of them. Dropout off. The arrays of the call are
     * freed when it returns, so a long generation holds only the cache.
     */
    public float[] extend(KvCache cache, int[] tokens) {
        if (cache.version() != version) {
            throw new IllegalStateException("the cache was filled with other trainable values; start a new one");
        }
        if (tokens.length == 0 || cache.length() + tokens.length > cache.capacity()) {
            throw new IllegalArgumentException(tokens.length + " tokens after " + cache.length() + " cached do not fit a cache of "
                    + cache.capacity() + " positions");
        }
        checkBatch(new TokenBatch(1, tokens.length, tokens, new int[tokens.length]));
        int h = base.config().hiddenSize();
        int m = tokens.length;
        try (Buffers call = new Buffers(spec.dtype())) {
            INDArray x = call.get("gen.stream.a", m, h);
            INDArray out = call.get("gen.stream.b", m, h);
            embedding.forward(tokens, 1, cache.length(), x);
            for (int l = 0; l < blocks.size(); l++) {
                blocks.get(l).forward(x, out, new Window(1, cache.length(), cache, l), call, "gen", null);
                INDArray t = x;
                x = out;
                out = t;
            }
            INDArray last = call.get("gen.last", 1, h);
            last.assign(x.getRow(m - 1).reshape(1, h));
            INDArray normed = call.get("gen.normed", 1, h);
            finalNorm.forward(last, normed, call);
            INDArray logits = call.get("gen.logits", 1, base.config().vocabSize());
            Ops.gemm(normed, params.value(head), logits, false, true, 1.0, 0.0); // [1, H]·[H, V]
            cache.advance(m);
            return io.sparklora.core.model.Arrays2.toFloats(logits);
        }
    }

    /** Bytes of activations and scratch the engine holds (after a step: its working set beyond the weights). */
    public long workingSetBytes() {
        return buf.bytes() + constants.bytes();
    }

    @Override
    public void close() {
        buf.close();
        constants.close();
        params.close();
    }
}
