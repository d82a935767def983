package io.sparklora.jobs.config;

/**
 * The base model to adapt.
 *
 * @param path      directory with config.json and the safetensors weights: any Hadoop URI or a local path
 * @param tokenizer tokenizer.json; null means {@code <path>/tokenizer.json}
 */
public record ModelSection(String path, String tokenizer) {
    public static final String DEFAULT_TOKENIZER_FILE = "tokenizer.json";

    public ModelSection {
        Checks.required("model.path", path);
        if (tokenizer == null) {
            tokenizer = Checks.normalizedPath(path) + "/" + DEFAULT_TOKENIZER_FILE;
        } else if (tokenizer.isBlank()) {
            throw JobConfigException.forKey("model.tokenizer", "must not be empty; leave it out to use <model.path>/"
                    + DEFAULT_TOKENIZER_FILE);
        }
    }
}
