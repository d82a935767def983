package io.sparklora.jobs.testing;

import org.apache.spark.sql.SparkSession;

/** Spark sessions for tests, always bound to 127.0.0.1 with the UI off. */
public final class LocalSpark {
    private LocalSpark() {
    }

    public static SparkSession start(String master, String... extraConf) {
        SparkSession.Builder b = SparkSession.builder().master(master).appName("sparklora-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2");
        for (int i = 0; i + 1 < extraConf.length; i += 2) {
            b.config(extraConf[i], extraConf[i + 1]);
        }
        return b.getOrCreate();
    }
}
