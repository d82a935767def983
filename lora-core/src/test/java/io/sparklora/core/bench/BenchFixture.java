package io.sparklora.core.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.adapter.PeftAdapter;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.engine.TokenBatch;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.model.BaseModelWriter;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.tensor.DType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The inputs every benchmark program (ours and the PyTorch peer) reads, so both run the same model, adapter and batch:
 * <pre>
 * DIR/model/config.json, model.safetensors      Hugging Face layout of the shape's family (random weights, see randomBase)
 * DIR/adapter/adapter_config.json, .safetensors  PEFT adapter, r = 8, alpha 16, the family's default modules, B ≠ 0
 * DIR/batch.json                                 {"rows", "seq_len", "tokens": [rows·T], "targets": [rows·T]}, -1 = ignored
 * </pre>
 * B is small and non-zero so the adapter path changes the loss, and the peer's loss and gradient norm can be checked
 * against ours: equal values mean the two programs compute the same function.
 */
public final class BenchFixture {
    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library (randomBase)
    }

    public record Loaded(BaseModel base, LoraPlan plan, float[] theta, TokenBatch batch) {
    }

    private BenchFixture() {
    }

    /** Writes the fixture for a shape; the demo shape copies the weights of modelDir (the shipped demo model). */
    public static void write(Path dir, BenchShape shape, Path demoModelDir, long seed) throws IOException {
        BaseModel base = shape.name().equals("demo") ? BaseModelLoader.load(demoModelDir) : randomBase(shape, seed);
        Files.createDirectories(dir.resolve("model"));
        BaseModelWriter.write(base, dir.resolve("model"), DType.F32, Map.of("bench_shape", shape.name()));

        LoraConfig lora = shape.lora();
        LoraPlan plan = LoraPlan.of(lora, base.layout());
        float[] theta = plan.initialParameters();
        Random rng = new Random(seed + 1);
        for (LoraModule m : plan.modules()) { // B: N(0, 0.02) instead of zeros
            int off = plan.layout().offset(m.bName());
            for (int i = 0; i < plan.layout().length(m.bName()); i++) {
                theta[off + i] = (float) (rng.nextGaussian() * 0.02);
            }
        }
        PeftAdapterFiles.write(dir.resolve("adapter"), new PeftAdapter(lora, theta, "bench/" + shape.name(), base.fingerprint()),
                plan, base.config().family());

        int n = shape.tokens();
        int[] tokens = new int[n];
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rng.nextInt(base.config().vocabSize());
        }
        for (int i = 0; i < n; i++) { // next-token targets; the last position of each row predicts nothing
            targets[i] = (i + 1) % shape.seqLen() == 0 ? TokenBatch.IGNORE : tokens[i + 1];
        }
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("rows", shape.rows());
        batch.put("seq_len", shape.seqLen());
        batch.put("tokens", tokens);
        batch.put("targets", targets);
        new ObjectMapper().writeValue(dir.resolve("batch.json").toFile(), batch);
    }

    public static Loaded read(Path dir) throws IOException {
        BaseModel base = BaseModelLoader.load(dir.resolve("model"));
        PeftAdapterFiles.Loaded adapter = PeftAdapterFiles.read(dir.resolve("adapter"), base.layout()).verifiedFor(base);
        var json = new ObjectMapper().readTree(dir.resolve("batch.json").toFile());
        int n = json.get("tokens").size();
        int[] tokens = new int[n];
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = json.get("tokens").get(i).asInt();
            targets[i] = json.get("targets").get(i).asInt();
        }
        TokenBatch batch = new TokenBatch(json.get("rows").asInt(), json.get("seq_len").asInt(), tokens, targets);
        return new Loaded(base, adapter.plan(), adapter.adapter().thetaFor(adapter.plan()), batch);
    }

    /**
     * Random weights as the families initialise them: norm gains 1, LayerNorm biases 0, every other tensor (matrices,
     * embeddings, GPT-2's learned positions, linear biases) N(0, 0.02).
     */
    static BaseModel randomBase(BenchShape shape, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ModelLayout.of(shape.config()).parameterShapes().entrySet()) {
            String name = e.getKey();
            boolean layerNorm = name.matches(".*\\.ln_[^.]+\\.(weight|bias)"); // GPT-2: ln_1, ln_2, ln_f
            INDArray w;
            if (name.endsWith("norm.weight") || layerNorm && name.endsWith(".weight")) {
                w = Nd4j.ones(DataType.FLOAT, e.getValue());
            } else if (layerNorm) {
                w = Nd4j.zeros(DataType.FLOAT, e.getValue());
            } else {
                w = Nd4j.randn(DataType.FLOAT, e.getValue()).muli(0.02);
            }
            weights.put(name, w);
        }
        return BaseModel.of(shape.config(), weights);
    }

    /** Usage: BenchFixture DIR SHAPE [DEMO_MODEL_DIR]. */
    public static void main(String[] args) throws IOException {
        io.sparklora.core.backend.CpuBuild.select();
        Path demo = Path.of(args.length > 2 ? args[2] : "deploy/demo/model");
        BenchShape shape = BenchShape.named(args[1], BaseModelLoader.check(demo));
        Path dir = Path.of(args[0]);
        write(dir, shape, demo, 1234);
        writeReference(dir);
        System.out.println("bench fixture " + shape.name() + " written to " + dir);
    }

    /**
     * DIR/reference.json: our loss sum and the global norm of the adapter gradient on the fixture's batch, the values
     * another implementation must reproduce to count as running the same computation.
     */
    static void writeReference(Path dir) throws IOException {
        Loaded f = read(dir);
        CausalLm graph = CausalLm.build(f.base(), f.plan(), EngineSpec.training(f.batch().seqLen(), TrainingMode.LORA));
        graph.setTrainable(f.theta());
        StepOutput out = graph.forwardBackward(f.batch(), 0);
        double sq = 0;
        for (INDArray g : out.gradients().values()) {
            sq += g.norm2Number().doubleValue() * g.norm2Number().doubleValue();
        }
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("loss_sum", out.lossSum());
        ref.put("loss_tokens", f.batch().lossTokens());
        ref.put("adapter_grad_norm", Math.sqrt(sq));
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("reference.json").toFile(), ref);
    }
}
