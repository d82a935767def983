package io.sparklora.core.text;

import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * An encoder's input rows from one text or a sentence pair, as Hugging Face's tokenizers build them: BERT and
 * DeBERTa-v2/v3 {@code [CLS] a [SEP] b [SEP]} with token types 0 for the first segment and 1 for the second (a
 * DeBERTa without token types ignores them); RoBERTa / XLM-R
 * {@code <s> a </s></s> b </s>}, all types 0. Too long a row is cut as "longest_first" does: one token at a time
 * from the end of the longer text (of the second on a tie) until the row fits.
 */
public final class SentencePairEncoder {
    private final TextTokenizer tokenizer;
    private final boolean bert;
    private final String familyName;
    private final int cls;
    private final int sep;
    private final int pad;

    /** One row: ids and token types, without padding. */
    public record Encoded(int[] ids, int[] tokenTypes) {
        public int length() {
            return ids.length;
        }
    }

    /**
     * @param config the encoder's configuration: its family gives the template, pad_token_id the padding
     * @throws IllegalArgumentException when the tokenizer lacks the template's special tokens or its padding token
     *                                  is not the model's pad_token_id
     */
    public SentencePairEncoder(TextTokenizer tokenizer, ModelConfig config) {
        this(tokenizer, config.family(), config.encoderConfig().padTokenId());
    }

    /**
     * What the rows need of the model: its family (the template) and its pad_token_id.
     *
     * @throws IllegalArgumentException as {@link #SentencePairEncoder(TextTokenizer, ModelConfig)}
     */
    public SentencePairEncoder(TextTokenizer tokenizer, ModelFamily family, int padTokenId) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.bert = family != ModelFamily.ROBERTA; // BERT's template: BERT and DeBERTa
        this.familyName = switch (family) {
            case ROBERTA -> "RoBERTa";
            case DEBERTA_V2 -> "DeBERTa";
            default -> "BERT";
        };
        if (!family.isEncoder()) {
            throw new IllegalArgumentException(family + " is a decoder: sentence pairs are for encoders");
        }
        this.cls = special(bert ? "[CLS]" : "<s>");
        this.sep = special(bert ? "[SEP]" : "</s>");
        int tokenizerPad = special(bert ? "[PAD]" : "<pad>");
        this.pad = padTokenId;
        if (tokenizerPad != pad) {
            throw new IllegalArgumentException("the tokenizer's padding token has id " + tokenizerPad + " but the model's "
                    + "pad_token_id is " + pad + "; the tokenizer does not belong to this model");
        }
    }

    private int special(String token) {
        OptionalInt id = tokenizer.tokenId(token);
        if (id.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer has no " + token + " token, which a " + familyName
                    + " input row needs; use the model's own tokenizer.json");
        }
        return id.getAsInt();
    }

    /** The special tokens a row holds beside its texts: 2 for one text, 3 (BERT) or 4 (RoBERTa) for a pair. */
    public int specialTokens(boolean pair) {
        return pair ? (bert ? 3 : 4) : 2;
    }

    /**
     * @param second null for a single text
     * @param maxLength the longest row, special tokens included
     */
    public Encoded encode(String first, String second, int maxLength) {
        int[] a = tokenizer.encode(Objects.requireNonNull(first, "first"));
        int[] b = second == null ? null : tokenizer.encode(second);
        int budget = maxLength - specialTokens(b != null);
        if (budget < (b == null ? 1 : 2)) {
            throw new IllegalArgumentException("max length " + maxLength + " leaves no room for the text beside "
                    + specialTokens(b != null) + " special tokens");
        }
        int na = a.length;
        int nb = b == null ? 0 : b.length;
        while (na + nb > budget) { // longest_first
            if (na > nb) {
                na--;
            } else {
                nb--;
            }
        }
        int n = na + nb + specialTokens(b != null);
        int[] ids = new int[n];
        int[] types = new int[n];
        int k = 0;
        ids[k++] = cls;
        for (int i = 0; i < na; i++) {
            ids[k++] = a[i];
        }
        ids[k++] = sep;
        if (b != null) {
            if (!bert) {
                ids[k++] = sep; // RoBERTa's pair separator is </s></s>
            }
            int secondStart = k;
            for (int i = 0; i < nb; i++) {
                ids[k++] = b[i];
            }
            ids[k++] = sep;
            if (bert) {
                Arrays.fill(types, secondStart, n, 1);
            }
        }
        return new Encoded(ids, types);
    }

    /**
     * Rows padded on the right to {@code seqLen} with the model's padding id and attention mask 0.
     *
     * @param labels as {@link SequenceBatch} takes them, or null for scoring
     */
    public SequenceBatch batch(List<Encoded> rows, int seqLen, double[] labels) {
        int[] ids = new int[rows.size() * seqLen];
        int[] types = new int[ids.length];
        int[] mask = new int[ids.length];
        Arrays.fill(ids, pad);
        for (int r = 0; r < rows.size(); r++) {
            Encoded e = rows.get(r);
            if (e.length() > seqLen) {
                throw new IllegalArgumentException("row " + r + " has " + e.length() + " tokens, more than the batch's "
                        + seqLen + "; encode with maxLength <= " + seqLen);
            }
            System.arraycopy(e.ids(), 0, ids, r * seqLen, e.length());
            System.arraycopy(e.tokenTypes(), 0, types, r * seqLen, e.length());
            Arrays.fill(mask, r * seqLen, r * seqLen + e.length(), 1);
        }
        return new SequenceBatch(rows.size(), seqLen, ids, types, mask, labels);
    }
}
