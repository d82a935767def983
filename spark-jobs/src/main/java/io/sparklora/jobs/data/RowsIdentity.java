package io.sparklora.jobs.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a run's training rows are, for checking that a resumed run trains on the rows it started with: the usable
 * examples of data.path, the training rows packed from them, the packing block size and the SHA-256 fingerprint of
 * the rows' token ids and targets ({@link io.sparklora.core.text.RowsFingerprint}), and the snapshots of the sources
 * they came from ({@link SourceSnapshot}, "training" and "validation"), which a resumed run reads again. Recorded in
 * every checkpoint.
 */
public record RowsIdentity(long examples, long trainingRows, int blockExamples, String fingerprint,
                           Map<String, Object> sources) {
    public RowsIdentity {
        sources = sources == null ? Map.of() : sources;
    }

    public RowsIdentity(long examples, long trainingRows, int blockExamples, String fingerprint) {
        this(examples, trainingRows, blockExamples, fingerprint, Map.of());
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", examples);
        m.put("training_rows", trainingRows);
        m.put("block_examples", blockExamples);
        m.put("training_rows_fingerprint", fingerprint);
        if (!sources.isEmpty()) {
            m.put("sources", sources);
        }
        return m;
    }

    /** Empty for a checkpoint written before checkpoints recorded their rows. */
    public static Optional<RowsIdentity> fromMap(Object value) {
        if (!(value instanceof Map<?, ?> m) || !(m.get("training_rows_fingerprint") instanceof String fp)) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> sources = m.get("sources") instanceof Map<?, ?> s ? (Map<String, Object>) s : Map.of();
        return Optional.of(new RowsIdentity(((Number) m.get("examples")).longValue(),
                ((Number) m.get("training_rows")).longValue(), ((Number) m.get("block_examples")).intValue(), fp,
                sources));
    }

    /** What differs from {@code recorded}, e.g. "examples 48 now, 50 in the checkpoint"; empty when nothing does. */
    public List<String> differencesFrom(RowsIdentity recorded) {
        List<String> out = new ArrayList<>();
        if (examples != recorded.examples) {
            out.add("examples " + examples + " now, " + recorded.examples + " in the checkpoint");
        }
        if (trainingRows != recorded.trainingRows) {
            out.add("training rows " + trainingRows + " now, " + recorded.trainingRows + " in the checkpoint");
        }
        if (blockExamples != recorded.blockExamples) {
            out.add("data.block_examples " + blockExamples + " now, " + recorded.blockExamples + " in the checkpoint");
        }
        if (!fingerprint.equals(recorded.fingerprint)) {
            out.add("row fingerprint " + fingerprint + " now, " + recorded.fingerprint + " in the checkpoint");
        }
        return out;
    }
}
