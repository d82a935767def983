package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;

import io.sparklora.core.engine.TokenLossChunk;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.Gpt2Layout;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.LlamaLayout;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a training step of CausalLm holds in memory, predicted from the model's shape, the batch and the engine's
 * code. Predicted resident set = JVM/native baseline + weights + trainable state + working set, where
 * <ul>
 *   <li>weights: every base parameter, 4 bytes each in float32 (the engine computes with the loaded arrays; in full
 *       fine-tuning it also owns a copy of each and a gradient accumulator);</li>
 *   <li>trainable state: the adapter's A and B, their gradient accumulators and the step's gradient copies
 *       (StepOutput);</li>
 *   <li>working set ({@code CausalLm.workingSetBytes()}): the arrays a layer saves for its backward pass
 *       ({@code buf.get(slot + ...)} in Gpt2Block, LlamaBlock, CausalAttention, Linear, LayerNorm, RmsNorm), of which
 *       the attention probabilities [B, heads, T, T] are the one part quadratic in T; each layer's input [N, hidden]
 *       (the residual stream); the loss's logits chunk (at most {@code TokenLoss.CHUNK_ELEMENTS} elements, in equal chunks
 *       but the last); the per-step scratch and gradient arrays
 *       ({@code scratch.*}, {@code grad.*}) every layer shares; and the constants (causal mask, rotary tables).
 *       Without checkpointing every layer keeps its saved arrays; with it, one layer's set is kept and reused while
 *       each layer is recomputed during the backward pass.</li>
 * </ul>
 * The working set is computed the way the engine allocates it: one flat array per name the step asks its buffers
 * for, as large as the largest shape asked under that name. MemoryModelTest checks it against {@code CausalLm.workingSetBytes()} on small models of both families, so
 * a change in what the engine keeps shows up there. What the model leaves out: ND4J's temporaries inside an op,
 * the JVM heap above its baseline, and allocator slack (the gap to the measured peak).
 */
public final class MemoryModel {
    /** Element width of float32, the engine's training dtype. */
    public static final int FLOAT_BYTES = 4;

    /** Bytes by part, as {@link #predict} reports them. */
    public record Prediction(long weights, long trainableState, long savedActivations, long attentionProbs,
                             long layerInputs, long lossChunk, long scratch, long constants, long baseline,
                             double savedFloatsPerTokenPerLayer) {
        /** What {@code CausalLm.workingSetBytes()} reports after a step. */
        public long workingSet() {
            return savedActivations + attentionProbs + layerInputs + lossChunk + scratch + constants;
        }

        public long total() {
            return baseline + weights + trainableState + workingSet();
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("baseline_bytes", baseline);
            m.put("weights_bytes", weights);
            m.put("trainable_state_bytes", trainableState);
            m.put("saved_activations_bytes", savedActivations);
            m.put("attention_probs_bytes", attentionProbs);
            m.put("layer_inputs_bytes", layerInputs);
            m.put("loss_chunk_bytes", lossChunk);
            m.put("scratch_bytes", scratch);
            m.put("constants_bytes", constants);
            m.put("working_set_bytes", workingSet());
            m.put("saved_floats_per_token_per_layer", savedFloatsPerTokenPerLayer);
            m.put("total_bytes", total());
            return m;
        }
    }

    private MemoryModel() {
    }

