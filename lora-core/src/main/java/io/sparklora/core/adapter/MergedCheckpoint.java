package io.sparklora.core.adapter;

import io.sparklora.core.lora.LoraMerge;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelWriter;
import io.sparklora.core.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes base + adapter as one plain Hugging Face checkpoint (W0 + s·B·A in the base's own layout), with the base's
 * tokenizer files beside it, so any loader that reads the base reads the merged model.
 */
public final class MergedCheckpoint {
    /** Files of a Hugging Face model directory that travel with the weights. */
    static final List<String> COMPANION_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json");

    private MergedCheckpoint() {
    }

    public static BaseModel write(BaseModel base, Path baseDir, PeftAdapter adapter, LoraPlan plan, Path outDir,
                                  DType dtype) throws IOException {
        BaseModel merged = LoraMerge.merge(base, plan, adapter.thetaFor(plan));
        BaseModelWriter.write(merged, outDir, dtype, Map.of("sparklora.merged_from", base.fingerprint()));
        for (String name : COMPANION_FILES) {
            Path source = baseDir.resolve(name);
            if (Files.isRegularFile(source)) {
                Files.copy(source, outDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return merged;
    }
}
