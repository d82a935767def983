package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * LayerNorm over the hidden dimension (biased variance, as torch): y = (x − mean)·rstd·g + b, forward and
 * backward side by side. Forward saves x̂ = (x − mean)·rstd [N, H] and rstd [N]; backward needs nothing else:
 * dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g. Where {@link Fused} allows, each pass is one loop per row
 * ({@link NormKernels}); the ND4J operations below are the same formulas.
 */
final class LayerNorm {
    private final String name;
    private final Params params;
    private final String weight;
    private final String bias;
    private final double eps;

    /** @param prefix the Hugging Face prefix, "transformer.h.0.ln_1"; @param name the name within its layer */
    LayerNorm(String prefix, String name, Params params, double eps) {
        this.name = name;
        this.params = params;
        this.weight = prefix + ".weight";
        this.bias = prefix + ".bias";
        this.eps = eps;
    }

    String weightName() {
        return weight;
    }

    /** x: [N, H] → y: [N, H]. */
    void forward(INDArray x, INDArray y, Buffers buf, String slot) {
        StepProfiler.enter(StepProfiler.Part.NORM);
        long n = x.size(0);
        long h = x.size(1);
        INDArray g = params.value(weight);
        INDArray b = params.value(bias);
        if (Fused.on(x, y, g, b)) {
            INDArray xhat = buf.get(slot + "." + name + ".xhat", n, h);
            INDArray rstd = buf.get(slot + "." + name + ".rstd", n);
            NormKernels.layerNormForward(Fused.floats(x), Fused.floats(g), Fused.floats(b), Fused.floats(y),
                    Fused.floats(xhat), Fused.floats(rstd), (int) n, (int) h, (float) eps);
            StepProfiler.exit();
            return;
        }
        INDArray mean = buf.get("scratch.norm.rows", n); // [N]
        Ops.rowMean(x, mean);
        INDArray xhat = buf.get(slot + "." + name + ".xhat", n, h);
        Ops.subColumn(x, mean, xhat); // x − mean
        INDArray sq = buf.get("scratch.norm.a", n, h);
        Nd4j.exec(new MulOp(xhat, xhat, sq));
        INDArray rstd = buf.get(slot + "." + name + ".rstd", n);
        Ops.rowMean(sq, rstd); // biased variance
        rstd.addi(eps);
        Transforms.pow(rstd, -0.5, false);
        xhat.muliColumnVector(rstd);
        Ops.mulRow(xhat, g, y);
        y.addiRowVector(b);
        StepProfiler.exit();
    }

    /** dy: [N, H] → dx: [N, H], added to {@code dx} (the residual stream's gradient). */
    void backwardAdd(INDArray dy, INDArray dx, Buffers buf, String slot) {
        StepProfiler.enter(StepProfiler.Part.NORM);
        long n = dy.size(0);
        long h = dy.size(1);
        INDArray xhat = buf.get(slot + "." + name + ".xhat", n, h);
        INDArray rstd = buf.get(slot + "." + name + ".rstd", n);
        INDArray dG = params.gradient(weight);
        if (dG != null) {
            INDArray dyXhat = buf.get("scratch.norm.b", n, h);
            Nd4j.exec(new MulOp(dy, xhat, dyXhat));
            Ops.addColumnSums(dyXhat, dG, buf.get("scratch.colsum", h));
            Ops.addColumnSums(dy, params.gradient(bias), buf.get("scratch.colsum", h));
        }
        INDArray g = params.value(weight);
        if (Fused.on(dy, dx, xhat, rstd, g)) {
            NormKernels.layerNormBackwardAdd(Fused.floats(dy), Fused.floats(g), Fused.floats(xhat),
                    Fused.floats(rstd), Fused.floats(dx), (int) n, (int) h);
            StepProfiler.exit();
            return;
        }
        INDArray dxhat = buf.get("scratch.norm.a", n, h);
        INDArray t = buf.get("scratch.norm.b", n, h);
        INDArray m1 = buf.get("scratch.norm.rows", n);
        INDArray m2 = buf.get("scratch.norm.rows2", n);
        Ops.mulRow(dy, g, dxhat); // dx̂ = dy·g
        Ops.rowMean(dxhat, m1);
        Nd4j.exec(new MulOp(dxhat, xhat, t));
        Ops.rowMean(t, m2);
        Ops.mulColumn(xhat, m2, t); // x̂·mean(dx̂·x̂)
        t.rsubi(dxhat); // dx̂ − x̂·mean(dx̂·x̂)
        t.subiColumnVector(m1);
        t.muliColumnVector(rstd);
        dx.addi(t);
        StepProfiler.exit();
    }
}
