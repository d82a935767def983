package io.sparklora.jobs.score;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

class ScoreOutputTest {
    @TempDir
    Path dir;

    /**
     * Hadoop caches one FileSystem per scheme, holding the configuration of whoever opened it first. An in-process
     * HDFS or YARN test cluster opens file:// with its own fs.defaultFS; the output path must still mean the job's
     * default file system, the marker included.
     */
    @Test
    void aCachedFileSystemOpenedUnderAnotherDefaultFileSystemDoesNotRedirectTheOutput() throws Exception {
        Configuration other = new Configuration();
        other.set("fs.defaultFS", "hdfs://127.0.0.1:1"); // nothing listens there
        FileSystem.closeAll();
        FileSystem.get(URI.create("file:///"), other); // now the cached file:// instance carries `other`
        Configuration job = new Configuration();
        job.set("fs.defaultFS", "file:///");
        Path scores = dir.resolve("scores");
        ScoreOutput out = new ScoreOutput(scores.toString(), job); // no scheme: the job's default file system
        Path staging = Path.of(out.staging().toUri());
        Files.createDirectories(staging);
        Files.writeString(staging.resolve("part-00000.parquet"), "rows");

        out.publish();

        assertThat(out.complete()).isTrue();
        assertThat(scores.resolve(ScoreOutput.MARKER)).exists();
        assertThat(scores.resolve("part-00000.parquet")).hasContent("rows");
        assertThat(staging).doesNotExist();
        FileSystem.closeAll();
    }
}
