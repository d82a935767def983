package io.sparklora.core.graph;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finite-difference checks of each SameDiff op (and op pattern) the graph relies on, in float64, so a wrong
 * backward pass in the library is caught at the op, not only in the whole model. (This is how gather's backward
 * pass in ND4J 1.0.0-M2.1 was found wrong: the graph uses gather only where no gradient flows through it.)
 */
class OpGradientCheckTest {

    static Stream<Arguments> ops() {
        return Stream.of(
                op("mmul transposeB", new long[] {3, 4}, (sd, x) -> sd.mmul(x, c(sd, 5, 4), false, true, false)),
                op("mmul plain", new long[] {3, 4}, (sd, x) -> sd.mmul(x, c(sd, 4, 5))),
                op("batched mmul transposeB", new long[] {2, 2, 3, 4}, (sd, x) -> sd.mmul(x, c(sd, 2, 2, 5, 4), false, true, false)),
                op("batched mmul", new long[] {2, 2, 3, 4}, (sd, x) -> sd.mmul(x, c(sd, 2, 2, 4, 5))),
                op("batched mmul, second arg", new long[] {2, 2, 4, 5}, (sd, x) -> sd.mmul(c(sd, 2, 2, 3, 4), x)),
                op("batched mmul transposeB, second arg", new long[] {2, 2, 5, 4}, (sd, x) -> sd.mmul(c(sd, 2, 2, 3, 4), x, false, true, false)),
                op("softmax last axis", new long[] {2, 2, 3, 4}, (sd, x) -> sd.nn.softmax(x, 3)),
                op("broadcast add [T,T]", new long[] {2, 2, 3, 3}, (sd, x) -> x.add(c(sd, 3, 3))),
                op("broadcast mul [T,D]", new long[] {2, 2, 3, 4}, (sd, x) -> x.mul(c(sd, 3, 4))),
                op("broadcast mul, small arg", new long[] {3, 4}, (sd, x) -> c(sd, 2, 2, 3, 4).mul(x)),
                op("permute reshape", new long[] {2, 3, 4}, (sd, x) -> x.reshape(2, 3, 2, 2).permute(0, 2, 1, 3).reshape(-1, 6)),
                op("unstack", new long[] {6, 4}, (sd, x) -> sd.unstack(x.reshape(2, 3, 4).permute(1, 0, 2), 0, 3)[1]),
                op("mean keepDims + rsqrt", new long[] {3, 4}, (sd, x) -> x.mul(sd.math.rsqrt(x.mul(x).mean(true, 1).add(1e-5)))),
                op("layer norm pattern", new long[] {3, 4}, (sd, x) -> {
                    SDVariable centered = x.sub(x.mean(true, 1));
                    return centered.mul(sd.math.rsqrt(centered.mul(centered).mean(true, 1).add(1e-5)));
                }),
                op("max keepDims shift", new long[] {3, 4}, (sd, x) -> x.sub(x.max(true, 1))),
                op("log sum exp", new long[] {3, 4}, (sd, x) -> sd.math.log(sd.math.exp(x).sum(false, 1))),
                op("one-hot product (embedding lookup)", new long[] {5, 3}, (sd, x) -> sd.mmul(oneHot(sd, 4, 5, 1, 4, 1, 0), x)),
                op("strided slice rows", new long[] {5, 3}, (sd, x) -> sd.stridedSlice(x, new long[] {0, 0}, new long[] {2, 3}, new long[] {1, 1})),
                op("tanh", new long[] {3, 4}, (sd, x) -> sd.math.tanh(x)),
                op("sigmoid", new long[] {3, 4}, (sd, x) -> sd.nn.sigmoid(x)),
                op("sum to scalar times weights", new long[] {4}, (sd, x) -> x.mul(c(sd, 4)).sum()));
    }

    private static Arguments op(String name, long[] shape, BiFunction<SameDiff, SDVariable, SDVariable> f) {
        return Arguments.of(name, shape, f);
    }

    private static int counter;

    private static SDVariable c(SameDiff sd, long... shape) {
        INDArray a = Nd4j.rand(DataType.DOUBLE, shape).subi(0.5);
        return sd.constant("c" + (counter++), a);
    }

    /** [rows, width] with a 1 at each listed column. */
    private static SDVariable oneHot(SameDiff sd, int rows, int width, int... columns) {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, rows, width);
        for (int i = 0; i < rows; i++) {
            a.putScalar(i, columns[i], 1.0);
        }
        return sd.constant("onehot" + (counter++), a);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradientMatchesFiniteDifferences(String name, long[] shape, BiFunction<SameDiff, SDVariable, SDVariable> f) {
        Nd4j.getRandom().setSeed(3);
        SameDiff sd = SameDiff.create();
        INDArray x0 = Nd4j.rand(DataType.DOUBLE, shape).subi(0.5);
        SDVariable x = sd.var("x", x0.dup());
        SDVariable y = f.apply(sd, x);
        INDArray r = Nd4j.rand(DataType.DOUBLE, y.eval().shape());
        SDVariable loss = y.mul(sd.constant("r", r)).sum("loss");
        sd.setLossVariables(loss);
        INDArray grad = sd.calculateGradients(Map.of(), "x").get("x").dup();
        double eps = 1e-6;
        Random rng = new Random(0);
        for (int s = 0; s < Math.min(12, x0.length()); s++) {
            long i = rng.nextInt((int) x0.length());
            INDArray arr = sd.getArrForVarName("x");
            double orig = arr.getDouble(i);
            arr.putScalar(i, orig + eps);
            double plus = sd.output(Map.of(), "loss").get("loss").getDouble(0);
            arr.putScalar(i, orig - eps);
            double minus = sd.output(Map.of(), "loss").get("loss").getDouble(0);
            arr.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * eps);
            assertThat(grad.getDouble(i)).as("%s: d loss / d x[%d]", name, i).isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-6 + 1e-5 * Math.abs(numeric)));
        }
    }
}
