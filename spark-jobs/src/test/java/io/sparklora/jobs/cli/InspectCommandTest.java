package io.sparklora.jobs.cli;

import io.sparklora.core.lora.LoraMerge;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.train.AdamWState;
import io.sparklora.jobs.testing.CliRuns;
import io.sparklora.jobs.train.Checkpoint;
import io.sparklora.jobs.train.CheckpointStore;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.ToolFixtures.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class InspectCommandTest {
    @TempDir
    static Path shared;
    static Path model;
    static BaseModel base;
    static LoraPlan plan;

    @TempDir
    Path dir;

    @BeforeAll
    static void model() throws Exception {
        model = ToolFixtures.model(shared);
        base = ToolFixtures.load(model);
        plan = ToolFixtures.plan(base);
    }

    /** module -> {||A||, ||B||, ||s·B·A||} from the printed table. */
    private static Map<String, double[]> norms(String out) {
        Matcher m = Pattern.compile("(?m)^  (model\\.\\S+) +(\\S+) +(\\S+) +(\\S+)$").matcher(out);
        Map<String, double[]> found = new java.util.LinkedHashMap<>();
        while (m.find()) {
            found.put(m.group(1), new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                Double.parseDouble(m.group(4))});
        }
        return found;
    }

    @Test
    void freshAdapterHasZeroBAndZeroUpdate() throws Exception {
        Path adapter = ToolFixtures.writeAdapter(dir.resolve("fresh"), base, model, plan, ToolFixtures.freshTheta(plan));
        CliRuns.Result r = cli("inspect", adapter.toString());
        r.succeeds();
        assertThat(r.out()).contains("peft_type: LORA", "r: 4", "lora_alpha: 8", "target_modules: [\"q_proj\"",
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight  F32  [4, 32]",
                "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight  F32  [16, 4]",
                "s = lora_alpha / r = 2.00000",
                "trainable parameters: " + plan.layout().size(),
                "size: " + 4L * plan.layout().size() + " bytes of tensor data");
        Map<String, double[]> norms = norms(r.out());
        assertThat(norms).hasSize(plan.modules().size());
        norms.forEach((module, n) -> {
            assertThat(n[0]).as("||A|| of %s", module).isPositive();
            assertThat(n[1]).as("||B|| of %s", module).isZero();
            assertThat(n[2]).as("||s·B·A|| of %s", module).isZero();
        });
    }

    @Test
    void updateNormEqualsTheNormOfTheFormedMatrix() throws Exception {
        float[] theta = ToolFixtures.trainedTheta(plan, 11);
        Path adapter = ToolFixtures.writeAdapter(dir.resolve("trained"), base, model, plan, theta);
        CliRuns.Result r = cli("inspect", adapter.toString(), "--model", model.toString());
        r.succeeds();
        Map<String, double[]> norms = norms(r.out());
        for (LoraModule m : plan.modules()) {
            double[] n = norms.get(m.base().path());
            assertThat(n).as(m.base().path()).isNotNull();
            double a = plan.layout().array(theta, m.aName()).norm2Number().doubleValue();
            double b = plan.layout().array(theta, m.bName()).norm2Number().doubleValue();
            double update = LoraMerge.delta(plan, m, theta).norm2Number().doubleValue();
            assertThat(n[0]).isCloseTo(a, within(1e-5 * a));
            assertThat(n[1]).isCloseTo(b, within(1e-5 * b));
            assertThat(n[2]).isPositive().isCloseTo(update, within(1e-5 * update));
        }
        assertThat(r.out()).contains("the adapter fits this base", "fingerprints match",
                "||s·B·A|| / ||W0||", "fingerprint " + base.fingerprint());
    }

    @Test
    void productNormMatchesDirectComputation() {
        Random rng = new Random(1);
        int r = 3;
        int in = 7;
        int out = 5;
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rng.nextGaussian();
        }
        double sum = 0;
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < in; k++) {
                double v = 0;
                for (int j = 0; j < r; j++) {
                    v += (double) b[o * r + j] * a[j * in + k];
                }
                sum += v * v;
            }
        }
        assertThat(LowRankNorms.productFrobenius(a, r, in, b, out)).isCloseTo(Math.sqrt(sum), within(1e-9));
    }

    @Test
    void refusesAnAdapterThatDoesNotFitTheModel() throws Exception {
        Path adapter = ToolFixtures.writeAdapter(dir.resolve("a"), base, model, plan, ToolFixtures.freshTheta(plan));
        Path other = dir.resolve("other");
        io.sparklora.core.testing.TinyModels.write(io.sparklora.core.testing.TinyModels.random(base.config(), 3), other);
        Files.copy(model.resolve("tokenizer.json"), other.resolve("tokenizer.json"));
        assertThat(cli("inspect", adapter.toString(), "--model", other.toString()).code()).isEqualTo(CONFIG_ERROR);
    }

    @Test
    void inspectsACheckpoint() throws Exception {
        float[] theta = ToolFixtures.trainedTheta(plan, 2);
        float[] m = new float[theta.length];
        float[] v = new float[theta.length];
        java.util.Arrays.fill(v, 1e-4f);
        Path checkpoints = dir.resolve("run/checkpoints");
        CheckpointStore store = new CheckpointStore(new org.apache.hadoop.fs.Path(checkpoints.toUri()),
                new Configuration(), 2);
        store.write(new Checkpoint(6, theta, new AdamWState(6, m, v), "cfg-fp-123",
                List.of(Map.of("round", 4, "loss", 2.5), Map.of("round", 5, "loss", 2.25),
                        Map.of("round", 6, "loss", 2.0))));
        Path round = checkpoints.resolve("round-00000006");
        CliRuns.Result r = cli("inspect", "--checkpoint", round.toString());
        r.succeeds();
        assertThat(r.out()).contains("checkpoint: " + round, "_COMPLETE: present; all 3 files match",
                "theta  F32  [" + theta.length + "]", "exp_avg  F32  [" + theta.length + "]",
                "exp_avg_sq  F32  [" + theta.length + "]", "next_round: 6", "optimizer_step: 6",
                "config_fingerprint: cfg-fp-123", "metrics: 3 entries");

        Files.write(round.resolve("theta.safetensors"), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertThat(cli("inspect", "--checkpoint", round.toString()).out()).contains("[theta.safetensors] do not match");

        assertThat(cli("inspect", "--checkpoint", dir.resolve("run").toString()).failsWith(CONFIG_ERROR,
                "inspect: --checkpoint ")).contains("--checkpoint " + round);
        assertThat(cli("inspect", round.toString()).failsWith(CONFIG_ERROR, "inspect: " + round
                + " is not a PEFT adapter directory")).contains("sparklora inspect --checkpoint " + round);
    }

    @Test
    void argumentErrors() {
        assertThat(cli("inspect").failsWith(CONFIG_ERROR, "inspect: give an adapter directory"));
        assertThat(cli("inspect", dir.resolve("missing").toString()).failsWith(CONFIG_ERROR, "inspect: ADAPTER_DIR"))
                .contains("does not exist");
        assertThat(cli("inspect", "a", "b").failsWith(CONFIG_ERROR, "inspect: unexpected argument \"b\""));
    }
}
