package io.sparklora.jobs.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The benchmark's per-round definitions, on jobs whose numbers are known. */
class RoundStatsTest {
    private static final String ROUND = "SparkLoRA round ";

    private static RoundListener.Job job(int id, String description, long start, long end, long thetaBytes,
                                         RoundListener.Task... tasks) {
        RoundListener.Job job = new RoundListener.Job(id, description, start);
        job.endMs = end;
        job.succeeded = true;
        job.valueBroadcastBytes = thetaBytes;
        job.valueFetchedBytes = 2 * thetaBytes;
        job.tasks.addAll(List.of(tasks));
        return job;
    }

    private static RoundListener.Task task(String executor, long runMs, long resultBytes, long launch, long finish) {
        return new RoundListener.Task(executor, runMs, runMs / 2, 5, 1, resultBytes, launch, finish);
    }

    @Test
    void overheadIsWallMinusTheBusiestExecutorAndCyclesSkipInterleavedJobs() {
        List<RoundListener.Job> jobs = List.of(
                job(0, ROUND + 1, 1000, 1100, 400, task("0", 60, 500, 1010, 1080), task("1", 80, 520, 1010, 1095)),
                job(1, ROUND + 2, 1150, 1350, 400, task("0", 70, 500, 1160, 1240), task("0", 90, 500, 1240, 1340)),
                job(2, "SparkLoRA evaluation at round 2", 1400, 1450, 400, task("0", 10, 50, 1410, 1440)),
                job(3, ROUND + 3, 1500, 1600, 400, task("0", 50, 500, 1510, 1570), task("1", 40, 500, 1510, 1590)));

        Map<String, Object> s = RoundStats.summarize(jobs, ROUND, 3, List.of(100L, 100L, 100L), 1);

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rounds = (List<Map<String, Object>>) s.get("rounds");
        Map<String, Object> r1 = rounds.get(0);
        assertThat(r1.get("compute_ms")).isEqualTo(80L); // the slowest of one task per executor
        assertThat(r1.get("overhead_ms")).isEqualTo(20L);
        assertThat((double) r1.get("overhead_fraction")).isEqualTo(0.2);
        assertThat(r1.get("cycle_ms")).isEqualTo(150L);
        assertThat(r1.get("driver_gap_ms")).isEqualTo(50L);
        assertThat(r1.get("launch_delay_ms")).isEqualTo(10L);
        assertThat((double) r1.get("task_cpu_over_run")).isEqualTo(0.5);
        assertThat(r1.get("end_delay_ms")).isEqualTo(5L);
        assertThat((double) r1.get("tokens_per_second")).isCloseTo(100 / 0.15, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r1.get("round_bytes")).isEqualTo(800L + 1020L); // θ fetched by two executors + both results
        Map<String, Object> r2 = rounds.get(1);
        assertThat(r2.get("compute_ms")).isEqualTo(160L); // two tasks one after the other on executor 0
        assertThat(r2.get("cycle_ms")).isNull(); // an evaluation ran before round 3
        assertThat(rounds.get(2).get("cycle_ms")).isNull(); // the last round has no next one

        @SuppressWarnings("unchecked")
        Map<String, Object> median = (Map<String, Object>) s.get("median_after_warmup");
        assertThat(median.get("compute_ms")).isEqualTo(105.0); // rounds 2 and 3: (160 + 50) / 2
        assertThat(median.get("cycle_ms")).isNull(); // no measured round has a cycle
        @SuppressWarnings("unchecked")
        Map<String, Object> max = (Map<String, Object>) s.get("max_over_all_rounds");
        assertThat(max.get("max_result_bytes")).isEqualTo(520L);
    }

    @Test
    void aMissingRoundIsAnErrorNotASilentlyShorterMedian() {
        List<RoundListener.Job> jobs = List.of(job(0, ROUND + 1, 0, 100, 1, task("0", 50, 1, 0, 90)));
        assertThatThrownBy(() -> RoundStats.summarize(jobs, ROUND, 2, List.of(1L, 1L), 0))
                .hasMessageContaining("expected 2 rounds");
    }
}
