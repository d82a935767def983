package io.sparklora.jobs.data;

import org.apache.spark.api.java.JavaRDD;

import java.util.Map;

/**
 * The cached, sharded training and validation rows and what preparing them found.
 *
 * @param validation null when the job has no validation data
 */
public record PreparedData(JavaRDD<ShardBlock> train, long trainRows, JavaRDD<ShardBlock> validation, long validationRows,
                           Map<String, Object> report) {
}
