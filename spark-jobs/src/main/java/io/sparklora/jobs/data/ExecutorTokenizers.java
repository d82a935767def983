package io.sparklora.jobs.data;

import io.sparklora.core.text.TextTokenizer;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One tokenizer per executor JVM and tokenizer.json location (the native tokenizer is thread-safe). */
public final class ExecutorTokenizers {
    private static final Map<String, TextTokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private ExecutorTokenizers() {
    }

    public static TextTokenizer get(String uri, Configuration conf) {
        return TOKENIZERS.computeIfAbsent(uri, u -> {
            Path path = new Path(u);
            try {
                if (!HadoopFiles.exists(path, conf)) {
                    throw new DataException("tokenizer " + u + " not found; put tokenizer.json beside the model or set model.tokenizer");
                }
                java.nio.file.Path local;
                if (HadoopFiles.isLocal(path, conf)) {
                    local = java.nio.file.Path.of(path.toUri().getPath());
                } else {
                    java.nio.file.Path dir = Files.createTempDirectory("sparklora-tokenizer");
                    HadoopFiles.copyToLocal(path, dir, conf);
                    local = dir.resolve(path.getName());
                }
                return TextTokenizer.load(local);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load tokenizer " + u + ": " + e.getMessage(), e);
            }
        });
    }
}
