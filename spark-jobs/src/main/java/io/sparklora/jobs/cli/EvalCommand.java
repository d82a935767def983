package io.sparklora.jobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparklora.core.text.ExampleEncoder;
import io.sparklora.core.text.RowBlocks;
import io.sparklora.core.text.TextExample;
import io.sparklora.core.text.TextTokenizer;
import io.sparklora.core.text.TokenizedExample;
import io.sparklora.core.text.TrainingRow;
import io.sparklora.core.train.Evaluation;
import io.sparklora.jobs.config.DataSection;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import static io.sparklora.jobs.cli.CliArgs.Option.flag;
import static io.sparklora.jobs.cli.CliArgs.Option.value;

/** {@code eval}: mean token loss and perplexity of a model (optionally with an adapter) over a local data file. */
final class EvalCommand {
    static final String USAGE = """
            usage: sparklora eval --model DIR [--adapter DIR] --data FILE [--format jsonl|text]
                                  [--text-column NAME | --prompt-column NAME --completion-column NAME]
                                  [--max-seq-len N] [--no-packing] [--block-examples N] [--max-rows N]
                                  [--batch-rows N] [--tokenizer FILE] [--json]

            Mean next-token loss (natural log) and perplexity over a local data file, computed in this JVM the way
            training evaluates: BOS/EOS added when the tokenizer has them, prompt tokens out of the loss, examples
            packed into rows of --max-seq-len tokens (data.packing: true) or one example per row (--no-packing), in
            blocks of --block-examples consecutive examples (data.block_examples).

              --model DIR              model directory (a base or a merged checkpoint)
              --adapter DIR            PEFT adapter trained on that model
              --data FILE              local data file
              --format F               jsonl (default: one JSON object per line) or text (one example per line)
              --text-column NAME       jsonl column of plain-text examples (default text)
              --prompt-column NAME     with --completion-column: prompt/completion examples; only the completion
              --completion-column NAME   (and EOS) count in the loss
              --max-seq-len N          tokens per row (default min(128, max_position_embeddings))
              --no-packing             one example per row, cut to --max-seq-len + 1 tokens, as data.packing: false
              --block-examples N       examples packed together, as data.block_examples (default 1024)
              --max-rows N             evaluate only the first N rows (default: all)
              --batch-rows N           rows per forward pass (default 8)
              --tokenizer FILE         tokenizer.json (default: the one in the model directory)
              --json                   print one JSON object instead of text
              --help                   this help

            Rows whose column is missing, null, not a string or empty are skipped and counted.""";

    static final int DEFAULT_MAX_SEQ_LEN = 128;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<CliArgs.Option> OPTIONS = List.of(value("--model", "path/to/model"),
            value("--adapter", "run/adapter"), value("--data", "data/valid.jsonl"), value("--format", "jsonl"),
            value("--text-column", "text"), value("--prompt-column", "prompt"),
            value("--completion-column", "completion"), value("--max-seq-len", "128"), value("--max-rows", "256"),
            value("--block-examples", "1024"),
            value("--batch-rows", "8"), value("--tokenizer", "path/to/tokenizer.json"), flag("--json"),
            flag("--no-packing"));

    private EvalCommand() {
    }

    /** Examples read from the data file and how many rows were skipped. */
    record Examples(List<TextExample> examples, int lines, int skipped) {
    }

