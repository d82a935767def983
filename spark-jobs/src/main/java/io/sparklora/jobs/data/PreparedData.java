package io.sparklora.jobs.data;

import org.apache.spark.api.java.JavaRDD;

import io.sparklora.core.text.TextExample;

import java.util.List;
import java.util.Map;

/**
 * The cached, sharded training and validation rows and what preparing them found.
 *
 * @param validation null when the job has no validation data
 * @param report     the data report for summary.json: counts and the rows' fingerprints
 * @param rows       what the training rows are, as a resumed run checks them against its checkpoint
 * @param validationExamples the first few usable validation examples as text (prompt "" for plain text), for the
 *                           run report's generations; empty without validation data
 */
public record PreparedData(JavaRDD<ShardBlock> train, long trainRows, JavaRDD<ShardBlock> validation, long validationRows,
                           Map<String, Object> report, RowsIdentity rows, List<TextExample> validationExamples) {
    public PreparedData {
        validationExamples = validationExamples == null ? List.of() : List.copyOf(validationExamples);
    }
}
