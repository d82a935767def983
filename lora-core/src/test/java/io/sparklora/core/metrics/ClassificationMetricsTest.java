package io.sparklora.core.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Accuracy, macro-F1, Matthews correlation and the confusion matrix against values worked out by hand (the
 * computation is written beside each), including the degenerate cases scikit-learn defines.
 */
class ClassificationMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void confusionMatrixCountsEachPairAndAddsUp() {
        ConfusionMatrix m = ConfusionMatrix.of(new int[] {0, 1, 2, 2, 1}, new int[] {0, 2, 2, 1, 1}, 3);
        assertThat(m.toArray()).isDeepEqualTo(new long[][] {{1, 0, 0}, {0, 1, 1}, {0, 1, 1}});
        assertThat(m.correct()).isEqualTo(3);
        assertThat(m.total()).isEqualTo(5);
        assertThat(m.trueCount(2)).isEqualTo(2);
        assertThat(m.predictedCount(0)).isEqualTo(1);
        ConfusionMatrix whole = ConfusionMatrix.of(new int[] {0, 1, 2, 2, 1, 0}, new int[] {0, 2, 2, 1, 1, 1}, 3);
        assertThat(m.plus(ConfusionMatrix.of(new int[] {0}, new int[] {1}, 3))).isEqualTo(whole);
    }

    @Test
    void accuracyIsTheShareOfTheDiagonal() {
        assertThat(Accuracy.of(new int[] {0, 1, 2, 2}, new int[] {0, 2, 2, 1}, 3)).isEqualTo(0.5);
        assertThat(Accuracy.of(new int[] {1, 1}, new int[] {1, 1}, 2)).isEqualTo(1.0);
    }

    @Test
    void macroF1AveragesOverOccurringClassesAndANeverPredictedClassCountsAsZero() {
        // true [0,0,1,1,2,2], predicted [0,0,1,0,1,1]:
        // class 0: tp 2, fp 1, fn 0 -> 4/5; class 1: tp 1, fp 2, fn 1 -> 2/5; class 2 (never predicted): tp 0 -> 0
        int[] labels = {0, 0, 1, 1, 2, 2};
        int[] predictions = {0, 0, 1, 0, 1, 1};
        assertThat(MacroF1.of(labels, predictions, 3)).isCloseTo((0.8 + 0.4 + 0.0) / 3, within(EPS));
        // a fourth class occurring in neither is left out of the mean, as scikit-learn's labels=None does
        assertThat(MacroF1.of(labels, predictions, 4)).isCloseTo(0.4, within(EPS));
        assertThat(MacroF1.of(labels, labels, 3)).isEqualTo(1.0);
        // a class only predicted (never true): tp 0, fp 1 -> F1 0; class 0: tp 1, fn 1 -> 2/3
        assertThat(MacroF1.of(new int[] {0, 0}, new int[] {0, 1}, 2)).isCloseTo((2.0 / 3 + 0) / 2, within(EPS));
    }

    @Test
    void matthewsCorrelationBinaryAndMultiClass() {
        // scikit-learn's documented example: tp 2, fn 1, fp 1, tn 0 -> (0 - 1) / sqrt(3·3·1·1) = -1/3
        assertThat(MatthewsCorrelation.of(new int[] {1, 1, 1, 0}, new int[] {1, 0, 1, 1}, 2))
                .isCloseTo(-1.0 / 3, within(EPS));
        // tp 2, fn 1, fp 1, tn 2 -> (4 - 1) / sqrt(3·3·3·3) = 1/3
        assertThat(MatthewsCorrelation.of(new int[] {1, 1, 1, 0, 0, 0}, new int[] {1, 0, 1, 0, 0, 1}, 2))
                .isCloseTo(1.0 / 3, within(EPS));
        // three classes: t = p = [2,2,2], c = 4, s = 6 -> (4·6 - 12) / sqrt((36 - 12)(36 - 12)) = 12/24
        assertThat(MatthewsCorrelation.of(new int[] {0, 1, 2, 0, 1, 2}, new int[] {0, 1, 1, 0, 2, 2}, 3))
                .isCloseTo(0.5, within(EPS));
        assertThat(MatthewsCorrelation.of(new int[] {0, 1, 2, 1}, new int[] {0, 1, 2, 1}, 3)).isEqualTo(1.0);
        assertThat(MatthewsCorrelation.of(new int[] {0, 1, 1, 0}, new int[] {1, 0, 0, 1}, 2)).isEqualTo(-1.0);
    }

    @Test
    void aConstantPredictorOrAConstantLabelHasMatthewsCorrelationZero() {
        assertThat(MatthewsCorrelation.of(new int[] {0, 1, 2, 1, 0}, new int[] {1, 1, 1, 1, 1}, 3)).isEqualTo(0.0);
        assertThat(MatthewsCorrelation.of(new int[] {1, 1, 1}, new int[] {0, 1, 2}, 3)).isEqualTo(0.0);
    }

    @Test
    void badInputsNameWhatIsWrong() {
        assertThatThrownBy(() -> Accuracy.of(new int[] {0, 1}, new int[] {0}, 2))
                .hasMessage("labels has 2 values but predictions has 1; give one per example");
        assertThatThrownBy(() -> MacroF1.of(new int[0], new int[0], 2))
                .hasMessage("labels and predictions are empty; a metric needs examples");
        assertThatThrownBy(() -> MatthewsCorrelation.of(new int[] {0, 3}, new int[] {0, 1}, 3))
                .hasMessage("labels[1] = 3 is not a class in [0, 3)");
        assertThatThrownBy(() -> ConfusionMatrix.of(new int[] {0}, new int[] {-1}, 2))
                .hasMessage("predictions[0] = -1 is not a class in [0, 2)");
        assertThatThrownBy(() -> ConfusionMatrix.empty(2).plus(ConfusionMatrix.empty(3)))
                .hasMessageContaining("cannot add a 3-class confusion matrix to a 2-class one");
        assertThatThrownBy(() -> Accuracy.of(ConfusionMatrix.empty(2))).hasMessageContaining("no examples");
    }
}
