package io.sparklora.core.train;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.text.TrainingRow;

import java.util.List;

/** Mean token loss and perplexity of a model over rows, dropout off. */
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
        Result total = new Result(0, 0);
        for (int start = 0; start < rows.size(); start += batchRows) {
            var batch = Batches.of(rows.subList(start, Math.min(rows.size(), start + batchRows)));
            total = total.plus(new Result(graph.lossSum(batch), batch.lossTokens()));
        }
        return total;
    }
}
