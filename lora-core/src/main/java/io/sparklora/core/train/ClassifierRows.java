package io.sparklora.core.train;

import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.text.ClassificationRow;

import java.util.List;

/**
 * A sequence classifier as a {@link RowEngine}: labelled examples padded to the engine's sequence length; the loss
 * is divided by rows (cross-entropy) or rows · num_labels (regression, multi-label), as Hugging Face's mean is.
 */
public record ClassifierRows(SequenceClassifier model) implements RowEngine<ClassificationRow> {
    @Override
    public ParameterLayout trainableLayout() {
        return model.trainableLayout();
    }

    @Override
    public void setTrainable(float[] theta) {
        model.setTrainable(theta);
    }

    @Override
    public StepOutput forwardBackward(List<ClassificationRow> rows, long dropoutSeed) {
        return model.forwardBackward(batch(rows, true), dropoutSeed);
    }

    @Override
    public Evaluation.Result evaluate(List<ClassificationRow> rows) {
        return new Evaluation.Result(model.lossSum(batch(rows, true)), model.lossCount(rows.size()));
    }

    /** Per row, the class probabilities or (regression) the predicted values; dropout off. */
    public double[][] predictions(List<ClassificationRow> rows) {
        return model.predictions(batch(rows, false));
    }

    private SequenceBatch batch(List<ClassificationRow> rows, boolean labelled) {
        return ClassificationRow.batch(rows, model.spec().seqLen(), model.encoder().padTokenId(), labelled);
    }
}