    static int run(String[] args, PrintStream out) {
        if (CliArgs.wantsHelp(args, 1)) {
            out.println(USAGE);
            return SparkLoraMain.OK;
        }
        CliArgs a = CliArgs.parse("eval", args, 1, OPTIONS, 0);
        a.required("--model", "path/to/model");
        Path data = Path.of(a.required("--data", "data/valid.jsonl"));
        String format = a.choice("--format", "jsonl", List.of("jsonl", "text"));
        boolean promptCompletion = a.has("--prompt-column") || a.has("--completion-column");
        if (promptCompletion && !(a.has("--prompt-column") && a.has("--completion-column"))) {
            throw a.error("--prompt-column and --completion-column go together; give both, e.g. --prompt-column "
                    + "prompt --completion-column completion");
        }
        if (promptCompletion && a.has("--text-column")) {
            throw a.error("--text-column is for plain text; with --prompt-column/--completion-column leave it out");
        }
        if (format.equals("text") && (promptCompletion || a.has("--text-column"))) {
            throw a.error("--format text has no columns (one example per line); drop the column options or use "
                    + "--format jsonl");
        }
        int maxRows = a.intValue("--max-rows", Integer.MAX_VALUE, 1);
        int batchRows = a.intValue("--batch-rows", 8, 1);
        if (!Files.isRegularFile(data)) {
            throw a.error("--data " + data + (Files.isDirectory(data) ? " is a directory; give one data file"
                    : " does not exist"));
        }

        ModelInputs.Model model = ModelInputs.load(a, "eval measures next-token loss; for a classifier use "
                + "sparklora score (each row's label and probabilities), or train with validation data for its accuracy, "
                + "F1 and MCC");
        int maxPositions = model.base().config().maxPositions();
        int seqLen = a.intValue("--max-seq-len", Math.min(DEFAULT_MAX_SEQ_LEN, maxPositions), 1);
        int blockExamples = a.intValue("--block-examples", DataSection.DEFAULT_BLOCK_EXAMPLES, 1);
        if (seqLen > maxPositions) {
            throw a.error("--max-seq-len " + seqLen + " exceeds the model's max_position_embeddings " + maxPositions
                    + "; use --max-seq-len " + maxPositions + " or less");
        }
        Examples examples = format.equals("text") ? readText(data)
                : readJsonl(data, a.optional("--text-column").orElse("text"), a.optional("--prompt-column"),
                a.optional("--completion-column"));
        if (examples.examples().isEmpty()) {
            throw new CliException(SparkLoraMain.DATA_ERROR, "data error: " + data + " has no usable example ("
                    + examples.lines() + " lines, " + examples.skipped() + " skipped)" + columnHint(format, a));
        }

        Evaluation.Result result;
        List<TrainingRow> rows;
        try (TextTokenizer tok = ModelInputs.tokenizer(a, model.modelDir())) {
            ModelInputs.checkVocab(tok, model.base(), model.modelDir(), a);
            ExampleEncoder encoder = new ExampleEncoder(tok, tok.bosTokenId().isPresent(),
                    tok.eosTokenId().isPresent());
            // As training packs validation rows: each block of consecutive examples on its own (RowBlocks).
            rows = new ArrayList<>();
            List<TokenizedExample> block = new ArrayList<>();
            for (Iterator<TextExample> it = examples.examples().iterator(); it.hasNext(); ) {
                block.add(encoder.encode(it.next()));
                if (block.size() == blockExamples || !it.hasNext()) {
                    rows.addAll(RowBlocks.pack(List.of(), block, seqLen, !a.flag("--no-packing")).validation());
                    block.clear();
                }
            }
        }
        if (rows.isEmpty()) {
            throw new CliException(SparkLoraMain.DATA_ERROR, "data error: " + data + " gives no row with a token "
                    + "to predict; check the completion column");
        }
        if (rows.size() > maxRows) {
            rows = rows.subList(0, maxRows);
        }
        result = Evaluation.evaluate(model.graph(seqLen), rows, batchRows);

        if (a.flag("--json")) {
            ObjectNode n = JSON.createObjectNode();
            n.put("model", model.modelDir().toString());
            if (model.hasAdapter()) {
                n.put("adapter", model.adapterDir().toString());
            } else {
                n.putNull("adapter");
            }
            n.put("data", data.toString());
            n.put("examples", examples.examples().size());
            n.put("skipped_rows", examples.skipped());
            n.put("rows", rows.size());
            n.put("seq_len", seqLen);
            n.put("packing", !a.flag("--no-packing"));
            n.put("tokens", result.tokens());
            n.put("loss", result.meanLoss());
            n.put("perplexity", result.perplexity());
            out.println(n.toString());
        } else {
            out.println("model: " + model.describe());
            out.println("data: " + data + " (" + examples.examples().size() + " examples"
                    + (examples.skipped() > 0 ? ", " + examples.skipped() + " rows skipped" : "") + "; " + rows.size()
                    + " rows of " + seqLen + " tokens; " + result.tokens() + " tokens in the loss)");
            out.println(String.format(Locale.ROOT, "loss: %.6f", result.meanLoss()));
            out.println(String.format(Locale.ROOT, "perplexity: %.4f", result.perplexity()));
        }
        return SparkLoraMain.OK;
    }

    private static String columnHint(String format, CliArgs a) {
        if (format.equals("text")) {
            return "";
        }
        return a.has("--prompt-column") ? "; check --prompt-column and --completion-column"
                : "; check --text-column (default text) or use --prompt-column/--completion-column";
    }

    static Examples readText(Path file) {
        List<TextExample> out = new ArrayList<>();
        int lines = 0;
        int skipped = 0;
        try (BufferedReader r = reader(file)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines++;
                if (line.isBlank()) {
                    skipped++;
                } else {
                    out.add(TextExample.plain(line));
                }
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        return new Examples(out, lines, skipped);
    }

    static Examples readJsonl(Path file, String textColumn, java.util.Optional<String> promptColumn,
                              java.util.Optional<String> completionColumn) {
        List<TextExample> out = new ArrayList<>();
        int lines = 0;
        int skipped = 0;
        String firstKeys = null;
        try (BufferedReader r = reader(file)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new CliException(SparkLoraMain.DATA_ERROR, "data error: " + file + " line " + lines
                            + " is not valid JSON (" + e.getOriginalMessage() + "); --format jsonl needs one JSON "
                            + "object per line");
                }
                if (row == null || !row.isObject()) {
                    skipped++;
                    continue;
                }
                if (firstKeys == null) {
                    List<String> keys = new ArrayList<>();
                    row.fieldNames().forEachRemaining(keys::add);
                    firstKeys = keys.toString();
                }
                if (promptColumn.isPresent()) {
                    String prompt = text(row, promptColumn.get());
                    String completion = text(row, completionColumn.orElseThrow());
                    if (prompt == null || completion == null || completion.isEmpty()) {
                        skipped++;
                    } else {
                        out.add(new TextExample(prompt, completion));
                    }
                } else {
                    String text = text(row, textColumn);
                    if (text == null || text.isEmpty()) {
                        skipped++;
                    } else {
                        out.add(TextExample.plain(text));
                    }
                }
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        if (out.isEmpty() && firstKeys != null) {
            String wanted = promptColumn.map(p -> p + "\" and \"" + completionColumn.orElseThrow()).orElse(textColumn);
            throw new CliException(SparkLoraMain.DATA_ERROR, "data error: no row of " + file + " has a text in \""
                    + wanted + "\"; its first row has the columns " + firstKeys + " (choose with --text-column or "
                    + "--prompt-column/--completion-column)");
        }
        return new Examples(out, lines, skipped);
    }

    private static String text(JsonNode row, String column) {
        JsonNode v = row.get(column);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static BufferedReader reader(Path file) throws IOException {
        return new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)));
    }

    private static CliException unreadable(Path file, IOException e) {
        String why = e instanceof CharacterCodingException ? "it is not UTF-8 text" : e.getMessage();
        return new CliException(SparkLoraMain.DATA_ERROR, "data error: cannot read " + file + ": " + why);
    }
}
