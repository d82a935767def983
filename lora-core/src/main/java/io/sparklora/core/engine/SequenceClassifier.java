package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.ClassifierLayout;
import io.sparklora.core.model.DebertaLayout;
import io.sparklora.core.model.DebertaSettings;
import io.sparklora.core.model.EncoderConfig;
import io.sparklora.core.model.EncoderLayout;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A BERT, RoBERTa or DeBERTa-v2/v3 sequence classifier for training and scoring: embeddings, post-LN encoder blocks
 * (DeBERTa's with disentangled relative-position attention) and the classification head, each with its forward and
 * hand-written backward pass over arrays the engine owns.
 * <p>
 * LoRA mode trains the plan's A and B and the head (PEFT's modules_to_save); with no plan, the head alone (or nothing
 * that matters, for scoring a merged model). Full mode trains every weight and the head. The head starts from the
 * checkpoint's when it holds one, else as Hugging Face initialises a new one. Not thread-safe: one per thread.
 */
public final class SequenceClassifier implements AutoCloseable {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
    }

    private final BaseModel base;
    private final EngineSpec spec;
    private final EncoderConfig encoder;
    private final Params params;
    private final Buffers buf;
    private final Buffers constants;
    private final EncoderInput embeddings;
    private final List<EncoderLayer> blocks = new ArrayList<>();
    private final RelativePositions relative; // DeBERTa's; null for BERT and RoBERTa
    private final ClassifierHead head;

    private SequenceClassifier(BaseModel base, LoraPlan plan, EngineSpec spec) {
        Fused.available(); // the kernels' JIT warm-up (Fused.probe) runs before this engine's arrays exist
        this.base = base;
        this.spec = spec;
        ModelConfig c = base.config();
        this.encoder = c.encoderConfig();
        ClassifierLayout layout = (ClassifierLayout) base.layout();
        this.params = new Params(base, trainableLayout(layout, plan, spec.mode()), spec.dtype());
        this.buf = new Buffers(spec.dtype());
        this.constants = new Buffers(spec.dtype());
        if (!base.hasHead()) {
            long seed = plan != null ? plan.config().seed() : LoraConfig.DEFAULT_SEED;
            for (Map.Entry<String, float[]> e : layout.initialHead(seed).entrySet()) {
                INDArray v = Arrays2.fromFloats(e.getValue(), layout.headShapes().get(e.getKey()));
                params.value(e.getKey()).assign(v);
                NativeArrays.close(v);
            }
        }
        Map<String, Integer> loraIndex = new HashMap<>();
        boolean lora = spec.mode() == TrainingMode.LORA && plan != null;
        if (lora) {
            for (LoraModule m : plan.modules()) {
                loraIndex.put(m.base().path(), loraIndex.size());
            }
        }
        BiFunction<LinearModule, String, Linear> linear = (module, name) -> {
            LoraModule adapter = lora ? plan.moduleFor(module).orElse(null) : null;
            return adapter == null ? new Linear(module, name, params, null, -1, 0, 0)
                    : new Linear(module, name, params, adapter, loraIndex.get(module.path()), plan.config().scale(),
                    plan.config().dropout());
        };
        DebertaSettings deberta = encoder.deberta();
        if (layout instanceof DebertaLayout debertaLayout) {
            this.embeddings = new DebertaEmbeddings(debertaLayout, params);
            this.relative = new RelativePositions(debertaLayout, params);
            for (int i = 0; i < c.numLayers(); i++) {
                blocks.add(new DebertaBlock(c, i, params, linear, relative));
            }
        } else {
            this.embeddings = new EncoderEmbeddings((EncoderLayout) layout, params);
            this.relative = null;
            for (int i = 0; i < c.numLayers(); i++) {
                blocks.add(new EncoderBlock(c, i, params, linear, constants));
            }
        }
        List<LinearModule> headModules = layout.headModules();
        Linear first = c.family() == ModelFamily.BERT ? linear.apply(((EncoderLayout) layout).pooler().orElseThrow(), "pooler")
                : linear.apply(headModules.get(0), "classifier.dense");
        Linear last = linear.apply(headModules.get(headModules.size() - 1), "classifier.out");
        this.head = new ClassifierHead(first, last, deberta != null && deberta.poolerGelu());
    }

    /** LoRA: the plan's adapter pairs, then the head; full: every weight, then the head. */
    private static ParameterLayout trainableLayout(ClassifierLayout layout, LoraPlan plan, TrainingMode mode) {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        if (mode == TrainingMode.FULL) {
            shapes.putAll(layout.parameterShapes());
        } else if (plan != null) {
            for (String name : plan.layout().names()) {
                shapes.put(name, plan.layout().shape(name));
            }
        }
        layout.headShapes().forEach(shapes::putIfAbsent);
        return new ParameterLayout(shapes);
    }

    /**
     * @param plan the adapter (LoRA mode); null in full mode, or in LoRA mode to train or score the head alone
     */
    public static SequenceClassifier build(BaseModel base, LoraPlan plan, EngineSpec spec) {
        if (!base.config().family().isEncoder()) {
            throw new IllegalArgumentException(base.config().modelType() + " is a decoder: use CausalLm");
        }
        if (spec.mode() == TrainingMode.FULL && plan != null && !plan.modules().isEmpty()) {
            throw new IllegalArgumentException("full fine-tuning trains every weight: it takes no LoRA plan");
        }
        return new SequenceClassifier(base, plan, spec);
    }

    public EngineSpec spec() {
        return spec;
    }

    public BaseModel base() {
        return base;
    }

    public EncoderConfig encoder() {
        return encoder;
    }

    /** The trainable parameters in θ's order: LoRA's A/B pairs (or every weight), then the head. */
    public ParameterLayout trainableLayout() {
        return params.trainable();
    }

    /** Copies θ into the trainable arrays. */
    public void setTrainable(float[] theta) {
        params.setTrainable(theta);
    }

    /** Sets the trainable arrays from named arrays (any float dtype; e.g. float64 for gradient checks). */
    public void setTrainable(Map<String, INDArray> values) {
        params.setTrainable(values);
    }

    /** Copies of the trainable arrays, by name; the caller owns them. */
    public Map<String, INDArray> trainableArrays() {
        return params.trainableCopies();
    }

    public float[] trainableVector() {
        return params.trainableVector();
    }

    /**
     * The ids each token's position embedding is read at: 0 … T−1 (BERT, DeBERTa); counted from pad_token_id + 1
     * over the non-padding ids (RoBERTa).
     */
    int[] positionIds(SequenceBatch batch) {
        int t = batch.seqLen();
        int[] pos = new int[batch.tokens().length];
        int pad = encoder.padTokenId();
        for (int r = 0; r < batch.rows(); r++) {
            int count = 0;
            for (int i = 0; i < t; i++) {
                int k = r * t + i;
                if (base.config().family() != ModelFamily.ROBERTA) {
                    pos[k] = i;
                } else if (batch.tokens()[k] != pad) {
                    pos[k] = pad + ++count; // Hugging Face: cumsum(ids != pad) + pad over real tokens, pad for padding
                } else {
                    pos[k] = pad;
                }
            }
        }
        return pos;
    }

    private int[] checkBatch(SequenceBatch batch, boolean needLabels) {
        ModelConfig c = base.config();
        for (int i = 0; i < batch.tokens().length; i++) {
            int id = batch.tokens()[i];
            if (id < 0 || id >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " at row " + i / batch.seqLen() + ", position "
                        + i % batch.seqLen() + " is outside the model's vocabulary of " + c.vocabSize()
                        + "; the tokenizer does not match the model");
            }
            int type = batch.tokenTypes()[i];
            boolean typesIgnored = encoder.typeVocabSize() == 0; // DeBERTa without types ignores them, as transformers
            if (!typesIgnored && (type < 0 || type >= encoder.typeVocabSize())) {
                throw new IllegalArgumentException("token type " + type + " at row " + i / batch.seqLen() + ", position "
                        + i % batch.seqLen() + " is outside the model's " + encoder.typeVocabSize() + " token type(s)"
                        + (encoder.typeVocabSize() == 1 ? "; " + c.modelType() + " has no sentence-pair types: pass 0" : ""));
            }
        }
        int[] positions = positionIds(batch);
        boolean absolute = encoder.deberta() == null || encoder.deberta().positionBiasedInput();
        for (int i = 0; absolute && i < positions.length; i++) { // relative positions alone have no limit
            if (positions[i] >= c.maxPositions()) {
                throw new IllegalArgumentException("row " + i / batch.seqLen() + " needs position " + positions[i]
                        + " but the model has " + c.maxPositions() + " positions (max_position_embeddings); truncate the rows");
            }
        }
        if (needLabels) {
            checkLabels(batch);
        }
        return positions;
    }

    private void checkLabels(SequenceBatch batch) {
        int labels = encoder.numLabels();
        double[] y = batch.labels();
        if (y == null) {
            throw new IllegalArgumentException("a training or evaluation batch needs labels");
        }
        boolean single = encoder.problemType() == io.sparklora.core.model.ProblemType.SINGLE_LABEL;
        int expected = single ? batch.rows() : batch.rows() * labels;
        if (y.length != expected) {
            throw new IllegalArgumentException(encoder.problemType().hfName() + " needs " + expected + " label values for "
                    + batch.rows() + " rows, got " + y.length);
        }
        for (int i = 0; i < y.length; i++) {
            double v = y[i];
            boolean ok = switch (encoder.problemType()) {
                case SINGLE_LABEL -> v == Math.rint(v) && v >= 0 && v < labels;
                case MULTI_LABEL -> v == 0 || v == 1;
                case REGRESSION -> Double.isFinite(v);
            };
            if (!ok) {
                throw new IllegalArgumentException("label " + v + " of row " + (single ? i : i / labels) + " is not valid for "
                        + encoder.problemType().hfName() + " with " + labels + " labels");
            }
        }
    }

    /** The additive key mask [B, T]: 0 for a real token, {@link CausalAttention#MASKED} for padding. */
    private INDArray keyMask(SequenceBatch batch) {
        double[] m = new double[batch.attentionMask().length];
        for (int i = 0; i < m.length; i++) {
            m[i] = batch.attentionMask()[i] == 1 ? 0 : CausalAttention.MASKED;
        }
        INDArray out = buf.get("attn.keymask", batch.rows(), batch.seqLen());
        INDArray host = Nd4j.createFromArray(m).reshape(batch.rows(), batch.seqLen());
        out.assign(host);
        NativeArrays.close(host);
        return out;
    }

    private String slot(int layer, boolean training) {
        if (!training) {
            return "forward-only";
        }
        return spec.activationCheckpointing() ? "recompute" : "L" + layer;
    }

    private INDArray layerInput(int l, long n, boolean training) {
        return buf.get(training ? "stream." + l : "stream.forward-only." + l % 2, n, base.config().hiddenSize());
    }

    /** Embeddings, blocks and head: the logits [B, L] in the engine's buffer. */
    private INDArray forwardLogits(SequenceBatch batch, int[] positions, Window window, Long dropoutSeed, boolean training) {
        long n = batch.tokens().length;
        INDArray x = layerInput(0, n, training);
        embeddings.forward(batch, positions, x, buf);
        if (relative != null) {
            relative.forward(batch.seqLen(), buf, training);
        }
        for (int l = 0; l < blocks.size(); l++) {
            INDArray out = layerInput(l + 1, n, training);
            blocks.get(l).forward(x, out, window, buf, slot(l, training), dropoutSeed);
            x = out;
        }
        INDArray logits = buf.get("head.logits", batch.rows(), encoder.numLabels());
        head.forward(x, batch.rows(), batch.seqLen(), logits, buf, dropoutSeed);
        return logits;
    }

    /** Forward only (dropout off): logits [B, L], a copy the caller owns. */
    public INDArray logits(SequenceBatch batch) {
        int[] positions = checkBatch(batch, false);
        return forwardLogits(batch, positions, Window.padded(batch.rows(), keyMask(batch)), null, false).dup();
    }

    /**
     * Forward only (dropout off): per row, the class probabilities (softmax; per-label sigmoid for multi-label) or,
     * for regression, the predicted values; [B][L].
     */
    public double[][] predictions(SequenceBatch batch) {
        INDArray logits = logits(batch);
        try {
            int labels = encoder.numLabels();
            double[] p = SequenceLoss.predictions(encoder.problemType(), logits.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .reshape(logits.length()).toDoubleVector(), labels);
            double[][] rows = new double[batch.rows()][];
            for (int r = 0; r < rows.length; r++) {
                rows[r] = java.util.Arrays.copyOfRange(p, r * labels, (r + 1) * labels);
            }
            return rows;
        } finally {
            NativeArrays.close(logits);
        }
    }

    /** Forward only (dropout off): the loss sum; divide by {@link #lossCount} for Hugging Face's mean loss. */
    public double lossSum(SequenceBatch batch) {
        int[] positions = checkBatch(batch, true);
        INDArray logits = forwardLogits(batch, positions, Window.padded(batch.rows(), keyMask(batch)), null, false);
        return SequenceLoss.apply(encoder.problemType(), toDoubles(logits), encoder.numLabels(), batch.labels(), null);
    }

    /** What the loss sum of this many rows is divided by: rows (cross-entropy) or rows · num_labels. */
    public long lossCount(int rows) {
        return SequenceLoss.count(encoder.problemType(), rows, encoder.numLabels());
    }

    private static double[] toDoubles(INDArray a) {
        return a.reshape(a.length()).toDoubleVector();
    }

    /**
     * Forward and backward: the loss sum, what it is divided by ({@link StepOutput#tokens()}), and its gradient
     * for the trainable parameters only.
     *
     * @param dropoutSeed seeds the LoRA dropout masks, so a recomputed step gives the same gradient
     */
    public StepOutput forwardBackward(SequenceBatch batch, long dropoutSeed) {
        int[] positions = checkBatch(batch, true);
        Long seed = spec.withDropout() ? dropoutSeed : null;
        params.zeroGradients();
        long n = batch.tokens().length;
        int h = base.config().hiddenSize();
        Window window = Window.padded(batch.rows(), keyMask(batch));
        INDArray logits = forwardLogits(batch, positions, window, seed, true);
        double[] dLogitValues = new double[(int) logits.length()];
        double loss = SequenceLoss.apply(encoder.problemType(), toDoubles(logits), encoder.numLabels(), batch.labels(),
                dLogitValues);
        INDArray dLogits = buf.get("grad.logits", batch.rows(), encoder.numLabels());
        INDArray host = Nd4j.createFromArray(dLogitValues).reshape(batch.rows(), encoder.numLabels());
        dLogits.assign(host);
        NativeArrays.close(host);

        INDArray dx = buf.get("grad.stream.a", n, h);
        head.backward(dLogits, dx, batch.rows(), batch.seqLen(), buf, seed != null);
        INDArray spare = buf.get("grad.stream.b", n, h);
        boolean embeddingsTrain = embeddings.trains();
        for (int l = blocks.size() - 1; l >= 0; l--) {
            INDArray x = layerInput(l, n, true);
            if (spec.activationCheckpointing()) {
                blocks.get(l).forward(x, buf.get("recompute.out", n, h), window, buf, slot(l, true), seed);
            }
            boolean inputGradNeeded = l > 0 || embeddingsTrain; // frozen embeddings need no gradient
            blocks.get(l).backward(x, dx, inputGradNeeded ? spare : null, batch.rows(), buf, slot(l, true), seed != null);
            INDArray t = dx;
            dx = spare;
            spare = t;
        }
        if (embeddingsTrain) {
            embeddings.backward(batch, positions, dx, buf);
        }
        if (relative != null && relative.trains()) {
            relative.backward(buf);
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String name : params.trainable().names()) {
            grads.put(name, params.gradient(name).dup()); // the caller's copy: the accumulators are reused
        }
        return new StepOutput(loss, lossCount(batch.rows()), grads);
    }

    /** Bytes of activations and scratch the engine holds. */
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
