package io.sparklora.core.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Pearson and Spearman against closed forms and hand-worked values, ties and constants included. */
class CorrelationMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void pearsonOfLinesAndOfAHandWorkedCase() {
        assertThat(PearsonCorrelation.of(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 6, 8, 10})).isEqualTo(1.0);
        assertThat(PearsonCorrelation.of(new double[] {1, 2, 3, 4, 5}, new double[] {5, 4, 3, 2, 1})).isEqualTo(-1.0);
        // x - mean [-1, 0, 1], y - mean [-1, 1, 0]: 1 / sqrt(2·2)
        assertThat(PearsonCorrelation.of(new double[] {1, 2, 3}, new double[] {1, 3, 2})).isCloseTo(0.5, within(EPS));
        // shifting and scaling either side changes nothing
        assertThat(PearsonCorrelation.of(new double[] {10, 20, 30}, new double[] {-7, -1, -4})).isCloseTo(0.5, within(EPS));
    }

    @Test
    void spearmanUsesAverageRanksForTies() {
        assertThat(SpearmanCorrelation.averageRanks(new double[] {10, 20, 20, 5})).containsExactly(2, 3.5, 3.5, 1);
        assertThat(SpearmanCorrelation.averageRanks(new double[] {3, 3, 3})).containsExactly(2, 2, 2);
        // ranks x [1, 2.5, 2.5, 4], y [1, 2, 3, 4]: 4.5 / sqrt(4.5·5) = sqrt(0.9), as scipy.stats.spearmanr gives
        assertThat(SpearmanCorrelation.of(new double[] {1, 2, 2, 3}, new double[] {1, 2, 3, 4}))
                .isCloseTo(Math.sqrt(0.9), within(EPS));
        // any monotone relation is 1, where Pearson is not
        double[] x = {1, 2, 3, 4};
        double[] cubes = {1, 8, 27, 64};
        assertThat(SpearmanCorrelation.of(x, cubes)).isEqualTo(1.0);
        assertThat(PearsonCorrelation.of(x, cubes)).isLessThan(0.99);
        // rank order reversed: -1
        assertThat(SpearmanCorrelation.of(x, new double[] {0.4, 0.3, 0.2, 0.1})).isEqualTo(-1.0);
    }

    @Test
    void aConstantSideIsUndefined() {
        assertThat(PearsonCorrelation.of(new double[] {1, 2, 3}, new double[] {4, 4, 4})).isNaN();
        assertThat(SpearmanCorrelation.of(new double[] {2, 2, 2}, new double[] {1, 2, 3})).isNaN();
    }

    @Test
    void badInputsNameWhatIsWrong() {
        assertThatThrownBy(() -> PearsonCorrelation.of(new double[] {1, 2}, new double[] {1}))
                .hasMessage("x has 2 values but y has 1; give one per example");
        assertThatThrownBy(() -> SpearmanCorrelation.of(new double[] {1}, new double[] {1}))
                .hasMessage("a correlation needs at least 2 pairs, got 1");
        assertThatThrownBy(() -> PearsonCorrelation.of(new double[] {1, Double.NaN}, new double[] {1, 2}))
                .hasMessage("x[1] = NaN is not a finite number");
    }
}
