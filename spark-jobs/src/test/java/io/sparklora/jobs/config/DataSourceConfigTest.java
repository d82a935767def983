package io.sparklora.jobs.config;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** data.table, data.sql, Delta/Iceberg paths and time travel in the job file: what is accepted, what is refused. */
class DataSourceConfigTest {
    private static final String HEAD = "model:\n  path: /m\noutput:\n  path: /out\n";

    private static JobConfig parse(String data, String... overrides) {
        return JobFiles.parse(HEAD + "data:\n" + data, overrides);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> failing(String data, String... overrides) {
        return assertThatThrownBy(() -> parse(data, overrides)).isInstanceOf(JobConfigException.class);
    }

    @Test
    void aTableOrAQueryStandsInForThePath() {
        JobConfig table = parse("  table: lake.tickets\n  validation_sql: SELECT text FROM lake.held_out\n");
        assertThat(table.data().source().kind()).isEqualTo(DataSource.Kind.TABLE);
        assertThat(table.data().source().describe()).isEqualTo("data.table lake.tickets");
        assertThat(table.data().validation().kind()).isEqualTo(DataSource.Kind.SQL);
        assertThat(table.data().path()).isNull();
        assertThat(table.toYaml()).contains("table: lake.tickets").doesNotContain("format:");

        JobConfig delta = parse("  path: /lake/tickets\n  format: delta\n  version: 3\n");
        assertThat(delta.data().format()).isEqualTo(DataFormat.DELTA);
        assertThat(delta.data().source().version()).isEqualTo(3L);
        JobConfig asOf = parse("  table: lake.db.tickets\n  timestamp: \"2026-11-01 00:00:00\"\n");
        assertThat(asOf.data().source().timestamp()).isEqualTo("2026-11-01 00:00:00");
        // a path job's fingerprint does not change with the new keys
        assertThat(parse("  path: /d.jsonl\n").fingerprint()).isEqualTo(parse("  path: /d.jsonl\n  format: jsonl\n").fingerprint());
    }

    @Test
    void twoSourcesAtOnceAreOneClearError() {
        failing("  path: /d.jsonl\n  table: lake.tickets\n").hasMessage("job.yaml: set exactly one source of the "
                + "training data: data.path, data.table are set together; keep data.path (files or a Delta/Iceberg "
                + "path), data.table (a catalog table) or data.sql (a query)");
        failing("  table: a.b\n  validation_path: /v.jsonl\n  validation_sql: SELECT 1\n")
                .hasMessageContaining("set exactly one source of the validation data: data.validation_path, "
                        + "data.validation_sql are set together");
    }

    @Test
    void noSourceNamesTheThreeKeys() {
        assertThatThrownBy(() -> JobFiles.parse(HEAD)).hasMessage("missing required key data.path (or data.table, or "
                + "data.sql) in job.yaml; add it to the file or pass --set data.path=<path>");
        failing("  max_seq_len: 32\n").hasMessageContaining("missing required key data.path (or data.table, or data.sql)");
    }

    @Test
    void timeTravelNeedsAVersionedSource() {
        failing("  path: /d.jsonl\n  version: 2\n")
                .hasMessageContaining("data.version needs data.format delta or iceberg (data.format is jsonl");
        failing("  sql: SELECT * FROM t\n  timestamp: \"2026-01-01\"\n")
                .hasMessageContaining("data.timestamp does not apply to data.sql; pin each table in the query instead");
        failing("  path: /t\n  format: delta\n  version: 1\n  timestamp: \"2026-01-01\"\n")
                .hasMessageContaining("data.version and data.timestamp are both set");
        failing("  path: /t\n  format: iceberg\n  version: -1\n").hasMessageContaining("data.version must be >= 0");
        failing("  table: a.b\n  format: parquet\n")
                .hasMessageContaining("data.format applies to data.path and data.validation_path only");
    }
}
