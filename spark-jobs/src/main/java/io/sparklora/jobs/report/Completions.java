package io.sparklora.jobs.report;

import io.sparklora.core.infer.Generator;
import io.sparklora.core.infer.NextTokenModel;
import io.sparklora.core.infer.SamplingConfig;
import io.sparklora.core.text.TextTokenizer;

import java.util.Optional;

/**
 * Greedy completion of a {@link ReportExample}'s prompt, encoded as training encodes it (BOS when the job adds one,
 * then the prompt's tokens). Generation stops at EOS or after the reference's token count plus {@link #SLACK}
 * tokens, and is decoded without special tokens.
 */
public final class Completions {
    /** Tokens allowed beyond the reference's length, so a longer answer shows as such. */
    public static final int SLACK = 4;

    private final TextTokenizer tokenizer;
    private final boolean addBos;

    public Completions(TextTokenizer tokenizer, boolean addBos) {
        this.tokenizer = tokenizer;
        this.addBos = addBos && tokenizer.bosTokenId().isPresent();
    }

    /** The prompt's token ids; empty when the prompt gives no tokens (nothing to continue from). */
    public int[] promptIds(ReportExample ex) {
        int[] prompt = tokenizer.encode(ex.prompt());
        if (!addBos) {
            return prompt;
        }
        int[] ids = new int[prompt.length + 1];
        ids[0] = tokenizer.bosTokenId().getAsInt();
        System.arraycopy(prompt, 0, ids, 1, prompt.length);
        return ids;
    }

    public int maxNewTokens(ReportExample ex) {
        return tokenizer.encode(ex.reference()).length + SLACK;
    }

    /** The decoded greedy completion, or empty when the prompt has no tokens. */
    public Optional<String> complete(NextTokenModel model, int maxContext, ReportExample ex) {
        int[] prompt = promptIds(ex);
        if (prompt.length == 0) {
            return Optional.empty();
        }
        int[] generated = new Generator(model.limitedTo(tokenizer.vocabSize()), maxContext)
                .generate(prompt, SamplingConfig.greedy(maxNewTokens(ex)), tokenizer.eosTokenId());
        return Optional.of(tokenizer.decode(generated));
    }
}
