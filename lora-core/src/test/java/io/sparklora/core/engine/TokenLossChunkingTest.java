package io.sparklora.core.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The loss in row chunks equals the loss in one piece: the summed loss, d(loss)/d(hidden) and the head's gradient,
 * with positions that have no target, for chunk budgets that give equal chunks and a shorter last one.
 */
class TokenLossChunkingTest {
    private static final int N = 16;
    private static final int H = 8;
    private static final int V = 37;

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library, whichever test runs first
    }

    @ParameterizedTest(name = "budget {0} logits")
    @ValueSource(longs = {V * 5, V * 7, V, 1})
    void chunkedLossAndGradientsEqualTheWholeComputation(long budget) {
        Random rng = new Random(11);
        INDArray hidden = Nd4j.randn(DataType.DOUBLE, N, H); // [N, H]
        INDArray head = Nd4j.randn(DataType.DOUBLE, V, H); // [V, H]
        int[] targets = new int[N];
        for (int i = 0; i < N; i++) {
            targets[i] = i % 5 == 3 ? TokenBatch.IGNORE : rng.nextInt(V);
        }
        int rows = TokenLoss.chunkRows(N, V, budget);
        assertThat((N + rows - 1) / rows).as("chunks").isGreaterThan(1);

        INDArray dHiddenWhole = Nd4j.create(DataType.DOUBLE, N, H);
        INDArray dHeadWhole = Nd4j.zeros(DataType.DOUBLE, V, H);
        double whole;
        try (Buffers buf = new Buffers(DataType.DOUBLE)) {
            whole = TokenLoss.apply(hidden, head, targets, dHiddenWhole, dHeadWhole, buf, (long) N * V);
        }
        INDArray dHidden = Nd4j.create(DataType.DOUBLE, N, H);
        INDArray dHead = Nd4j.zeros(DataType.DOUBLE, V, H);
        double chunked;
        try (Buffers buf = new Buffers(DataType.DOUBLE)) {
            chunked = TokenLoss.apply(hidden, head, targets, dHidden, dHead, buf, budget);
        }

        assertThat(chunked).isCloseTo(whole, within(1e-12));
        assertThat(dHidden.sub(dHiddenWhole).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(dHead.sub(dHeadWhole).amaxNumber().doubleValue()).isLessThan(1e-12);
        for (int i = 0; i < N; i++) {
            if (targets[i] == TokenBatch.IGNORE) {
                assertThat(dHidden.getRow(i).amaxNumber().doubleValue()).as("row %d has no target", i).isZero();
            }
        }
        assertThat(dHiddenWhole.amaxNumber().doubleValue()).as("a gradient to compare").isGreaterThan(1e-3);
    }
}
