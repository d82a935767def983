package io.sparklora.jobs.cli;

import io.sparklora.core.adapter.PeftAdapter;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.testing.TinyJob;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** The tiny model of {@link TinyJob} with adapters written by test code, and an in-process CLI runner (no Spark). */
final class ToolFixtures {
    static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, new TargetModules.Names(List.of("q_proj", "v_proj",
            "o_proj")), false, 42);

    private ToolFixtures() {
    }

    /** Runs the CLI in this JVM, capturing stdout and stderr. */
    static CliRuns.Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = SparkLoraMain.run(args, o, e);
        }
        return new CliRuns.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path model(Path dir) throws IOException {
        return TinyJob.model(dir);
    }

    static BaseModel load(Path modelDir) throws IOException {
        return BaseModelLoader.load(modelDir);
    }

    static LoraPlan plan(BaseModel base) {
        return LoraPlan.of(LORA, base.layout());
    }

    /** θ as training starts: A Kaiming-uniform, B = 0. */
    static float[] freshTheta(LoraPlan plan) {
        return plan.initialParameters();
    }

    /** θ as after training: A initialised, B random and large enough to change the model's predictions. */
    static float[] trainedTheta(LoraPlan plan, long seed) {
        float[] theta = plan.initialParameters();
        Random rng = new Random(seed);
        for (LoraModule m : plan.modules()) {
            int off = plan.layout().offset(m.bName());
            for (int i = 0, n = plan.layout().length(m.bName()); i < n; i++) {
                theta[off + i] = (float) (0.5 * rng.nextGaussian());
            }
        }
        return theta;
    }

    static Path writeAdapter(Path dir, BaseModel base, Path modelDir, LoraPlan plan, float[] theta) throws IOException {
        PeftAdapterFiles.write(dir, new PeftAdapter(plan.config(), theta, modelDir.toString(), base.fingerprint()), plan,
                base.config().family());
        return dir;
    }

    /** Logits [T, V] of one row of tokens, for a model with (plan, θ) or without an adapter (empty plan). */
    static float[][] logits(BaseModel base, LoraPlan plan, float[] theta, int[] tokens) {
        CausalLm graph = CausalLm.build(base, plan, EngineSpec.inference(tokens.length));
        graph.setTrainable(theta);
        var l = graph.logits(tokens);
        float[][] out = new float[(int) l.rows()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = l.getRow(i).dup().toFloatVector();
        }
        return out;
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                d = Math.max(d, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return d;
    }

    static double maxAbs(float[][] a) {
        double m = 0;
        for (float[] row : a) {
            for (float v : row) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }
}
