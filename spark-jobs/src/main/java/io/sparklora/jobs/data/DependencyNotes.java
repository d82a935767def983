package io.sparklora.jobs.data;

/**
 * How to bring a table format's library to a cluster, for the error a job gets without it. The versions are the
 * ones built for the project's Spark (the pom's delta.version and iceberg.version).
 */
final class DependencyNotes {
    static final String DELTA = "add it to spark-submit: --packages io.delta:delta-spark_2.13:4.3.1 --conf "
            + "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension --conf "
            + "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog";
    static final String ICEBERG = "add it to spark-submit: --packages "
            + "org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.11.0";

    private DependencyNotes() {
    }
}
