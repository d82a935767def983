package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMSNorm (LLaMA): y = x·rstd·g with rstd = 1/sqrt(mean(x²) + eps), forward and backward side by side. Forward
 * saves x̂ = x·rstd [N, H] and rstd [N]; dx = rstd·(dx̂ − x̂·mean(dx̂·x̂)), dx̂ = dy·g. Where {@link Fused} allows, each
 * pass is one loop per row ({@link NormKernels}); the ND4J operations below are the same formulas.
 */
final class RmsNorm {
    private final String name;
    private final Params params;
    private final String weight;
    private final double eps;

    /** @param weight the Hugging Face weight name; @param name the name within its layer */
    RmsNorm(String weight, String name, Params params, double eps) {
        this.name = name;
        this.params = params;
        this.weight = weight;
        this.eps = eps;
    }

    /** x: [N, H] → y: [N, H]. */
    void forward(INDArray x, INDArray y, Buffers buf, String slot) {
        StepProfiler.enter(StepProfiler.Part.NORM);
        long n = x.size(0);
        long h = x.size(1);
        INDArray g = params.value(weight);
        if (Fused.on(x, y, g)) {
            INDArray xhat = buf.get(slot + "." + name + ".xhat", n, h);
            INDArray rstd = buf.get(slot + "." + name + ".rstd", n);
            NormKernels.rmsNormForward(Fused.floats(x), Fused.floats(g), Fused.floats(y), Fused.floats(xhat),
                    Fused.floats(rstd), (int) n, (int) h, (float) eps);
            StepProfiler.exit();
            return;
        }
        INDArray sq = buf.get("scratch.norm.a", n, h);
        Nd4j.exec(new MulOp(x, x, sq));
        INDArray rstd = buf.get(slot + "." + name + ".rstd", n);
        Ops.rowMean(sq, rstd);
        rstd.addi(eps);
        Transforms.pow(rstd, -0.5, false);
        INDArray xhat = buf.get(slot + "." + name + ".xhat", n, h);
        Ops.mulColumn(x, rstd, xhat);
        Ops.mulRow(xhat, g, y);
        StepProfiler.exit();
    }

    /** dy: [N, H] → dx: [N, H], added to {@code dx}. */
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
        }
        INDArray g = params.value(weight);
        if (Fused.on(dy, dx, xhat, rstd, g)) {
            NormKernels.rmsNormBackwardAdd(Fused.floats(dy), Fused.floats(g), Fused.floats(xhat), Fused.floats(rstd),
                    Fused.floats(dx), (int) n, (int) h);
            StepProfiler.exit();
            return;
        }
        INDArray dxhat = buf.get("scratch.norm.a", n, h);
        INDArray t = buf.get("scratch.norm.b", n, h);
        INDArray m = buf.get("scratch.norm.rows", n);
        Ops.mulRow(dy, g, dxhat);
        Nd4j.exec(new MulOp(dxhat, xhat, t));
        Ops.rowMean(t, m);
        Ops.mulColumn(xhat, m, t);
        t.rsubi(dxhat);
        t.muliColumnVector(rstd);
        dx.addi(t);
        StepProfiler.exit();
    }
}
