package io.sparklora.jobs.data;

import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.text.RowsFingerprint;
import io.sparklora.core.text.TrainingRow;

import java.io.Serializable;
import java.util.List;

/**
 * One packing block's rows ({@link io.sparklora.core.text.RowBlocks}) and what packing it found: a decoder's
 * {@link TrainingRow}s, or a classifier's {@link ClassificationRow}s (one per example, never packed).
 */
record PackedBlock(long block, List<? extends Serializable> train, List<? extends Serializable> validation, long trainExamples,
                   long validationExamples, int truncated, int dropped, List<Sample> samples)
        implements java.io.Serializable {

    /** A validation example's text, kept for the run report's generations. */
    record Sample(long example, String prompt, String completion) implements java.io.Serializable {
    }

    /** Everything but the rows: what the driver collects from every block. */
    record Summary(long block, long trainRows, long validationRows, long trainExamples, long validationExamples,
                   int truncated, int dropped, List<Sample> samples, byte[] trainDigest, byte[] validationDigest)
            implements java.io.Serializable {
    }

    Summary summary() {
        return new Summary(block, train.size(), validation.size(), trainExamples, validationExamples, truncated, dropped,
                samples, digest(train), digest(validation));
    }

    @SuppressWarnings("unchecked")
    private static byte[] digest(List<? extends Serializable> rows) {
        return !rows.isEmpty() && rows.get(0) instanceof ClassificationRow
                ? RowsFingerprint.classificationDigest((List<ClassificationRow>) rows)
                : RowsFingerprint.blockDigest((List<TrainingRow>) rows);
    }
}
