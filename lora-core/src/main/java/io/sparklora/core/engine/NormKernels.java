package io.sparklora.core.engine;

import io.sparklora.core.engine.VectorKernels.Rows;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.nio.FloatBuffer;
import java.util.Arrays;

import static io.sparklora.core.engine.VectorKernels.L;
import static io.sparklora.core.engine.VectorKernels.ROWS;
import static io.sparklora.core.engine.VectorKernels.inUnits;
import static io.sparklora.core.engine.VectorKernels.rowsPerUnit;
import static io.sparklora.core.engine.VectorKernels.sum;
import static io.sparklora.core.engine.VectorMath.F;

/**
 * LayerNorm and RMSNorm, forward and backward side by side, one pass over each row in Java's Vector API
 * ({@link VectorKernels} says how and when they run; {@link LayerNorm} and {@link RmsNorm} have the ND4J path).
 * Each pass runs in units of whole rows on the engine's threads; a row's result is the same on any of them.
 */
final class NormKernels {
    private NormKernels() {
    }

    /** LayerNorm over rows of h: x̂ = (x − mean)·rstd, y = x̂·g + b; saves x̂ [rows, h] and rstd [rows]. */
    static void layerNormForward(FloatBuffer x, FloatBuffer g, FloatBuffer b, FloatBuffer y, FloatBuffer xhat,
                                 FloatBuffer rstd, int rowCount, int h, float eps) {
        inUnits(rowCount, rowsPerUnit(h), (from, to) -> layerNormForward(x, g, b, y, xhat, rstd, from, to, h, eps));
    }

    private static void layerNormForward(FloatBuffer x, FloatBuffer g, FloatBuffer b, FloatBuffer y, FloatBuffer xhat,
                                         FloatBuffer rstd, int from, int to, int h, float eps) {
        Rows rows = ROWS.get();
        float[] xa = rows.get(0, h);
        float[] ya = rows.get(1, h);
        float[] ga = rows.get(2, h);
        float[] ba = rows.get(3, h);
        g.get(0, ga, 0, h);
        b.get(0, ba, 0, h);
        int padded = (h + L - 1) / L * L;
        for (int r = from; r < to; r++) {
            int base = r * h;
            x.get(base, xa, 0, h);
            Arrays.fill(xa, h, padded, 0f);
            float mean = sum(xa, padded) / h;
            FloatVector sq = FloatVector.zero(F);
            for (int j = 0; j < padded; j += L) {
                FloatVector c = FloatVector.fromArray(F, xa, j).sub(mean);
                c.intoArray(xa, j);
                sq = c.fma(c, sq);
            }
            // the zero padding became −mean: take it out of the squares
            float var = (sq.reduceLanes(VectorOperators.ADD) - (padded - h) * mean * mean) / h;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            for (int j = 0; j < padded; j += L) {
                FloatVector xh = FloatVector.fromArray(F, xa, j).mul(rs);
                xh.intoArray(xa, j);
                xh.fma(FloatVector.fromArray(F, ga, j), FloatVector.fromArray(F, ba, j)).intoArray(ya, j);
            }
            xhat.put(base, xa, 0, h);
            y.put(base, ya, 0, h);
            rstd.put(r, rs);
        }
    }

    /** dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g. */
    static void layerNormBackwardAdd(FloatBuffer dy, FloatBuffer g, FloatBuffer xhat, FloatBuffer rstd, FloatBuffer dx,
                                     int rowCount, int h) {
        normBackwardAdd(dy, g, xhat, rstd, dx, rowCount, h, true);
    }

    /** RMSNorm over rows of h: x̂ = x·rstd, rstd = 1/sqrt(mean(x²) + eps), y = x̂·g; saves x̂ and rstd. */
    static void rmsNormForward(FloatBuffer x, FloatBuffer g, FloatBuffer y, FloatBuffer xhat, FloatBuffer rstd,
                               int rowCount, int h, float eps) {
        inUnits(rowCount, rowsPerUnit(h), (from, to) -> rmsNormForward(x, g, y, xhat, rstd, from, to, h, eps));
    }

