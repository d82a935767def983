package io.sparklora.core.engine;

import io.sparklora.core.lora.LoraModule;
import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.NativeArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * The one place that computes h = W0·x + b + s·B·(A·dropout(x)), forward and backward side by side.
 * <p>
 * Backward gives dx always, and the gradients only of what trains: dA and dB for an adapter, dW and db in full
 * fine-tuning. A frozen weight costs one product backward (dx = dy·W0), never the weight-gradient product.
 */
final class Linear {
    final LinearModule module;
    private final String name; // within its layer, e.g. "attn.c_proj": names this module's saved arrays
    private final Params params;
    private final INDArray w; // conv1d: [in, out]; nn.Linear: [out, in]
    private final INDArray bias; // [out] or null
    private final LoraModule lora; // null when not adapted
    private final int loraIndex; // position among the adapted modules: seeds this module's dropout masks
    private final double scale;
    private final double dropout;

    Linear(LinearModule module, String name, Params params, LoraModule lora, int loraIndex, double scale, double dropout) {
        this.module = module;
        this.name = name;
        this.params = params;
        this.w = params.value(module.weightName());
        this.bias = module.hasBias() ? params.value(module.biasName()) : null;
        this.lora = lora;
        this.loraIndex = loraIndex;
        this.scale = scale;
        this.dropout = dropout;
    }

    /** Whether backward reads the forward input x: for dA (an adapter) or dW (full fine-tuning), never for dx. */
    boolean needsInput() {
        return lora != null || params.gradient(module.weightName()) != null;
    }

    /**
     * Where to keep an array that is the input of {@code consumers}: under the layer's slot when one of them needs
     * it in the backward pass, else in forward scratch (a LoRA step keeps no input of a frozen projection).
     */
    static String inputName(String slot, String what, Linear... consumers) {
        for (Linear l : consumers) {
            if (l.needsInput()) {
                return slot + "." + what;
            }
        }
        return "scratch.fwd." + what;
    }

    /**
     * As {@link #inputName}, except that an input no consumer keeps takes the memory of {@code backwardArray}: a
     * backward-pass array of the same shape, never live while a forward pass runs (a LoRA step's MLP activation
     * shares the gradient array dAct, one [N, I] array fewer). The consumer's backward then gets that array as its
     * input, which it does not read.
     */
    static String inputNameOr(String backwardArray, String slot, String what, Linear... consumers) {
        String name = inputName(slot, what, consumers);
        return name.startsWith("scratch.fwd.") ? backwardArray : name;
    }

    private String key(String slot, String what) {
        return slot + "." + name + "." + what;
    }

    /**
     * x: [N, in] → y: [N, out]. Saves under {@code slot} what backward needs: the adapter's down projection A·x
     * [N, r] and, with dropout, the mask [N, in].
     *
     * @param dropoutSeed null for no dropout (evaluation)
     */
    void forward(INDArray x, INDArray y, Buffers buf, String slot, Long dropoutSeed) {
        StepProfiler.enter(StepProfiler.Part.LINEAR);
        long n = x.size(0);
        Ops.gemm(x, w, y, false, !module.conv1d(), 1.0, 0.0); // [N, out]
        if (bias != null) {
            y.addiRowVector(bias);
        }
        if (lora == null) {
            StepProfiler.exit();
            return;
        }
        INDArray a = params.value(lora.aName()); // [r, in]
        INDArray b = params.value(lora.bName()); // [out, r]
        INDArray in = x;
        if (dropoutSeed != null && dropout > 0) {
            INDArray mask = buf.get(key(slot, "mask"), n, module.inFeatures()); // [N, in]
            fillDropoutMask(mask, dropoutSeed);
            in = buf.get("scratch.dropped", n, module.inFeatures());
            Nd4j.exec(new MulOp(x, mask, in));
        }
        INDArray down = buf.get(key(slot, "down"), n, lora.r()); // [N, r]
        Ops.gemmThin(in, a, down, false, true, 1.0, 0.0); // [N, in]·[in, r]
        Ops.gemmThin(down, b, y, false, true, scale, 1.0); // y += s·[N, r]·[r, out]
        StepProfiler.exit();
    }

    /**
     * dy: [N, out], x: the forward input [N, in] → dx: [N, in], added to when {@code accumulate}, or not computed
     * when null; the trainable parameters' gradients are added to their accumulators.
     */
    void backward(INDArray x, INDArray dy, INDArray dx, boolean accumulate, Buffers buf, String slot, boolean dropoutOn) {
        StepProfiler.enter(StepProfiler.Part.LINEAR);
        long n = x.size(0);
        // dx = dy·W0 (nn.Linear [out, in]) or dy·W0ᵀ (Conv1D [in, out])
        if (dx != null) {
            Ops.gemm(dy, w, dx, false, module.conv1d(), 1.0, accumulate ? 1.0 : 0.0);
        }
        INDArray dW = params.gradient(module.weightName());
        if (dW != null) {
            if (module.conv1d()) {
                Ops.gemm(x, dy, dW, true, false, 1.0, 1.0); // [in, N]·[N, out]
            } else {
                Ops.gemm(dy, x, dW, true, false, 1.0, 1.0); // [out, N]·[N, in]
            }
        }
        INDArray dBias = bias == null ? null : params.gradient(module.biasName());
        if (dBias != null) {
            Ops.addColumnSums(dy, dBias, buf.get("scratch.colsum", module.outFeatures()));
        }
        if (lora == null) {
            StepProfiler.exit();
            return;
        }
        INDArray a = params.value(lora.aName()); // [r, in]
        INDArray b = params.value(lora.bName()); // [out, r]
        INDArray down = buf.get(key(slot, "down"), n, lora.r()); // [N, r]
        boolean dropped = dropoutOn && dropout > 0;
        INDArray in = x;
        if (dropped) {
            in = buf.get("scratch.dropped", n, module.inFeatures());
            Nd4j.exec(new MulOp(x, buf.get(key(slot, "mask"),
                    n, module.inFeatures()), in));
        }
        Ops.gemmThin(dy, down, params.gradient(lora.bName()), true, false, scale, 1.0); // dB += s·[out, N]·[N, r]
        INDArray dDown = buf.get("scratch.ddown", n, lora.r()); // [N, r]
        Ops.gemmThin(dy, b, dDown, false, false, scale, 0.0); // s·[N, out]·[out, r]
        Ops.gemmThin(dDown, in, params.gradient(lora.aName()), true, false, 1.0, 1.0); // dA += [r, N]·[N, in]
        if (dx == null) {
            StepProfiler.exit();
            return;
        }
        if (dropped) {
            INDArray dIn = buf.get("scratch.dropped", n, module.inFeatures()); // x·mask is no longer needed
            Ops.gemmThin(dDown, a, dIn, false, false, 1.0, 0.0); // [N, r]·[r, in]
            dIn.muli(buf.get(key(slot, "mask"), n, module.inFeatures()));
            dx.addi(dIn);
        } else {
            Ops.gemmThin(dDown, a, dx, false, false, 1.0, 1.0);
        }
        StepProfiler.exit();
    }

    /** Inverted dropout: 0 with probability p, else 1/(1−p); a pure function of (seed, module). */
    private void fillDropoutMask(INDArray mask, long seed) {
        double keep = 1.0 / (1.0 - dropout);
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + loraIndex);
        double[] values = new double[(int) mask.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = rng.nextDouble() < dropout ? 0 : keep;
        }
        INDArray host = Nd4j.create(values, mask.shape(), mask.dataType());
        mask.assign(host);
        NativeArrays.close(host);
    }
}
