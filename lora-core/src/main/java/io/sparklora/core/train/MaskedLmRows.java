package io.sparklora.core.train;

import io.sparklora.core.engine.MaskedLm;
import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.text.SentencePairEncoder;

import java.util.Arrays;
import java.util.List;

/**
 * Masked-language pretraining as a {@link RowEngine}: encoder rows ([CLS] a [SEP] ...) masked afresh every step from
 * the step's seed (dynamic masking, as RoBERTa does; each row's draw is a function of the seed and its place in the
 * micro-batch), padded to the engine's sequence length. Evaluation masks with a fixed seed, so its loss is comparable
 * across rounds.
 */
public record MaskedLmRows(MaskedLm model, MlmMasking masking, int padId) implements RowEngine<SentencePairEncoder.Encoded> {
    static final long EVALUATION_SEED = 0x6D6C6DL;

    @Override
    public ParameterLayout trainableLayout() {
        return model.trainableLayout();
    }

    @Override
    public void setTrainable(float[] theta) {
        model.setTrainable(theta);
    }

    @Override
    public StepOutput forwardBackward(List<SentencePairEncoder.Encoded> rows, long seed) {
        int[][] masked = mask(rows, seed);
        return model.forwardBackward(batch(rows, masked[0]), masked[1]);
    }

    @Override
    public Evaluation.Result evaluate(List<SentencePairEncoder.Encoded> rows) {
        int[][] masked = mask(rows, EVALUATION_SEED);
        long count = Arrays.stream(masked[1]).filter(t -> t != io.sparklora.core.engine.TokenBatch.IGNORE).count();
        return new Evaluation.Result(model.lossSum(batch(rows, masked[0]), masked[1]), count);
    }

    /** {masked input ids, targets}, each [rows·T]. */
    private int[][] mask(List<SentencePairEncoder.Encoded> rows, long seed) {
        int t = model.spec().seqLen();
        int[] input = new int[rows.size() * t];
        int[] targets = new int[input.length];
        for (int r = 0; r < rows.size(); r++) {
            SentencePairEncoder.Encoded e = rows.get(r);
            if (e.length() > t) {
                throw new IllegalArgumentException("row " + r + " has " + e.length() + " tokens, more than the engine's " + t);
            }
            int[] padded = Arrays.copyOf(e.ids(), t);
            Arrays.fill(padded, e.length(), t, padId);
            MlmMasking.Masked m = masking.mask(padded, e.length(), Seeds.mix(seed, r));
            System.arraycopy(m.input(), 0, input, r * t, t);
            System.arraycopy(m.targets(), 0, targets, r * t, t);
        }
        return new int[][] {input, targets};
    }

    private SequenceBatch batch(List<SentencePairEncoder.Encoded> rows, int[] ids) {
        int t = model.spec().seqLen();
        int[] types = new int[ids.length];
        int[] attention = new int[ids.length];
        for (int r = 0; r < rows.size(); r++) {
            SentencePairEncoder.Encoded e = rows.get(r);
            System.arraycopy(e.tokenTypes(), 0, types, r * t, e.length());
            Arrays.fill(attention, r * t, r * t + e.length(), 1);
        }
        return SequenceBatch.unlabelled(rows.size(), t, ids, types, attention);
    }
}
