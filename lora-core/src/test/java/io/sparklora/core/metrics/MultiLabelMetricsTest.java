package io.sparklora.core.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Subset accuracy, micro- and macro-F1 of label-indicator rows against values worked out by hand, as scikit-learn defines them. */
class MultiLabelMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void subsetAccuracyMicroAndMacroF1() {
        // true [1,0,1] [0,1,0] [1,1,0], predicted [1,0,0] [0,1,0] [1,0,1]:
        // label 0: tp 2 -> F1 1; label 1: tp 1, fn 1 -> 2/3; label 2: fp 1, fn 1 -> 0
        // micro: tp 3, fp 1, fn 2 -> 6/9; macro (1 + 2/3 + 0)/3 = 5/9; one row of three exactly right
        double[] labels = {1, 0, 1, 0, 1, 0, 1, 1, 0};
        double[] predicted = {1, 0, 0, 0, 1, 0, 1, 0, 1};
        MultiLabelMetrics m = MultiLabelMetrics.of(labels, predicted, 3);
        assertThat(m.subsetAccuracy()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(m.microF1()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.macroF1()).isCloseTo(5.0 / 9, within(EPS));
        assertThat(m.labelF1(1)).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.support(0)).isEqualTo(2);
        assertThat(m.support(2)).isEqualTo(1);
    }

    @Test
    void aLabelAbsentFromBothSidesScoresZeroInTheMacroMean() {
        // the rows above with a fourth label no row has or predicts: its F1 is 0 (scikit-learn's zero_division
        // default) and it stays in the mean: (1 + 2/3 + 0 + 0)/4; micro-F1 and subset accuracy do not change
        double[] labels = {1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0};
        double[] predicted = {1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0};
        MultiLabelMetrics m = MultiLabelMetrics.of(labels, predicted, 4);
        assertThat(m.macroF1()).isCloseTo(5.0 / 12, within(EPS));
        assertThat(m.microF1()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.subsetAccuracy()).isCloseTo(1.0 / 3, within(EPS));
        // nothing true and nothing predicted: every set exactly right, both F1 0
        MultiLabelMetrics empty = MultiLabelMetrics.of(new double[4], new double[4], 2);
        assertThat(empty.subsetAccuracy()).isEqualTo(1.0);
        assertThat(empty.microF1()).isEqualTo(0.0);
        assertThat(empty.macroF1()).isEqualTo(0.0);
    }

    @Test
    void refusesShapesAndValuesThatAreNotIndicatorRows() {
        assertThatThrownBy(() -> MultiLabelMetrics.of(new double[] {1, 0, 1}, new double[] {1, 0, 1}, 2))
                .hasMessageContaining("numLabels = 2 indicators per row");
        assertThatThrownBy(() -> MultiLabelMetrics.of(new double[] {1, 0.5}, new double[] {1, 0}, 2))
                .hasMessageContaining("labels[1] = 0.5 is not a 0/1 label indicator");
        assertThatThrownBy(() -> MultiLabelMetrics.of(new double[0], new double[0], 2)).hasMessageContaining("empty");
    }
}
