package io.sparklora.core.train;

import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.lora.ParameterLayout;

import java.util.List;

/**
 * What a trainer needs of an engine, whatever its rows are: θ in and out, one step's loss sum and gradient over a
 * micro-batch of rows, and an evaluation pass. A decoder ({@link DecoderRows}, token rows) and a sequence classifier
 * ({@link ClassifierRows}, labelled examples) both satisfy it, so the round, the driver step and the single-JVM
 * trainer are one code path for both.
 *
 * @param <R> the rows the engine reads
 */
public interface RowEngine<R> {
    ParameterLayout trainableLayout();

    void setTrainable(float[] theta);

    /** Loss sum, its divisor and the gradient of θ over these rows (one micro-batch). */
    StepOutput forwardBackward(List<R> rows, long dropoutSeed);

    /** Loss sum and its divisor over these rows, dropout off. */
    Evaluation.Result evaluate(List<R> rows);
}
