package io.sparklora.jobs.cli;

import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.jobs.testing.CliRuns;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.ToolFixtures.cli;
import static io.sparklora.jobs.testing.CliRuns.assertUnchanged;
import static io.sparklora.jobs.testing.CliRuns.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

class MergeCommandTest {
    @TempDir
    static Path shared;
    static Path model;
    static Path adapter;
    static BaseModel base;
    static LoraPlan plan;
    static float[] theta;

    @TempDir
    Path dir;

    @BeforeAll
    static void modelAndAdapter() throws Exception {
        model = ToolFixtures.model(shared);
        base = ToolFixtures.load(model);
        plan = ToolFixtures.plan(base);
        theta = ToolFixtures.trainedTheta(plan, 5);
        adapter = ToolFixtures.writeAdapter(shared.resolve("adapter"), base, model, plan, theta);
    }

    @Test
    void mergedCheckpointLoadsAndItsLogitsEqualBasePlusAdapter() throws Exception {
        Path out = dir.resolve("merged");
        CliRuns.Result r = cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output",
                out.toString());
        r.succeeds();
        assertThat(r.out()).contains("merged checkpoint written to " + out).contains("6 adapted modules");
        assertThat(out.resolve("tokenizer.json")).hasSameBinaryContentAs(model.resolve("tokenizer.json"));

