package io.sparklora.core.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.engine.SequenceBatch;
import io.sparklora.core.model.EncoderConfig;
import io.sparklora.core.model.ModelConfig;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ProblemType;
import io.sparklora.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Sentence pairs through a WordPiece tokenizer.json (BERT's, written here with the format's fields: BertNormalizer,
 * BertPreTokenizer, WordPiece model) and a byte-level BPE one (RoBERTa's special tokens), both loaded by the native
 * Hugging Face tokenizers library.
 */
class SentencePairEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> WORDPIECE = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "##s", "play", ".");

    @TempDir
    Path dir;

    private Path wordPieceTokenizer() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < 5; i++) {
            ObjectNode t = added.addObject();
            t.put("id", i).put("content", WORDPIECE.get(i)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true)
                .put("handle_chinese_chars", true).putNull("strip_accents").put("lowercase", true);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < WORDPIECE.size(); i++) {
            vocab.put(WORDPIECE.get(i), i);
        }
        Path file = dir.resolve("bert-tokenizer.json");
        Files.writeString(file, root.toPrettyString());
        return file;
    }

    private static int id(String token) {
        return WORDPIECE.indexOf(token);
    }

    @Test
    void bertPairIsClsASepBSepWithTokenTypes() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(wordPieceTokenizer())) {
            SentencePairEncoder enc = new SentencePairEncoder(tok, TinyModels.bert());
            SentencePairEncoder.Encoded e = enc.encode("The cat sat.", "Dogs play", 32);
            assertThat(e.ids()).containsExactly(id("[CLS]"), id("the"), id("cat"), id("sat"), id("."), id("[SEP]"),
                    id("dog"), id("##s"), id("play"), id("[SEP]"));
            assertThat(e.tokenTypes()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1);

            SentencePairEncoder.Encoded single = enc.encode("a mat", null, 32);
            assertThat(single.ids()).containsExactly(id("[CLS]"), id("a"), id("mat"), id("[SEP]"));

            SequenceBatch batch = enc.batch(List.of(e, single), 12, new double[] {1, 0});
            assertThat(batch.attentionMask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0,
                    1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
            assertThat(batch.tokens()[16]).isEqualTo(id("[PAD]"));
        }
    }

    @Test
    void truncatesTheLongerTextFirst() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(wordPieceTokenizer())) {
            SentencePairEncoder enc = new SentencePairEncoder(tok, TinyModels.bert());
            // a: 6 tokens, b: 2 tokens; budget 8 − 3 = 5 → a keeps 3, b keeps 2
            SentencePairEncoder.Encoded e = enc.encode("the cat sat on the mat", "dog ran", 8);
            assertThat(e.ids()).containsExactly(id("[CLS]"), id("the"), id("cat"), id("sat"), id("[SEP]"),
                    id("dog"), id("ran"), id("[SEP]"));
            // a tie is cut from the second text
            SentencePairEncoder.Encoded tie = enc.encode("the cat", "dog ran", 6);
            assertThat(tie.ids()).containsExactly(id("[CLS]"), id("the"), id("cat"), id("[SEP]"), id("dog"), id("[SEP]"));
            assertThatThrownBy(() -> enc.encode("the", "dog", 4)).hasMessageContaining("leaves no room");
        }
    }

    @Test
    void robertaPairIsSASSSBSWithoutTokenTypes() throws IOException {
        Path file = dir.resolve("roberta-tokenizer.json");
        Files.writeString(file, TokenizerBuilder.characterLevel(List.of("the cat sat"), 10,
                List.of("<s>", "<pad>", "</s>", "<unk>")));
        ModelConfig roberta = ModelConfig.encoder(ModelFamily.ROBERTA, "roberta", 300, 16, 1, 4, 24, 40, 1e-5,
                new EncoderConfig(1, 1, List.of("x", "y"), ProblemType.SINGLE_LABEL, 0.02));
        try (TextTokenizer tok = TextTokenizer.load(file)) {
            SentencePairEncoder enc = new SentencePairEncoder(tok, roberta);
            int[] a = tok.encode("the cat");
            int[] b = tok.encode(" sat");
            SentencePairEncoder.Encoded e = enc.encode("the cat", " sat", 64);
            int[] expected = new int[a.length + b.length + 4];
            int k = 0;
            expected[k++] = 0;
            for (int v : a) {
                expected[k++] = v;
            }
            expected[k++] = 2;
            expected[k++] = 2;
            for (int v : b) {
                expected[k++] = v;
            }
            expected[k] = 2;
            assertThat(e.ids()).containsExactly(expected);
            assertThat(e.tokenTypes()).containsOnly(0);
            assertThat(tok.decode(e.ids())).isEqualTo("the cat sat");
        }
    }

    @Test
    void refusesATokenizerThatDoesNotFitTheModel() throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(wordPieceTokenizer())) {
            assertThatThrownBy(() -> new SentencePairEncoder(tok, TinyModels.roberta()))
                    .hasMessageContaining("the tokenizer has no <s> token");
        }
    }
}