    /**
     * @param dropout      whether the step applies LoRA dropout (EngineSpec.withDropout and a dropout above 0)
     * @param width        bytes per element of the engine's dtype (4 for float32, 8 for float64)
     * @param baseline     the process's resident set before the model exists (JVM, ND4J's native libraries)
     */
    public static Prediction predict(ModelConfig c, LoraPlan plan, TrainingMode mode, int rows, int seqLen,
                                     boolean checkpointing, boolean dropout, int width, long baseline) {
        Step s = new Step(c, plan, mode, rows, seqLen, checkpointing, dropout);
        s.run();
        long baseParams = ModelLayout.of(c).parameterShapes().values().stream().mapToLong(MemoryModel::count).sum();
        long weights = baseParams * FLOAT_BYTES;
        long trainable;
        if (mode == TrainingMode.FULL) {
            weights += 2 * baseParams * (long) width; // the engine's own copy of each trainable tensor, its gradient
            trainable = baseParams * (long) width; // the step's gradient copies
        } else {
            trainable = 3 * plan.layout().size() * (long) width; // A and B, their accumulators, the step's copies
        }
        long n = (long) rows * seqLen;
        double perTokenPerLayer = (double) s.elements(Part.SAVED) / (checkpointing ? 1 : c.numLayers()) / n;
        return new Prediction(weights, trainable, s.elements(Part.SAVED) * width, s.elements(Part.PROBS) * width,
                s.elements(Part.INPUTS) * width, s.elements(Part.LOSS) * width, s.elements(Part.SCRATCH) * width,
                s.elements(Part.CONSTANTS) * width, baseline, perTokenPerLayer);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private enum Part { SAVED, PROBS, INPUTS, LOSS, SCRATCH, CONSTANTS }

    /** One forwardBackward, replayed as the (name, shape) requests it makes of the engine's buffers (Buffers.get). */
    private static final class Step {
        private final ModelConfig c;
        private final LoraPlan plan;
        private final boolean full;
        private final boolean dropout;
        private final boolean checkpointing;
        /** The engine's fused kernels run (float32 on the CPU with the Vector API): they need fewer scratch arrays. */
        private final boolean fused = CausalLm.fusedKernels();
        private final int rows;
        private final int t;
        private final long n;
        private final Map<String, long[]> arrays = new LinkedHashMap<>(); // name → {largest elements, part}

        Step(ModelConfig c, LoraPlan plan, TrainingMode mode, int rows, int seqLen, boolean checkpointing, boolean dropout) {
            this.c = c;
            this.plan = plan;
            this.full = mode == TrainingMode.FULL;
            this.dropout = dropout && !full;
            this.checkpointing = checkpointing;
            this.rows = rows;
            this.t = seqLen;
            this.n = (long) rows * seqLen;
        }

        long elements(Part part) {
            return arrays.values().stream().filter(v -> v[1] == part.ordinal()).mapToLong(v -> v[0]).sum();
        }

        private void get(String name, long... shape) {
            get(null, name, shape);
        }

        private void get(Part forced, String name, long... shape) {
            Part part = forced != null ? forced
                    : name.startsWith("stream.") ? Part.INPUTS
                    : name.startsWith("loss.") ? Part.LOSS
                    : name.endsWith(".attn.probs") || name.endsWith(".attn.softmax") ? Part.PROBS
                    : name.matches("(L\\d+|recompute)\\..*") && !name.equals("recompute.out") ? Part.SAVED
                    : Part.SCRATCH; // scratch.*, grad.*, final.*, recompute.out
            long[] entry = arrays.computeIfAbsent(name, k -> new long[] {0, part.ordinal()});
            entry[0] = Math.max(entry[0], count(shape));
        }

        private void constant(String name, long... shape) {
            get(Part.CONSTANTS, "const:" + name, shape);
        }

        void run() {
            int h = c.hiddenSize();
            boolean gpt2 = c.family() == ModelFamily.GPT2;
            if (!gpt2) {
                constant("rope.rotate_half", c.headDim(), c.headDim());
            }
            // forward
            get("stream.0", n, h);
            for (int l = 0; l < c.numLayers(); l++) {
                get("stream." + (l + 1), n, h);
                blockForward(l);
            }
            get("final.out", n, h);
            norm(gpt2, "final", gpt2 ? "ln_f" : "norm", true);
            get("grad.final", n, h);
            loss();
            // backward
            get("grad.stream.a", n, h);
            norm(gpt2, "final", gpt2 ? "ln_f" : "norm", false);
            get("grad.stream.b", n, h);
            for (int l = c.numLayers() - 1; l >= 0; l--) {
                if (checkpointing) {
                    get("recompute.out", n, h);
                    blockForward(l);
                }
                blockBackward(l);
            }
            if (gpt2 && full) {
                get("scratch.embed.pos", (long) t * h);
            }
        }

        private String slot(int layer) {
            return checkpointing ? "recompute" : "L" + layer;
        }

        private void loss() {
            long vocab = c.vocabSize();
            long chunk = TokenLossChunk.rows(n, vocab);
            for (long r0 = 0; r0 < n; r0 += chunk) {
                long r = Math.min(chunk, n - r0);
                get("loss.logits", r, vocab);
                if (!fused) {
                    get("loss.max", r);
                    get("loss.sum", r);
                }
            }
        }

        /** LayerNorm (GPT-2) or RMSNorm (LLaMA) of [N, hidden] saved under slot. */
        private void norm(boolean layerNorm, String slot, String name, boolean forward) {
            int h = c.hiddenSize();
            if (forward) {
                if (layerNorm && !fused) {
                    get("scratch.norm.rows", n);
                }
                get(slot + "." + name + ".xhat", n, h);
                if (!fused) {
                    get("scratch.norm.a", n, h);
                }
                get(slot + "." + name + ".rstd", n);
                return;
            }
            if (full) {
                get("scratch.norm.b", n, h);
                get("scratch.colsum", h);
            }
            if (fused) {
                return;
            }
            get("scratch.norm.a", n, h);
            get("scratch.norm.b", n, h);
            get("scratch.norm.rows", n);
            if (layerNorm) {
                get("scratch.norm.rows2", n);
            }
        }

        private LoraModule lora(LinearModule m) {
            return full ? null : plan.moduleFor(m).orElse(null);
        }

        /** As Linear.inputName: kept under the slot only when a consumer reads it backward (dA or dW). */
        private String inputName(String slot, String what, LinearModule... consumers) {
            for (LinearModule m : consumers) {
                if (full || lora(m) != null) {
                    return slot + "." + what;
                }
            }
            return "scratch.fwd." + what;
        }

        /** As Linear.inputNameOr: an input nobody keeps takes the memory of a backward-pass array. */
        private String inputNameOr(String backwardArray, String slot, String what, LinearModule... consumers) {
            String name = inputName(slot, what, consumers);
            return name.startsWith("scratch.fwd.") ? backwardArray : name;
        }

        private void linearForward(String slot, String name, LinearModule m) {
            LoraModule lora = lora(m);
            if (lora == null) {
                return;
            }
            if (dropout) {
                get(slot + "." + name + ".mask", n, m.inFeatures());
                get("scratch.dropped", n, m.inFeatures());
            }
            get(slot + "." + name + ".down", n, lora.r());
        }

        private void linearBackward(String slot, String name, LinearModule m) {
            if (full && m.hasBias()) {
                get("scratch.colsum", m.outFeatures());
            }
            LoraModule lora = lora(m);
            if (lora == null) {
                return;
            }
            get(slot + "." + name + ".down", n, lora.r());
            if (dropout) {
                get("scratch.dropped", n, m.inFeatures());
            }
            get("scratch.ddown", n, lora.r());
        }

        private void attentionForward(String slot) {
            long b = rows;
            int heads = c.numHeads();
            int kv = c.numKvHeads();
            int d = c.headDim();
            long group = heads / kv;
            get(slot + ".attn.q", b, heads, t, d);
            get(slot + ".attn.k", b, kv, t, d);
            get(slot + ".attn.v", b, kv, t, d);
            if (c.family() == ModelFamily.LLAMA) {
                rotary(b, heads, kv, d);
            }
            if (fused) { // the softmax's row max and 1/Σ; P only in its thread's heap scratch while it is computed
                get(slot + ".attn.softmax", b * kv, group * t, 2);
            } else { // the fused softmax masks by index: only this path has the mask constant
                get(slot + ".attn.probs", b * kv, group * t, t);
                constant("attn.mask.0." + t, group * t * t);
            }
            get("scratch.attn.context", b, heads, t, d);
        }

        private void rotary(long b, int heads, int kv, int d) {
            if (fused) {
                return; // HeadLayoutKernels rotate each row as they copy it, from small tables on the Java heap
            }
            get("scratch.rope", b, heads, t, d);
            get("scratch.rope", b, kv, t, d);
            constant("rope.cos.0:" + t, (long) t * d);
            constant("rope.sin.0:" + t, (long) t * d);
        }

        /** @param outputKept whether the block kept attention's output (for the projection after it) */
        private void attentionBackward(boolean outputKept) {
            long b = rows;
            int heads = c.numHeads();
            int kv = c.numKvHeads();
            int d = c.headDim();
            long group = heads / kv;
            get("scratch.attn.context", b, heads, t, d);
            get("scratch.attn.dv", b, kv, t, d);
            if (!fused) { // the kernels keep P (rebuilt), dP and dS in their thread's heap scratch
                get("scratch.attn.dscores", b * kv, group * t, t);
            }
            if (outputKept && !fused) { // the row dots dO·O (HeadLayoutKernels take them as they copy dO per head)
                get("scratch.attn.products", n, c.qDim());
                get("scratch.attn.r", b, t, heads);
            }
            if (outputKept || !fused) {
                get("scratch.attn.r2", b, heads, t);
            }
            if (!outputKept && !fused) {
                get("scratch.attn.pdp", b * kv, group * t, t); // P·dP, summed into the row dots
            }
            get("scratch.attn.dq", b, heads, t, d);
            get("scratch.attn.dk", b, kv, t, d);
            if (c.family() == ModelFamily.LLAMA) {
                rotary(b, heads, kv, d);
            }
        }

        private void blockForward(int layer) {
            String s = slot(layer);
            int h = c.hiddenSize();
            int inner = c.intermediateSize();
            if (c.family() == ModelFamily.GPT2) {
                List<LinearModule> m = new Gpt2Layout(c).layerModules(layer); // c_attn, attn.c_proj, c_fc, mlp.c_proj
                get("scratch.norm1.out", n, h); // Block.NORM1_OUT: recomputed in the backward pass
                norm(true, "scratch.norm1", "ln_1", true);
                get("scratch.fwd.qkv", n, 3L * h);
                linearForward(s, "attn.c_attn", m.get(0));
                get(inputNameOr("grad.hidden", s, "att", m.get(1)), n, h);
                attentionForward(s);
                get("scratch.fwd.mid", n, h);
                linearForward(s, "attn.c_proj", m.get(1));
                get(inputNameOr("grad.hidden", s, "ln_2.out", m.get(2)), n, h);
                norm(true, s, "ln_2", true);
                get(s + ".fc", n, inner);
                linearForward(s, "mlp.c_fc", m.get(2));
                get(inputNameOr("grad.inner", s, "gelu", m.get(3)), n, inner);
                if (!fused) {
                    get(s + ".gelu.sigmoid", n, inner); // the kernels recompute σ in the backward pass
                }
                linearForward(s, "mlp.c_proj", m.get(3));
                return;
            }
            List<LinearModule> m = new LlamaLayout(c).layerModules(layer); // q, k, v, o, gate, up, down
            get("scratch.norm1.out", n, h); // Block.NORM1_OUT: recomputed in the backward pass
            norm(false, "scratch.norm1", "input_layernorm", true);
            get("scratch.fwd.q", n, c.qDim());
            get("scratch.fwd.k", n, c.kvDim());
            get("scratch.fwd.v", n, c.kvDim());
            linearForward(s, "q_proj", m.get(0));
            linearForward(s, "k_proj", m.get(1));
            linearForward(s, "v_proj", m.get(2));
            get(inputNameOr("grad.q", s, "att", m.get(3)), n, c.qDim());
            attentionForward(s);
            get("scratch.fwd.mid", n, h);
            linearForward(s, "o_proj", m.get(3));
            get(inputNameOr("grad.hidden", s, "norm2.out", m.get(4), m.get(5)), n, h);
            norm(false, s, "post_attention_layernorm", true);
            get(s + ".gate", n, inner);
            get(s + ".up", n, inner);
            linearForward(s, "gate_proj", m.get(4));
            linearForward(s, "up_proj", m.get(5));
            get(inputNameOr("grad.inner", s, "swiglu", m.get(6)), n, inner);
            if (!fused) {
                get(s + ".gate.sigmoid", n, inner); // the kernels recompute σ in the backward pass
            }
            linearForward(s, "down_proj", m.get(6));
        }

        private void blockBackward(int layer) {
            String s = slot(layer);
            int h = c.hiddenSize();
            int inner = c.intermediateSize();
            if (c.family() == ModelFamily.GPT2) {
                List<LinearModule> m = new Gpt2Layout(c).layerModules(layer);
                get("grad.inner", n, inner);
                linearBackward(s, "mlp.c_proj", m.get(3));
                if (!fused) {
                    get("grad.inner2", n, inner); // the kernels write dPre over dAct
                }
                if (!fused) {
                    get("scratch.act.a", n, inner);
                }
                get("grad.hidden", n, h);
                linearBackward(s, "mlp.c_fc", m.get(2));
                get("grad.mid", n, h);
                norm(true, s, "ln_2", false);
                linearBackward(s, "attn.c_proj", m.get(1));
                get("grad.qkv", n, 3L * h);
                attentionBackward(full || lora(m.get(1)) != null);
                get("scratch.norm1.out", n, h);
                norm(true, "scratch.norm1", "ln_1", true);
                linearBackward(s, "attn.c_attn", m.get(0));
                norm(true, "scratch.norm1", "ln_1", false);
                return;
            }
            List<LinearModule> m = new LlamaLayout(c).layerModules(layer);
            get("grad.inner", n, inner);
            linearBackward(s, "down_proj", m.get(6));
            if (!fused) {
                get("grad.inner2", n, inner); // the kernels write dGate over dAct
            }
            get("grad.inner3", n, inner);
            get("grad.hidden", n, h);
            linearBackward(s, "gate_proj", m.get(4));
            linearBackward(s, "up_proj", m.get(5));
            get("grad.mid", n, h);
            norm(false, s, "post_attention_layernorm", false);
            get("grad.q", n, c.qDim());
            linearBackward(s, "o_proj", m.get(3));
            get("grad.q2", n, c.qDim());
            get("grad.k", n, c.kvDim());
            get("grad.v", n, c.kvDim());
            attentionBackward(full || lora(m.get(3)) != null);
            get("scratch.norm1.out", n, h);
            norm(false, "scratch.norm1", "input_layernorm", true);
            linearBackward(s, "q_proj", m.get(0));
            linearBackward(s, "k_proj", m.get(1));
            linearBackward(s, "v_proj", m.get(2));
            norm(false, "scratch.norm1", "input_layernorm", false);
        }
    }
}
