package io.sparklora.core.engine;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/** The activations against their formulas in plain Java, forward and backward, over a wide range of inputs. */
class ActivationsTest {
    private static final int N = 41;

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library, whichever test runs first
    }

    private static INDArray inputs() {
        return Nd4j.linspace(-8, 8, N, DataType.DOUBLE).reshape(1, N);
    }

    @Test
    void swigluMatchesSiluTimesUp() {
        INDArray gate = inputs();
        INDArray up = Nd4j.linspace(-2, 3, N, DataType.DOUBLE).reshape(1, N);
        INDArray dy = Nd4j.linspace(0.5, 1.5, N, DataType.DOUBLE).reshape(1, N);
        INDArray y = Nd4j.create(DataType.DOUBLE, 1, N);
        INDArray dGate = Nd4j.create(DataType.DOUBLE, 1, N);
        INDArray dUp = Nd4j.create(DataType.DOUBLE, 1, N);
        INDArray sig = Nd4j.create(DataType.DOUBLE, 1, N);
        Activations.swigluForward(gate, up, y, sig);
        Activations.swigluBackward(gate, up, sig, dy, dGate, dUp);
        for (int i = 0; i < N; i++) {
            double g = gate.getDouble(0, i);
            double u = up.getDouble(0, i);
            double d = dy.getDouble(0, i);
            double s = 1 / (1 + Math.exp(-g));
            assertThat(y.getDouble(0, i)).isCloseTo(g * s * u, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(dUp.getDouble(0, i)).isCloseTo(d * g * s, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(dGate.getDouble(0, i)).isCloseTo(d * u * s * (1 + g * (1 - s)), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void geluTanhMatchesGpt2sFormulaAndItsDerivative() {
        INDArray u = inputs();
        INDArray dy = Nd4j.ones(DataType.DOUBLE, 1, N);
        INDArray y = Nd4j.create(DataType.DOUBLE, 1, N);
        INDArray du = Nd4j.create(DataType.DOUBLE, 1, N);
        INDArray s = Nd4j.create(DataType.DOUBLE, 1, N);
        Activations.geluTanhForward(u, y, s);
        Activations.geluTanhBackward(u, s, dy, du, new Buffers(DataType.DOUBLE));
        for (int i = 0; i < N; i++) {
            double x = u.getDouble(0, i);
            double h = 1e-6;
            assertThat(y.getDouble(0, i)).isCloseTo(gelu(x), org.assertj.core.data.Offset.offset(1e-12));
            assertThat(du.getDouble(0, i)).isCloseTo((gelu(x + h) - gelu(x - h)) / (2 * h), org.assertj.core.data.Offset.offset(1e-8));
        }
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
