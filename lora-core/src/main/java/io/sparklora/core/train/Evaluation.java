package io.sparklora.core.train;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.text.TrainingRow;

import java.util.List;

/** Mean loss (per token for a decoder, per example or label for a classifier) and perplexity, dropout off. */
public final class Evaluation {
    private Evaluation() {
    }

    public record Result(double lossSum, long tokens) implements java.io.Serializable {
        public double meanLoss() {
            return tokens == 0 ? Double.NaN : lossSum / tokens;
        }

        public double perplexity() {
            return Math.exp(meanLoss());
        }

        public Result plus(Result o) {
            return new Result(lossSum + o.lossSum, tokens + o.tokens);
        }
    }

    public static Result evaluate(CausalLm graph, List<TrainingRow> rows, int batchRows) {
        return evaluate(new DecoderRows(graph), rows, batchRows);
    }

    /** The loss sum and its divisor over rows, in batches of {@code batchRows}. */
    public static <R> Result evaluate(RowEngine<R> engine, List<R> rows, int batchRows) {
        Result total = new Result(0, 0);
        for (int start = 0; start < rows.size(); start += batchRows) {
            total = total.plus(engine.evaluate(rows.subList(start, Math.min(rows.size(), start + batchRows))));
        }
        return total;
    }
}
