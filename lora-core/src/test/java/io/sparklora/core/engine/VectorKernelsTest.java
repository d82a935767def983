package io.sparklora.core.engine;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Each fused kernel against its formula in float64, on sizes that are not whole vectors and on extreme inputs. */
class VectorKernelsTest {
    private final Random rng = new Random(11);

    private float[] gaussian(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextGaussian() * scale);
        }
        return a;
    }

    private static FloatBuffer buffer(float[] a) {
        return FloatBuffer.wrap(a);
    }

    private static void assertClose(float[] actual, double[] expected, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            double allowed = tolerance * Math.max(1, Math.abs(expected[i]));
            if (!(Math.abs(actual[i] - expected[i]) <= allowed)) { // assert only the failures: the passes run in units
                assertThat((double) actual[i]).as("element %d", i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(allowed));
            }
        }
    }

    @Test
    void expIsWithinTwoUlpsAndExactlyZeroBelowTheNormalRange() {
        int lanes = VectorMath.F.length();
        for (float x = -87f; x < 88f; x += 0.0137f) {
            float[] in = new float[lanes];
            java.util.Arrays.fill(in, x);
            float[] out = new float[lanes];
            VectorMath.exp(FloatVector.fromArray(VectorMath.F, in, 0)).intoArray(out, 0);
            double expected = Math.exp(x);
            assertThat(Math.abs(out[0] - expected) / expected).as("exp(%s)", x).isLessThan(2.5e-7);
        }
        float[] tiny = new float[lanes];
        java.util.Arrays.fill(tiny, -1e9f);
        float[] out = new float[lanes];
        VectorMath.exp(FloatVector.fromArray(VectorMath.F, tiny, 0)).intoArray(out, 0);
        assertThat(out[0]).isZero();
        java.util.Arrays.fill(tiny, Float.NEGATIVE_INFINITY);
        VectorMath.exp(FloatVector.fromArray(VectorMath.F, tiny, 0)).intoArray(out, 0);
        assertThat(out[0]).isZero();
    }

    @Test
    void geluTanhForwardAndBackward() {
        int n = 2 * VectorKernels.UNIT + 5003; // more than two threads' units, a partial block, not a whole vector
        float[] u = gaussian(n, 3);
        float[] dy = gaussian(n, 1);
        float[] y = new float[n];
        float[] du = new float[n];
        ActivationKernels.geluTanhForward(buffer(u), buffer(y), n);
        ActivationKernels.geluTanhBackward(buffer(u), buffer(dy), buffer(du), n); // σ(2z) recomputed from u
        double c = Math.sqrt(2 / Math.PI);
        double[] ey = new double[n];
        double[] edu = new double[n];
        for (int i = 0; i < n; i++) {
            double z = c * (u[i] + 0.044715 * u[i] * u[i] * u[i]);
            double t = Math.tanh(z);
            ey[i] = 0.5 * u[i] * (1 + t);
            edu[i] = dy[i] * (0.5 * (1 + t) + 0.5 * u[i] * (1 - t * t) * c * (1 + 3 * 0.044715 * u[i] * u[i]));
        }
        assertClose(y, ey, 2e-6);
        assertClose(du, edu, 2e-5);
    }

    @Test
    void swigluForwardAndBackward() {
        int n = VectorKernels.UNIT + 2051; // two units, the second a block and a partial vector
        float[] gate = gaussian(n, 4);
        float[] up = gaussian(n, 1);
        float[] dy = gaussian(n, 1);
        float[] y = new float[n];
        float[] dGate = new float[n];
        float[] dUp = new float[n];
        ActivationKernels.swigluForward(buffer(gate), buffer(up), buffer(y), n);
        ActivationKernels.swigluBackward(buffer(gate), buffer(up), buffer(dy), buffer(dGate), buffer(dUp), n); // σ recomputed
        double[] ey = new double[n];
        double[] eg = new double[n];
        double[] eu = new double[n];
        for (int i = 0; i < n; i++) {
            double sg = 1 / (1 + Math.exp(-gate[i]));
            ey[i] = gate[i] * sg * up[i];
            eu[i] = dy[i] * gate[i] * sg;
            eg[i] = dy[i] * up[i] * (sg + gate[i] * sg * (1 - sg));
        }
        assertClose(y, ey, 2e-6);
        assertClose(dUp, eu, 2e-6);
        assertClose(dGate, eg, 2e-6);
    }

    @Test
    void layerNormAndRmsNormForwardAndBackward() {
        int h = 13;
        int rows = 2 * VectorKernels.rowsPerUnit(h) + 5; // three units of rows, the last a partial one
        float[] x = gaussian(rows * h, 2);
        for (int i = 0; i < h; i++) {
            x[i] += 100; // a large mean
        }
        float[] g = gaussian(h, 1);
        float[] b = gaussian(h, 1);
        float[] dy = gaussian(rows * h, 1);
        for (boolean centred : new boolean[]{true, false}) {
            float[] y = new float[rows * h];
            float[] xhat = new float[rows * h];
            float[] rstd = new float[rows];
            float[] dx = gaussian(rows * h, 1); // the kernels add into dx
            float[] dx0 = dx.clone();
            if (centred) {
                NormKernels.layerNormForward(buffer(x), buffer(g), buffer(b), buffer(y), buffer(xhat), buffer(rstd),
                        rows, h, 1e-5f);
                NormKernels.layerNormBackwardAdd(buffer(dy), buffer(g), buffer(xhat), buffer(rstd), buffer(dx), rows, h);
            } else {
                NormKernels.rmsNormForward(buffer(x), buffer(g), buffer(y), buffer(xhat), buffer(rstd), rows, h, 1e-6f);
                NormKernels.rmsNormBackwardAdd(buffer(dy), buffer(g), buffer(xhat), buffer(rstd), buffer(dx), rows, h);
            }
            double[] ey = new double[rows * h];
            double[] edx = new double[rows * h];
            for (int r = 0; r < rows; r++) {
                double mean = 0;
                for (int j = 0; j < h; j++) {
                    mean += centred ? x[r * h + j] / (double) h : 0;
                }
                double var = 0;
                for (int j = 0; j < h; j++) {
                    var += Math.pow(x[r * h + j] - mean, 2) / h;
                }
                double rs = 1 / Math.sqrt(var + (centred ? 1e-5 : 1e-6));
                double m1 = 0;
                double m2 = 0;
                for (int j = 0; j < h; j++) {
                    double xh = (x[r * h + j] - mean) * rs;
                    ey[r * h + j] = xh * g[j] + (centred ? b[j] : 0);
                    m1 += dy[r * h + j] * g[j] / h;
                    m2 += dy[r * h + j] * g[j] * xh / h;
                }
                for (int j = 0; j < h; j++) {
                    double xh = (x[r * h + j] - mean) * rs;
                    double dxh = dy[r * h + j] * g[j];
                    edx[r * h + j] = dx0[r * h + j] + rs * (dxh - (centred ? m1 : 0) - xh * m2);
                }
            }
            assertClose(y, ey, 2e-5);
            assertClose(dx, edx, 2e-5);
        }
    }

    @Test
    void causalSoftmaxWithAndWithoutWindowItsProbabilitiesAgainThenItsBackward() {
        // rows of 11 keys: the last rows' vectors would pass the row's end and go through a copy; of 2·L, never
        for (int t : new int[]{11, 2 * VectorMath.F.length()}) {
            for (int window : new int[]{0, 4}) {
                causalSoftmaxAndBackward(t, window);
            }
        }
    }

    private void causalSoftmaxAndBackward(int t, int window) {
        int rowCount = 3 * t;
        {
            float[] scores = gaussian(rowCount * t, 5);
            float[] probs = scores.clone();
            float[] stats = new float[2 * rowCount];
            SoftmaxKernels.causalSoftmax(probs, rowCount, t, window, buffer(stats));
            // backward's P, rebuilt from the same scores and the row statistics: equal bit for bit
            float[] again = scores.clone();
            SoftmaxKernels.causalProbs(again, rowCount, t, window, buffer(stats));
            assertThat(again).containsExactly(probs);
            double[] expected = new double[rowCount * t];
            for (int r = 0; r < rowCount; r++) {
                int i = r % t;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    if (window == 0 || i - j < window) {
                        max = Math.max(max, scores[r * t + j]);
                    }
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    if (window == 0 || i - j < window) {
                        sum += Math.exp(scores[r * t + j] - max);
                    }
                }
                for (int j = 0; j < t; j++) {
                    boolean visible = j <= i && (window == 0 || i - j < window);
                    expected[r * t + j] = visible ? Math.exp(scores[r * t + j] - max) / sum : 0;
                }
            }
            assertClose(probs, expected, 1e-6);
            for (int k = 0; k < expected.length; k++) {
                if (expected[k] == 0) {
                    assertThat(probs[k]).isZero(); // masked keys are exactly 0, as the mask path gives
                }
            }
            float[] dScores = gaussian(rowCount * t, 1);
            float[] dP = dScores.clone();
            float[] dots = gaussian(rowCount, 1);
            float[] causal = dScores.clone();
            for (int k = 0; k < causal.length; k++) {
                if (k % t > (k / t) % t) {
                    causal[k] = Float.NaN; // dP past the visible keys is never written: the causal form must not read it
                }
            }
            float[] causalSummed = causal.clone();
            SoftmaxKernels.softmaxBackward(buffer(probs), buffer(dScores), buffer(dots), rowCount, t);
            SoftmaxKernels.causalSoftmaxBackward(probs, causal, buffer(dots), rowCount, t);
            SoftmaxKernels.causalSoftmaxBackward(probs, causalSummed, null, rowCount, t); // r = Σ_j P·dP
            double[] summed = new double[rowCount * t];
            for (int r = 0; r < rowCount; r++) {
                double dot = 0;
                for (int j = 0; j <= r % t; j++) {
                    dot += (double) probs[r * t + j] * dP[r * t + j];
                }
                for (int j = 0; j <= r % t; j++) {
                    summed[r * t + j] = probs[r * t + j] * (dP[r * t + j] - dot);
                }
            }
            assertClose(causalSummed, summed, 1e-6);
            double[] eds = new double[rowCount * t];
            for (int k = 0; k < eds.length; k++) {
                eds[k] = (double) probs[k] * (dP[k] - dots[k / t]);
            }
            assertClose(dScores, eds, 1e-6);
            assertClose(causal, eds, 1e-6);
        }
    }

    @Test
    void crossEntropyLossAndSoftmaxMinusOneHot() {
        int rows = 4;
        int vocab = 37;
        float[] logits = gaussian(rows * vocab, 20);
        logits[vocab + 3] = 500; // a dominant logit
        int[] targets = {-1, 3, 36, 0, 5}; // offset 1: rows see {3, 36, 0, 5}; the -1 is before the window
        int[] shifted = {5, -1, 3, 36, 0}; // offset 1: rows see {-1, 3, 36, 0}
        for (int[] t : new int[][]{targets, shifted}) {
            float[] a = logits.clone();
            double[] loss = new double[rows];
            SoftmaxKernels.crossEntropy(buffer(a), rows, vocab, t, 1, loss, true);
            for (int r = 0; r < rows; r++) {
                int target = t[1 + r];
                if (target < 0) {
                    assertThat(loss[r]).isZero();
                    for (int j = 0; j < vocab; j++) {
                        assertThat(a[r * vocab + j]).isZero();
                    }
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < vocab; j++) {
                    max = Math.max(max, logits[r * vocab + j]);
                }
                double sum = 0;
                for (int j = 0; j < vocab; j++) {
                    sum += Math.exp(logits[r * vocab + j] - max);
                }
                assertThat(loss[r]).isCloseTo(max + Math.log(sum) - logits[r * vocab + target],
                        org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(max))));
                double[] expected = new double[vocab];
                float[] row = new float[vocab];
                for (int j = 0; j < vocab; j++) {
                    expected[j] = Math.exp(logits[r * vocab + j] - max) / sum - (j == target ? 1 : 0);
                    row[j] = a[r * vocab + j];
                }
                assertClose(row, expected, 1e-6);
            }
            double[] forwardOnly = new double[rows];
            float[] untouched = logits.clone();
            SoftmaxKernels.crossEntropy(buffer(untouched), rows, vocab, t, 1, forwardOnly, false);
            assertThat(forwardOnly).containsExactly(loss);
            assertThat(untouched).containsExactly(logits); // without the gradient the logits stay as they were
        }
    }
}