    private static void rmsNormForward(FloatBuffer x, FloatBuffer g, FloatBuffer y, FloatBuffer xhat, FloatBuffer rstd,
                                       int from, int to, int h, float eps) {
        Rows rows = ROWS.get();
        float[] xa = rows.get(0, h);
        float[] ya = rows.get(1, h);
        float[] ga = rows.get(2, h);
        g.get(0, ga, 0, h);
        int padded = (h + L - 1) / L * L;
        for (int r = from; r < to; r++) {
            int base = r * h;
            x.get(base, xa, 0, h);
            Arrays.fill(xa, h, padded, 0f);
            FloatVector sq = FloatVector.zero(F);
            for (int j = 0; j < padded; j += L) {
                FloatVector v = FloatVector.fromArray(F, xa, j);
                sq = v.fma(v, sq);
            }
            float rs = (float) (1.0 / Math.sqrt(sq.reduceLanes(VectorOperators.ADD) / h + eps));
            for (int j = 0; j < padded; j += L) {
                FloatVector xh = FloatVector.fromArray(F, xa, j).mul(rs);
                xh.intoArray(xa, j);
                xh.mul(FloatVector.fromArray(F, ga, j)).intoArray(ya, j);
            }
            xhat.put(base, xa, 0, h);
            y.put(base, ya, 0, h);
            rstd.put(r, rs);
        }
    }

    /** dx += rstd·(dx̂ − x̂·mean(dx̂·x̂)), dx̂ = dy·g. */
    static void rmsNormBackwardAdd(FloatBuffer dy, FloatBuffer g, FloatBuffer xhat, FloatBuffer rstd, FloatBuffer dx,
                                   int rowCount, int h) {
        normBackwardAdd(dy, g, xhat, rstd, dx, rowCount, h, false);
    }

    private static void normBackwardAdd(FloatBuffer dy, FloatBuffer g, FloatBuffer xhat, FloatBuffer rstd,
                                        FloatBuffer dx, int rowCount, int h, boolean centred) {
        inUnits(rowCount, rowsPerUnit(h), (from, to) -> normBackwardAdd(dy, g, xhat, rstd, dx, from, to, h, centred));
    }

    private static void normBackwardAdd(FloatBuffer dy, FloatBuffer g, FloatBuffer xhat, FloatBuffer rstd,
                                        FloatBuffer dx, int from, int to, int h, boolean centred) {
        Rows rows = ROWS.get();
        float[] da = rows.get(0, h);
        float[] xa = rows.get(1, h);
        float[] ga = rows.get(2, h);
        float[] oa = rows.get(3, h);
        g.get(0, ga, 0, h);
        int padded = (h + L - 1) / L * L;
        Arrays.fill(ga, h, padded, 0f);
        for (int r = from; r < to; r++) {
            int base = r * h;
            dy.get(base, da, 0, h);
            xhat.get(base, xa, 0, h);
            dx.get(base, oa, 0, h);
            Arrays.fill(da, h, padded, 0f); // the rows are shared with other kernels: clear what the means read
            Arrays.fill(xa, h, padded, 0f);
            FloatVector s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F);
            for (int j = 0; j < padded; j += L) {
                FloatVector dxh = FloatVector.fromArray(F, da, j).mul(FloatVector.fromArray(F, ga, j));
                dxh.intoArray(da, j);
                s1 = s1.add(dxh);
                s2 = dxh.fma(FloatVector.fromArray(F, xa, j), s2);
            }
            float m1 = centred ? s1.reduceLanes(VectorOperators.ADD) / h : 0f;
            float m2 = s2.reduceLanes(VectorOperators.ADD) / h;
            float rs = rstd.get(r);
            for (int j = 0; j < padded; j += L) {
                FloatVector t = FloatVector.fromArray(F, xa, j).mul(-m2).add(FloatVector.fromArray(F, da, j)).sub(m1);
                t.mul(rs).add(FloatVector.fromArray(F, oa, j)).intoArray(oa, j);
            }
            dx.put(base, oa, 0, h);
        }
    }
}
