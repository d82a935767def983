package io.sparklora.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.lora.LoraConfig;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.TargetModules;
import io.sparklora.core.model.BaseModel;
import io.sparklora.jobs.testing.CliRuns;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.sparklora.jobs.cli.SparkLoraMain.CONFIG_ERROR;
import static io.sparklora.jobs.cli.ToolFixtures.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

class AnalyzeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    @Test
    void subspaceOfAnAdapterWithItselfIsOneAndWithAnotherSeedIsLess() throws Exception {
        Path a = ToolFixtures.writeAdapter(dir.resolve("a"), base, model, plan, ToolFixtures.trainedTheta(plan, 1));
        // r = 2 on q_proj with another initialisation seed: a different, smaller subspace
        LoraPlan small = LoraPlan.of(new LoraConfig(2, 4, 0.0, new TargetModules.Names(List.of("q_proj")), false, 7),
                base.layout());
        Path b = ToolFixtures.writeAdapter(dir.resolve("b"), base, model, small, ToolFixtures.trainedTheta(small, 2));

        CliRuns.Result self = cli("analyze", "subspace", "--adapter", a.toString(), "--other", a.toString(),
                "--output", dir.resolve("self").toString());
        assertThat(self.code()).as(self.err()).isZero();
        JsonNode selfDoc = JSON.readTree(dir.resolve("self/subspace.json").toFile());
        assertThat(selfDoc.path("modules").size()).isEqualTo(plan.modules().size());
        for (JsonNode module : selfDoc.path("modules")) {
            JsonNode phi = module.path("phi");
            for (int i = 0; i < phi.size(); i++) {
                assertThat(phi.get(i).get(i).asDouble()).isCloseTo(1.0, offset(1e-9));
            }
        }

        Path out = dir.resolve("pair");
        CliRuns.Result pair = cli("analyze", "subspace", "--adapter", a.toString(), "--other", b.toString(),
                "--modules", "q_proj", "--output", out.toString());
        assertThat(pair.code()).as(pair.err()).isZero();
        JsonNode modules = JSON.readTree(out.resolve("subspace.json").toFile()).path("modules");
        assertThat(modules.size()).isEqualTo(base.config().numLayers()); // q_proj of each layer, both adapters
        for (var it = modules.fields(); it.hasNext(); ) {
            var e = it.next();
            assertThat(e.getKey()).endsWith(".q_proj");
            assertThat(e.getValue().path("r1").asInt()).isEqualTo(4);
            assertThat(e.getValue().path("r2").asInt()).isEqualTo(2);
            for (JsonNode row : e.getValue().path("phi")) {
                for (JsonNode v : row) {
                    assertThat(v.asDouble()).isBetween(0.0, 1.0);
                }
            }
            assertThat(e.getValue().path("phi").get(0).get(0).asDouble()).isLessThan(0.999);
            BufferedImage png = ImageIO.read(out.resolve("subspace-" + e.getKey() + ".png").toFile());
            assertThat(png).isNotNull();
            assertThat(png.getWidth()).isGreaterThan(100);
        }
    }

    @Test
    void amplificationsUpdateNormIsInspectsNormOfTheScaledUpdate() throws Exception {
        float[] theta = ToolFixtures.trainedTheta(plan, 3);
        Path adapter = ToolFixtures.writeAdapter(dir.resolve("trained"), base, model, plan, theta);
        CliRuns.Result r = cli("analyze", "amplification", "--model", model.toString(), "--adapter", adapter.toString(),
                "--output", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode modules = JSON.readTree(dir.resolve("amplification.json").toFile()).path("modules");
        assertThat(modules.size()).isEqualTo(plan.modules().size());
        for (LoraModule m : plan.modules()) {
            JsonNode row = modules.path(m.base().path());
            // computed independently: ||B·A||_F from r x r Gram matrices (the inspect command's norm)
            double expected = plan.config().scale() * LowRankNorms.productFrobenius(plan.layout().slice(theta, m.aName()),
                    m.r(), m.base().inFeatures(), plan.layout().slice(theta, m.bName()), m.base().outFeatures());
            assertThat(row.path("updateNorm").asDouble()).isCloseTo(expected, offset(1e-6 * expected));
            assertThat(row.path("factor").asDouble()).isCloseTo(expected / row.path("updateDirections").asDouble(),
                    offset(1e-9 * row.path("factor").asDouble()));
            assertThat(row.path("updateDirections").asDouble()).isLessThanOrEqualTo(row.path("weightDirections").asDouble()
                    * (1 + 1e-9)); // W's own top directions capture the most of W
        }
    }

    @Test
    void anUntrainedAdapterAndDisjointModulesAreClearErrors() throws Exception {
        Path fresh = ToolFixtures.writeAdapter(dir.resolve("fresh"), base, model, plan, ToolFixtures.freshTheta(plan));
        cli("analyze", "amplification", "--model", model.toString(), "--adapter", fresh.toString())
                .failsWith(CONFIG_ERROR, "module ");
        cli("analyze", "subspace", "--adapter", fresh.toString(), "--other", fresh.toString(), "--modules", "gate_proj")
                .failsWith(CONFIG_ERROR, "no module is adapted in both");
        cli("analyze", "sideways").failsWith(CONFIG_ERROR, "analyze: unknown question \"sideways\"");
        assertThat(Files.exists(dir.resolve("amplification.json"))).isFalse();
    }
}
