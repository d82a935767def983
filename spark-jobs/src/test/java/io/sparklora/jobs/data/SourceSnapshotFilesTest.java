package io.sparklora.jobs.data;

import io.sparklora.jobs.config.DataFormat;
import io.sparklora.jobs.config.DataSource;
import io.sparklora.jobs.testing.LocalSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A file source's snapshot lists its files whatever the format (JSON and CSV are read cached, and a cached read
 * names no files), so a resumed run reading files that changed since its checkpoint stops rather than training on
 * other data, and one reading the same files goes on.
 */
class SourceSnapshotFilesTest {
    @TempDir
    static Path dir;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = LocalSpark.start("local[1]");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @ParameterizedTest
    @EnumSource(value = DataFormat.class, names = {"JSONL", "CSV"})
    void aChangedFileStopsTheResumedRead(DataFormat format) throws Exception {
        Path data = Files.createDirectories(dir.resolve(format.name()));
        boolean csv = format == DataFormat.CSV;
        List<String> lines = csv ? List.of("text", "one", "two") : List.of("{\"text\": \"one\"}", "{\"text\": \"two\"}");
        Files.write(data.resolve("part-0." + (csv ? "csv" : "jsonl")), lines);
        Files.write(data.resolve("part-1." + (csv ? "csv" : "jsonl")), lines);
        DataSource source = DataSource.ofPath("data", data.toString());

        SourceSnapshot first = SourceReader.read(spark, source, format, null).snapshot();
        assertThat(first.files()).as("both files listed").hasSize(2);
        SourceSnapshot.Pinned pinned = SourceSnapshot.pinnedFrom(first.toMap());
        assertThat(SourceReader.read(spark, source, format, pinned).snapshot().filesSha256())
                .isEqualTo(first.filesSha256());

        Files.write(data.resolve("part-1." + (csv ? "csv" : "jsonl")), lines.subList(0, 2));
        assertThatThrownBy(() -> SourceReader.read(spark, source, format, pinned))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("changed since the run started")
                .hasMessageContaining("2 input files now, 2 recorded");
    }
}