        BaseModel merged = ToolFixtures.load(out);
        int[] tokens = {1, 5, 9, 2, 7, 3, 11, 4, 6, 8, 10, 12, 1, 2, 3, 4};
        float[][] viaAdapter = ToolFixtures.logits(base, plan, theta, tokens);
        float[][] viaMerged = ToolFixtures.logits(merged, ModelInputs.noAdapter(), new float[0], tokens);
        float[][] baseOnly = ToolFixtures.logits(base, ModelInputs.noAdapter(), new float[0], tokens);
        double scale = ToolFixtures.maxAbs(viaAdapter);
        assertThat(ToolFixtures.maxAbsDiff(viaMerged, viaAdapter) / scale).as("relative error").isLessThan(1e-4);
        assertThat(ToolFixtures.maxAbsDiff(baseOnly, viaAdapter) / scale).as("the adapter changes the logits")
                .isGreaterThan(1e-2);
        assertThat(siblingsOf(out)).as("no staging directory left").containsExactly("merged");
    }

    /** An encoder and its SEQ_CLS adapter: the merged checkpoint holds the trained head and scores on its own. */
    @Test
    void mergesASequenceClassifierWithItsHead() throws Exception {
        BaseModel bert = io.sparklora.core.testing.TinyModels.random(io.sparklora.core.testing.TinyModels.bert(), 7);
        Path bertDir = io.sparklora.core.testing.TinyModels.write(bert, dir.resolve("bert"));
        LoraPlan bertPlan = LoraPlan.of(io.sparklora.core.lora.LoraConfig.defaults(), bert.layout());
        float[] bertTheta = bertPlan.initialParameters(bert); // A and the new head drawn; B = 0 until set below
        java.util.Random rng = new java.util.Random(6);
        for (io.sparklora.core.lora.LoraModule m : bertPlan.modules()) {
            for (int i = 0; i < bertPlan.layout().length(m.bName()); i++) {
                bertTheta[bertPlan.layout().offset(m.bName()) + i] = (float) (0.5 * rng.nextGaussian());
            }
        }
        io.sparklora.core.adapter.PeftAdapterFiles.write(dir.resolve("bert-adapter"), new io.sparklora.core.adapter.PeftAdapter(
                bertPlan.config(), bertTheta, bertDir.toString(), bert.fingerprint()), bertPlan,
                io.sparklora.core.model.ModelFamily.BERT);
        Path out = dir.resolve("bert-merged");
        cli("merge", "--model", bertDir.toString(), "--adapter", dir.resolve("bert-adapter").toString(), "--output",
                out.toString()).succeeds();

        BaseModel merged = ToolFixtures.load(out);
        assertThat(merged.hasHead()).isTrue();
        io.sparklora.core.engine.SequenceBatch batch = io.sparklora.core.engine.SequenceBatch.unlabelled(1, 5,
                new int[] {2, 9, 4, 11, 3}, new int[] {0, 0, 0, 1, 1}, new int[] {1, 1, 1, 1, 1});
        io.sparklora.core.engine.EngineSpec spec = io.sparklora.core.engine.EngineSpec.inference(5);
        try (var viaAdapter = io.sparklora.core.engine.SequenceClassifier.build(bert, bertPlan, spec);
             var viaMerged = io.sparklora.core.engine.SequenceClassifier.build(merged, null, spec)) {
            viaAdapter.setTrainable(bertTheta);
            double[] expected = viaAdapter.predictions(batch)[0];
            double[] actual = viaMerged.predictions(batch)[0];
            for (int j = 0; j < expected.length; j++) {
                assertThat(actual[j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void dtypeOptionSetsTheStoredType() throws Exception {
        Path out = dir.resolve("merged-bf16");
        cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output", out.toString(),
                "--dtype", "bf16").succeeds();
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertThat(f.names()).allSatisfy(n -> assertThat(f.info(n).dtype()).isEqualTo(DType.BF16));
        }
    }

    @Test
    void refusesANonEmptyOutputDirectoryAndLeavesItUntouched() {
        Path out = dir.resolve("existing");
        CliRuns.write(out.resolve("notes.txt"), "my notes");
        CliRuns.write(out.resolve("model.safetensors"), "not really weights");
        Map<Path, byte[]> before = snapshot(out, model, adapter);
        String message = cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output",
                out.toString()).failsWith(CONFIG_ERROR, "merge: --output " + out);
        assertThat(message).contains("not empty").contains("new or empty directory");
        assertUnchanged(before, out, model, adapter);
        assertThat(siblingsOf(out)).containsExactly("existing");
    }

    @Test
    void writesIntoAnEmptyExistingDirectory() throws Exception {
        Path out = Files.createDirectories(dir.resolve("empty"));
        cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output", out.toString())
                .succeeds();
        assertThat(out.resolve("model.safetensors")).isRegularFile();
        assertThat(out.resolve("config.json")).isRegularFile();
    }

    @Test
    void refusesTheModelDirectoryAsOutput() {
        Map<Path, byte[]> before = snapshot(model, adapter);
        String message = cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output",
                model.resolve(".").toString()).failsWith(CONFIG_ERROR, "merge: --output ");
        assertThat(message).contains("is the model directory");
        assertUnchanged(before, model, adapter);
    }

    @Test
    void refusesAnAdapterOfAnotherBase() throws Exception {
        Path other = ToolFixtures.model(dir.resolve("other-parent"));
        // Same architecture, different weights: shapes fit but the fingerprint does not.
        BaseModel otherBase = io.sparklora.core.testing.TinyModels.random(base.config(), 99);
        io.sparklora.core.testing.TinyModels.write(otherBase, other);
        Path out = dir.resolve("merged");
        String message = cli("merge", "--model", other.toString(), "--adapter", adapter.toString(), "--output",
                out.toString()).failsWith(CONFIG_ERROR, "the adapter in " + adapter + " does not fit the model in "
                + other);
        assertThat(message).contains("different base model");
        assertThat(out).doesNotExist();
    }

    @Test
    void missingOptionsAndBadValuesNameTheOption() {
        assertThat(cli("merge", "--model", model.toString(), "--adapter", adapter.toString())
                .failsWith(CONFIG_ERROR, "merge: --output is required")).contains("--output path/to/merged");
        assertThat(cli("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--output",
                dir.resolve("x").toString(), "--dtype", "fp8").failsWith(CONFIG_ERROR, "merge: --dtype must be one of"))
                .contains("f32, f16, bf16");
        assertThat(cli("merge", "--model", dir.resolve("nope").toString(), "--adapter", adapter.toString(),
                "--output", dir.resolve("x").toString()).failsWith(CONFIG_ERROR, "merge: --model ")).contains(
                "does not exist");
        assertThat(cli("merge", "--modle", model.toString()).failsWith(CONFIG_ERROR, "merge: unknown option --modle"))
                .contains("did you mean --model?");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    private static java.util.List<String> siblingsOf(Path p) {
        try (Stream<Path> s = Files.list(p.getParent())) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
