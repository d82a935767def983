package io.sparklora.core.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sparklora.core.model.Arrays2;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelLayout;
import io.sparklora.core.testing.TinyModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class LoraConfigTest {
    private static final ModelLayout LLAMA = ModelLayout.of(TinyModels.llama());
    private static final ModelLayout GPT2 = ModelLayout.of(TinyModels.gpt2());

    private static LoraConfig config(int r, double alpha, double dropout) {
        return new LoraConfig(r, alpha, dropout, null, false, 42);
    }

    private static List<String> paths(List<LinearModule> modules) {
        return modules.stream().map(LinearModule::path).toList();
    }

    private static List<String> select(TargetModules targets, ModelLayout layout) {
        return paths(targets.select(layout));
    }

    // ---------------------------------------------------------------- LoraConfig validation

    @Test
    void rejectsNonPositiveRank() {
        assertThatThrownBy(() -> config(0, 16, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora r must be > 0, got 0");
        assertThatThrownBy(() -> config(-4, 16, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora r must be > 0, got -4");
    }

    @Test
    void rejectsNonPositiveOrNanAlpha() {
        assertThatThrownBy(() -> config(8, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora alpha must be > 0, got 0.0");
        assertThatThrownBy(() -> config(8, -1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora alpha must be > 0, got -1.0");
        assertThatThrownBy(() -> config(8, Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora alpha must be > 0, got NaN");
        assertThatThrownBy(() -> config(8, Double.POSITIVE_INFINITY, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora alpha");
    }

    @Test
    void rejectsDropoutOutsideZeroToOne() {
        assertThatThrownBy(() -> config(8, 16, -0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora dropout must be in [0, 1), got -0.1");
        assertThatThrownBy(() -> config(8, 16, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora dropout must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> config(8, 16, Double.NaN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora dropout");
        assertThat(config(8, 16, 0.0).dropout()).isZero();
        assertThat(config(8, 16, 0.999).dropout()).isEqualTo(0.999);
    }

    @Test
    void scaleIsAlphaOverRankOrOverSqrtRankWithRslora() {
        assertThat(config(8, 16, 0).scale()).isEqualTo(2.0);
        assertThat(config(16, 8, 0).scale()).isEqualTo(0.5);
        assertThat(new LoraConfig(16, 8, 0, null, true, 1).scale()).isCloseTo(2.0, within(1e-12));
        assertThat(new LoraConfig(8, 16, 0, null, true, 1).scale()).isCloseTo(16 / Math.sqrt(8), within(1e-12));
        LoraConfig d = LoraConfig.defaults();
        assertThat(d.r()).isEqualTo(8);
        assertThat(d.alpha()).isEqualTo(16.0);
        assertThat(d.targets()).isNull();
        assertThat(d.scale()).isEqualTo(2.0);
    }

    // ---------------------------------------------------------------- TargetModules (PEFT matching)

    @Test
    void namesSelectExactlyThoseModulesOfEveryLayerInModelOrder() {
        List<String> chosen = select(new TargetModules.Names(List.of("v_proj", "q_proj")), LLAMA);
        assertThat(chosen).containsExactly(
                "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
    }

    @Test
    void fullPathEntryMatchesOnlyThatModule() {
        assertThat(select(new TargetModules.Names(List.of("model.layers.1.mlp.down_proj")), LLAMA))
                .containsExactly("model.layers.1.mlp.down_proj");
        // A dotted suffix is PEFT's "ends with '.' + key" rule too.
        assertThat(select(new TargetModules.Names(List.of("1.self_attn.k_proj")), LLAMA))
                .containsExactly("model.layers.1.self_attn.k_proj");
        assertThat(select(new TargetModules.Names(List.of("h.0.attn.c_proj")), GPT2))
                .containsExactly("transformer.h.0.attn.c_proj");
    }

    @Test
    void partialNameDoesNotMatchAndTheErrorListsModuleNames() {
        assertThatThrownBy(() -> new TargetModules.Names(List.of("proj")).select(LLAMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target_modules [proj] match no linear module")
                .hasMessageContaining("q_proj")
                .hasMessageContaining("gate_proj");
        // "_proj" is not a dotted suffix of "q_proj" either.
        assertThatThrownBy(() -> new TargetModules.Names(List.of("q_proj", "_proj")).select(LLAMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target_modules [_proj]");
    }

    @Test
    void unknownNameErrorListsTheModelsModules() {
        assertThatThrownBy(() -> new TargetModules.Names(List.of("query_key_value")).select(LLAMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("query_key_value")
                .hasMessageContaining("q_proj")
                .hasMessageContaining("gate_proj")
                .hasMessageContaining("down_proj");
        assertThatThrownBy(() -> new TargetModules.Names(List.of("q_proj")).select(GPT2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c_attn")
                .hasMessageContaining("c_fc");
    }

    @Test
    void emptyNameListIsRejected() {
        assertThatThrownBy(() -> new TargetModules.Names(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target_modules must not be empty");
    }

    @Test
    void regexMustMatchTheWholePath() {
        assertThat(select(new TargetModules.Regex(".*layers\\.1\\..*_proj"), LLAMA)).containsExactly(
                "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.k_proj",
                "model.layers.1.self_attn.v_proj", "model.layers.1.self_attn.o_proj",
                "model.layers.1.mlp.gate_proj", "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj");
        assertThat(select(new TargetModules.Regex(".*\\.(q|v)_proj"), LLAMA)).containsExactly(
                "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
        // re.fullmatch: a pattern matching only part of the path selects nothing, which is an error.
        assertThatThrownBy(() -> new TargetModules.Regex("layers\\.1").select(LLAMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target_modules regex \"layers\\.1\" matches no module path")
                .hasMessageContaining("q_proj");
    }

    @Test
    void regexMatchingNothingIsAnError() {
        assertThatThrownBy(() -> new TargetModules.Regex(".*c_attn").select(LLAMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("matches no module path")
                .hasMessageContaining("model.layers.0.self_attn.q_proj");
    }

    @Test
    void invalidRegexIsRejected() {
        assertThatThrownBy(() -> new TargetModules.Regex(".*(q_proj")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target_modules regex \".*(q_proj\" is invalid");
    }

    @Test
    void allLinearSelectsEveryLinearModuleButNeverTheHead() {
        List<String> llama = select(new TargetModules.AllLinear(), LLAMA);
        assertThat(llama).hasSize(7 * 2).doesNotContain("lm_head").noneMatch(p -> p.contains("lm_head"));
        assertThat(llama.subList(0, 7)).containsExactly(
                "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                "model.layers.0.self_attn.v_proj", "model.layers.0.self_attn.o_proj",
                "model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj");

        List<String> gpt2 = select(new TargetModules.AllLinear(), GPT2);
        assertThat(gpt2).hasSize(4 * 2).noneMatch(p -> p.contains("lm_head") || p.contains("wte"));
        assertThat(gpt2.subList(0, 4)).containsExactly("transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj",
                "transformer.h.0.mlp.c_fc", "transformer.h.0.mlp.c_proj");
    }

    @Test
    void parseFollowsPeftJsonForms() {
        assertThat(TargetModules.parse(List.of("q_proj", "v_proj")))
                .isEqualTo(new TargetModules.Names(List.of("q_proj", "v_proj")));
        assertThat(TargetModules.parse("all-linear")).isInstanceOf(TargetModules.AllLinear.class);
        assertThat(TargetModules.parse(".*q_proj")).isEqualTo(new TargetModules.Regex(".*q_proj"));
        assertThat(TargetModules.parse("all-linear").peftValue()).isEqualTo("all-linear");
        assertThatThrownBy(() -> TargetModules.parse(42)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target_modules must be a list of names or a string, got 42");
    }

    @Test
    void defaultTargetsArePeftsPerFamily() {
        LoraPlan gpt2 = LoraPlan.of(LoraConfig.defaults(), GPT2);
        assertThat(gpt2.config().targets()).isEqualTo(new TargetModules.Names(List.of("c_attn")));
        assertThat(gpt2.modules().stream().map(m -> m.base().path()))
                .containsExactly("transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn");

        LoraPlan llama = LoraPlan.of(LoraConfig.defaults().withTargets(null), LLAMA);
        assertThat(llama.config().targets()).isEqualTo(new TargetModules.Names(List.of("q_proj", "v_proj")));
        assertThat(llama.modules().stream().map(m -> m.base().path())).containsExactly(
                "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
    }

    @Test
    void rankLargerThanAModulesDimensionsIsAnErrorNamingIt() {
        // Tiny LLaMA: hidden 16, k/v projections 16 -> 8 (grouped-query attention).
        LoraConfig r9 = new LoraConfig(9, 18, 0, new TargetModules.Names(List.of("q_proj")), false, 1);
        assertThat(LoraPlan.of(r9, LLAMA).modules()).hasSize(2);
        LoraConfig r9k = r9.withTargets(new TargetModules.Names(List.of("q_proj", "k_proj")));
        assertThatThrownBy(() -> LoraPlan.of(r9k, LLAMA)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lora r = 9 exceeds the dimensions of model.layers.0.self_attn.k_proj")
                .hasMessageContaining("choose r <= 8");
        LoraConfig r8k = new LoraConfig(8, 16, 0, new TargetModules.Names(List.of("k_proj")), false, 1);
        assertThat(LoraPlan.of(r8k, LLAMA).modules()).hasSize(2);
    }

    // ---------------------------------------------------------------- LoraPlan / ParameterLayout

    private static LoraPlan plan(long seed) {
        return LoraPlan.of(new LoraConfig(4, 8, 0, new TargetModules.AllLinear(), false, seed), LLAMA);
    }

    @Test
    void planShapesFollowPeft() {
        LoraPlan p = plan(1);
        LoraModule k = p.modules().get(1);
        assertThat(k.aName()).isEqualTo("model.layers.0.self_attn.k_proj.lora_A.weight");
        assertThat(k.bName()).isEqualTo("model.layers.0.self_attn.k_proj.lora_B.weight");
        assertThat(p.layout().shape(k.aName())).containsExactly(4, 16);
        assertThat(p.layout().shape(k.bName())).containsExactly(8, 4);
        LoraModule down = p.modules().get(6);
        assertThat(p.layout().shape(down.aName())).containsExactly(4, 24);
        assertThat(p.layout().shape(down.bName())).containsExactly(16, 4);
        int expected = 0;
        for (LoraModule m : p.modules()) {
            expected += 4 * m.base().inFeatures() + m.base().outFeatures() * 4;
        }
        assertThat(p.layout().size()).isEqualTo(expected);
    }

    @Test
    void initialParametersHaveZeroBAndBoundedNonZeroA() {
        LoraPlan p = plan(7);
        float[] theta = p.initialParameters();
        assertThat(theta).hasSize(p.layout().size());
        for (LoraModule m : p.modules()) {
            assertThat(p.layout().slice(theta, m.bName())).as(m.bName()).containsOnly(0f);
            float[] a = p.layout().slice(theta, m.aName());
            double bound = 1.0 / Math.sqrt(m.base().inFeatures());
            for (float v : a) {
                assertThat((double) Math.abs(v)).as(m.aName()).isLessThanOrEqualTo(bound);
            }
            long nonZero = 0;
            double maxAbs = 0;
            for (float v : a) {
                nonZero += v != 0 ? 1 : 0;
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            assertThat(nonZero).as(m.aName()).isEqualTo(a.length);
            // Uniform over the whole range, not a narrower one: the largest of >= 64 draws is near the bound.
            assertThat(maxAbs).as(m.aName()).isGreaterThan(0.7 * bound);
        }
    }

    @Test
    void initialParametersAreDeterministicPerSeed() {
        assertThat(plan(7).initialParameters()).containsExactly(plan(7).initialParameters());
        assertThat(plan(7).initialParameters()).isNotEqualTo(plan(8).initialParameters());
    }

    @Test
    void layoutOffsetsAreContiguousInPlanOrder() {
        ParameterLayout layout = plan(1).layout();
        List<String> names = layout.names();
        List<String> expectedOrder = new ArrayList<>();
        for (LoraModule m : plan(1).modules()) {
            expectedOrder.add(m.aName());
            expectedOrder.add(m.bName());
        }
        assertThat(names).containsExactlyElementsOf(expectedOrder);
        int next = 0;
        for (String n : names) {
            assertThat(layout.offset(n)).as(n).isEqualTo(next);
            assertThat(layout.length(n)).isEqualTo((int) Arrays.stream(layout.shape(n)).reduce(1, (x, y) -> x * y));
            next += layout.length(n);
        }
        assertThat(next).isEqualTo(layout.size());
        assertThatThrownBy(() -> layout.offset("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no trainable parameter named nope");
    }

    @Test
    void flattenUnflattenRoundTrip() {
        ParameterLayout layout = plan(1).layout();
        float[] flat = new float[layout.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = i * 0.5f - 3;
        }
        Map<String, INDArray> arrays = layout.unflatten(flat);
        assertThat(arrays.keySet()).containsExactlyElementsOf(layout.names());
        String a0 = layout.names().get(0);
        assertThat(arrays.get(a0).shape()).containsExactly(layout.shape(a0));
        // Row-major: element [1, 2] of the first A [4, 16] is flat value 1 * 16 + 2.
        assertThat(arrays.get(a0).getFloat(1, 2)).isEqualTo(flat[18]);
        String b1 = layout.names().get(3);
        assertThat(Arrays2.toFloats(arrays.get(b1))).containsExactly(layout.slice(flat, b1));
        assertThat(layout.flatten(arrays)).containsExactly(flat);
    }

    @Test
    void flattenChecksNamesShapesAndSize() {
        ParameterLayout layout = plan(1).layout();
        Map<String, INDArray> arrays = new LinkedHashMap<>(layout.unflatten(new float[layout.size()]));
        String first = layout.names().get(0);
        arrays.put(first, Arrays2.fromFloats(new float[64], new long[] {16, 4}));
        assertThatThrownBy(() -> layout.flatten(arrays)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(first + " has shape [16, 4], expected [4, 16]");
        arrays.remove(first);
        assertThatThrownBy(() -> layout.flatten(arrays)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing trainable parameter " + first);
        assertThatThrownBy(() -> layout.unflatten(new float[layout.size() + 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter vector has " + (layout.size() + 1) + " values, the layout needs "
                        + layout.size());
    }
}
