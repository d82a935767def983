package io.sparklora.core.engine;

import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.EncoderLayout;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A BERT encoder with its masked-language-model head, for pretraining from scratch (BertForMaskedLM): embeddings,
 * post-LN encoder blocks and {@link MlmHead}, every weight trained (full mode) except the pooler, which masked
 * language modelling does not use. The loss is the summed cross-entropy of the original tokens at the masked
 * positions, divided by their count as Hugging Face's mean is. Not thread-safe: one per thread.
 */
public final class MaskedLm implements AutoCloseable {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
    }

    private final BaseModel base;
    private final EngineSpec spec;
    private final Params params;
    private final Buffers buf;
    private final Buffers constants;
    private final EncoderEmbeddings embeddings;
    private final List<EncoderBlock> blocks = new ArrayList<>();
    private final MlmHead head;

    private MaskedLm(BaseModel base, EngineSpec spec, long headSeed) {
        Fused.available(); // the kernels' JIT warm-up (Fused.probe) runs before this engine's arrays exist
        this.base = base;
        this.spec = spec;
        ModelConfig c = base.config();
        EncoderLayout layout = (EncoderLayout) base.layout();
        LinkedHashMap<String, long[]> trainable = new LinkedHashMap<>(layout.parameterShapes());
        layout.pooler().ifPresent(p -> {
            trainable.remove(p.weightName());
            trainable.remove(p.biasName());
        });
        LinkedHashMap<String, long[]> headShapes = MlmHead.shapes(c);
        trainable.putAll(headShapes);
        this.params = new Params(base, new ParameterLayout(trainable), spec.dtype());
        if (!headShapes.keySet().stream().allMatch(base.weights()::containsKey)) {
            for (Map.Entry<String, float[]> e : initialHead(c, headSeed).entrySet()) {
                INDArray v = Arrays2.fromFloats(e.getValue(), headShapes.get(e.getKey()));
                params.value(e.getKey()).assign(v);
                NativeArrays.close(v);
            }
        }
        this.buf = new Buffers(spec.dtype());
        this.constants = new Buffers(spec.dtype());
        this.embeddings = new EncoderEmbeddings(layout, params);
        for (int i = 0; i < c.numLayers(); i++) {
            blocks.add(new EncoderBlock(c, i, params, (module, name) -> new Linear(module, name, params, null, -1, 0, 0),
                    constants));
        }
        this.head = new MlmHead(c, params, layout.wordEmbeddings());
    }

    /**
     * @param base     a BERT encoder; its {@code cls.predictions.*} tensors, when it holds them all, start the head
     * @param headSeed otherwise the head starts as Hugging Face initialises one: dense ~ N(0, initializer_range²),
     *                 LayerNorm weight 1, biases 0
     */
    public static MaskedLm build(BaseModel base, EngineSpec spec, long headSeed) {
        if (base.config().family() != ModelFamily.BERT) {
            throw new IllegalArgumentException("masked language modelling is implemented for bert, not "
                    + base.config().modelType());
        }
        if (spec.mode() != TrainingMode.FULL) {
            throw new IllegalArgumentException("masked-language pretraining trains every weight: use TrainingMode.FULL");
        }
        return new MaskedLm(base, spec, headSeed);
    }

    /** The head's tensors by Hugging Face name and shape (the decoder's weight is the word embeddings). */
    public static LinkedHashMap<String, long[]> headShapes(ModelConfig config) {
        return MlmHead.shapes(config);
    }

    /** A new head as Hugging Face initialises BertLMPredictionHead; a pure function of the seed. */
    public static LinkedHashMap<String, float[]> initialHead(ModelConfig config, long seed) {
        Random rng = new Random(seed);
        double std = config.encoderConfig().initializerRange();
        LinkedHashMap<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : MlmHead.shapes(config).entrySet()) {
            float[] v = new float[(int) java.util.Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact)];
            if (e.getKey().equals(MlmHead.DENSE + ".weight")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (std * rng.nextGaussian());
                }
            } else if (e.getKey().equals(MlmHead.NORM + ".weight")) {
                java.util.Arrays.fill(v, 1f);
            }
            values.put(e.getKey(), v);
        }
        return values;
    }

    public EngineSpec spec() {
        return spec;
    }

    public BaseModel base() {
        return base;
    }

    /** Every encoder weight but the pooler, then the head, in θ's order. */
    public ParameterLayout trainableLayout() {
        return params.trainable();
    }

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

    /** The masked positions (indices into the batch's rows·T tokens) and their targets. */
    private record Masked(int[] positions, int[] targets) {
    }

    private Masked check(SequenceBatch batch, int[] targets) {
        ModelConfig c = base.config();
        if (targets == null || targets.length != batch.tokens().length) {
            throw new IllegalArgumentException("targets must hold rows·seqLen = " + batch.tokens().length + " values");
        }
        if (batch.seqLen() > c.maxPositions()) {
            throw new IllegalArgumentException("rows of " + batch.seqLen() + " tokens exceed the model's "
                    + c.maxPositions() + " positions (max_position_embeddings)");
        }
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            for (int id : new int[] {batch.tokens()[i], targets[i]}) {
                if (id != TokenBatch.IGNORE && (id < 0 || id >= c.vocabSize())) {
                    throw new IllegalArgumentException("token id " + id + " at row " + i / batch.seqLen() + ", position "
                            + i % batch.seqLen() + " is outside the model's vocabulary of " + c.vocabSize());
                }
            }
            if (targets[i] != TokenBatch.IGNORE) {
                positions.add(i);
            }
        }
        if (positions.isEmpty()) {
            throw new IllegalArgumentException("a masked-language batch needs at least one masked position");
        }
        int[] p = positions.stream().mapToInt(Integer::intValue).toArray();
        int[] t = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            t[i] = targets[p[i]];
        }
        return new Masked(p, t);
    }

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

    private static int[] positionIds(SequenceBatch batch) {
        int[] pos = new int[batch.tokens().length];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % batch.seqLen();
        }
        return pos;
    }

    /** The last layer's output [N, H]; every layer's input is kept for the backward pass. */
    private INDArray encode(SequenceBatch batch, int[] positions, Window window) {
        long n = batch.tokens().length;
        INDArray x = buf.get("stream.0", n, base.config().hiddenSize());
        embeddings.forward(batch, positions, x, buf);
        for (int l = 0; l < blocks.size(); l++) {
            INDArray out = buf.get("stream." + (l + 1), n, base.config().hiddenSize());
            blocks.get(l).forward(x, out, window, buf, "L" + l, null);
            x = out;
        }
        return x;
    }

    /**
     * The summed cross-entropy at the masked positions, forward only.
     *
     * @param targets per token [rows·T]: the original id at a masked position, else {@link TokenBatch#IGNORE}
     */
    public double lossSum(SequenceBatch batch, int[] targets) {
        Masked masked = check(batch, targets);
        INDArray hidden = encode(batch, positionIds(batch), Window.padded(batch.rows(), keyMask(batch)));
        return head.apply(hidden, masked.positions(), masked.targets(), null, buf);
    }

    /** Forward and backward: the loss sum, the masked positions it sums over, and the gradient of every trainable tensor. */
    public StepOutput forwardBackward(SequenceBatch batch, int[] targets) {
        Masked masked = check(batch, targets);
        params.zeroGradients();
        int[] positions = positionIds(batch);
        Window window = Window.padded(batch.rows(), keyMask(batch));
        INDArray hidden = encode(batch, positions, window);
        long n = batch.tokens().length;
        int h = base.config().hiddenSize();
        INDArray dx = buf.get("grad.stream.a", n, h);
        double loss = head.apply(hidden, masked.positions(), masked.targets(), dx, buf);
        INDArray spare = buf.get("grad.stream.b", n, h);
        for (int l = blocks.size() - 1; l >= 0; l--) {
            blocks.get(l).backward(buf.get("stream." + l, n, h), dx, spare, batch.rows(), buf, "L" + l, false);
            INDArray t = dx;
            dx = spare;
            spare = t;
        }
        embeddings.backward(batch, positions, dx, buf);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String name : params.trainable().names()) {
            grads.put(name, params.gradient(name).dup()); // the caller's copy: the accumulators are reused
        }
        return new StepOutput(loss, masked.positions().length, grads);
    }

    @Override
    public void close() {
        buf.close();
        constants.close();
        params.close();
    }
}
