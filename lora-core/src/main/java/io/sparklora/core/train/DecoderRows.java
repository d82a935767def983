package io.sparklora.core.train;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.text.TrainingRow;

import java.util.List;

/** A decoder as a {@link RowEngine}: token rows, loss summed over their target tokens. */
public record DecoderRows(CausalLm graph) implements RowEngine<TrainingRow> {
    @Override
    public ParameterLayout trainableLayout() {
        return graph.trainableLayout();
    }

    @Override
    public void setTrainable(float[] theta) {
        graph.setTrainable(theta);
    }

    @Override
    public StepOutput forwardBackward(List<TrainingRow> rows, long dropoutSeed) {
        return graph.forwardBackward(Batches.of(rows), dropoutSeed);
    }

    @Override
    public Evaluation.Result evaluate(List<TrainingRow> rows) {
        var batch = Batches.of(rows);
        return new Evaluation.Result(graph.lossSum(batch), batch.lossTokens());
    }
}
