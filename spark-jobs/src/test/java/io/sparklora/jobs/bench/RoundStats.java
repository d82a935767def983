package io.sparklora.jobs.bench;

import io.sparklora.core.bench.BenchJson;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-round figures of one training run, derived from the listener's jobs, and their medians after warm-up.
 *
 * <p>Definitions (all times on the driver's clock or Spark's task metrics, milliseconds):
 * <ul>
 *   <li>job wall: the round's job start to job end, i.e. from submitting the tasks to the tree-aggregated
 *       result being on the driver (the final merge runs in the job's result handler, before the job ends);</li>
 *   <li>cycle: this round's job start to the next round's job start, which adds the driver's optimizer step,
 *       destroying the old θ broadcast and broadcasting the new one;</li>
 *   <li>compute: the busiest executor's summed executorRunTime for the round; with one task per executor this is
 *       the slowest task's executorRunTime (task deserialization and result serialization are not in it, the θ
 *       broadcast fetch inside the task is);</li>
 *   <li>overhead fraction: (wall − compute) / wall, for the job wall and for the cycle.</li>
 * </ul>
 */
final class RoundStats {
    private RoundStats() {
    }

    /**
     * @param prefix job description of a round without its 1-based number, e.g. "SparkLoRA round "
     * @param tokens loss tokens of round 1..n, in order
     */
    static Map<String, Object> summarize(List<RoundListener.Job> jobs, String prefix, int rounds, List<Long> tokens,
                                         int warmup) {
        Map<Integer, Integer> indexOfRound = new HashMap<>();
        for (int i = 0; i < jobs.size(); i++) {
            RoundListener.Job job = jobs.get(i);
            if (job.description.startsWith(prefix)) {
                int round = Integer.parseInt(job.description.substring(prefix.length()));
                if (indexOfRound.put(round, i) != null) {
                    throw new IllegalStateException("two jobs for " + job.description + " (a retried round?)");
                }
            }
        }
        if (indexOfRound.size() != rounds || tokens.size() != rounds) {
            throw new IllegalStateException("expected " + rounds + " rounds, saw " + indexOfRound.size() + " jobs with \""
                    + prefix + "N\" and " + tokens.size() + " token counts");
        }
        List<Map<String, Object>> perRound = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            int index = indexOfRound.get(round);
            RoundListener.Job job = jobs.get(index);
            if (!job.succeeded || job.endMs < 0 || job.tasks.isEmpty()) {
                throw new IllegalStateException(job.description + " did not succeed");
            }
            Map<String, Long> runByExecutor = new HashMap<>();
            long slowest = 0;
            long maxDeserialize = 0;
            long maxResultSerialization = 0;
            long resultBytes = 0;
            long maxResultBytes = 0;
            long runSum = 0;
            long cpuSum = 0;
            long firstLaunch = Long.MAX_VALUE;
            long lastFinish = 0;
            for (RoundListener.Task t : job.tasks) {
                firstLaunch = Math.min(firstLaunch, t.launchMs());
                lastFinish = Math.max(lastFinish, t.finishMs());
                runByExecutor.merge(t.executorId(), t.runMs(), Long::sum);
                runSum += t.runMs();
                cpuSum += t.cpuMs();
                slowest = Math.max(slowest, t.runMs());
                maxDeserialize = Math.max(maxDeserialize, t.deserializeMs());
                maxResultSerialization = Math.max(maxResultSerialization, t.resultSerializationMs());
                resultBytes += t.resultBytes();
                maxResultBytes = Math.max(maxResultBytes, t.resultBytes());
            }
            long compute = runByExecutor.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            long wall = job.endMs - job.startMs;
            Long cycle = null;
            Long driverGap = null;
            Integer next = indexOfRound.get(round + 1);
            // A cycle is only a round's when no other job (evaluation, say) ran between two rounds.
            if (next != null && next == index + 1) {
                RoundListener.Job after = jobs.get(next);
                cycle = after.startMs - job.startMs;
                driverGap = after.startMs - job.endMs;
            }
            long roundTokens = tokens.get(round - 1);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("round", round);
            r.put("job_wall_ms", wall);
            r.put("cycle_ms", cycle);
            r.put("driver_gap_ms", driverGap);
            r.put("tasks", job.tasks.size());
            r.put("executors", runByExecutor.size());
            r.put("slowest_task_run_ms", slowest);
            r.put("compute_ms", compute);
            // The task thread's share of its run time. A demo step spends about half its CPU on other threads of the
            // executor JVM (single-JVM check: 25 of 54 ms per step on the task thread), so ~0.5 means the task had
            // a core to itself and lower means it waited for one: the sign of contention on a shared machine.
            r.put("task_cpu_over_run", runSum <= 0 ? null : (double) cpuSum / runSum);
            r.put("max_task_deserialize_ms", maxDeserialize);
            r.put("max_result_serialization_ms", maxResultSerialization);
            // Where the overhead goes: before the first task starts (closure cleaning, task binary broadcast,
            // scheduling, launch), inside the tasks' spans but outside their run time (deserializing the task,
            // serializing and fetching the result), and after the last task (merging, job bookkeeping).
            r.put("launch_delay_ms", firstLaunch - job.startMs);
            r.put("end_delay_ms", job.endMs - lastFinish);
            r.put("overhead_ms", wall - compute);
            r.put("overhead_fraction", fraction(wall - compute, wall));
            r.put("cycle_overhead_fraction", cycle == null ? null : fraction(cycle - compute, cycle));
            r.put("tokens", roundTokens);
            r.put("tokens_per_second", cycle == null || cycle <= 0 ? null : roundTokens * 1000.0 / cycle);
            r.put("theta_broadcast_bytes", job.valueBroadcastBytes);
            r.put("theta_fetched_bytes", job.valueFetchedBytes);
            r.put("result_bytes", resultBytes);
            r.put("max_result_bytes", maxResultBytes);
            r.put("round_bytes", job.valueFetchedBytes + resultBytes);
            r.put("round_bytes_with_task_binary", job.valueFetchedBytes + resultBytes + job.otherFetchedBytes);
            r.put("task_binary_bytes", job.taskBinaryBytes);
            r.put("other_fetched_bytes", job.otherFetchedBytes);
            perRound.add(r);
        }
        Map<String, Object> median = new LinkedHashMap<>();
        for (String field : List.of("job_wall_ms", "cycle_ms", "driver_gap_ms", "compute_ms", "task_cpu_over_run",
                "launch_delay_ms",
                "max_task_deserialize_ms", "end_delay_ms", "overhead_ms", "overhead_fraction", "cycle_overhead_fraction",
                "tokens", "tokens_per_second", "theta_broadcast_bytes", "theta_fetched_bytes", "result_bytes",
                "max_result_bytes", "round_bytes", "round_bytes_with_task_binary", "task_binary_bytes")) {
            median.put(field, median(perRound.subList(Math.min(warmup, rounds), rounds), field));
        }
        Map<String, Object> maxAll = new LinkedHashMap<>();
        for (String field : List.of("theta_broadcast_bytes", "max_result_bytes", "round_bytes", "task_binary_bytes",
                "other_fetched_bytes")) {
            maxAll.put(field, perRound.stream().mapToLong(r -> ((Number) r.get(field)).longValue()).max().orElseThrow());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("warmup_rounds", warmup);
        out.put("median_after_warmup", median);
        out.put("max_over_all_rounds", maxAll);
        out.put("rounds", perRound);
        return out;
    }

    private static double fraction(long part, long whole) {
        return whole <= 0 ? 0 : (double) part / whole;
    }

    /** The median of a field over rounds where it is present; null when it is present in none. */
    static Double median(List<Map<String, Object>> rounds, String field) {
        double[] values = rounds.stream().map(r -> r.get(field)).filter(v -> v != null)
                .mapToDouble(v -> ((Number) v).doubleValue()).sorted().toArray();
        return median(values);
    }

    /** The median of the values (any order), or null when there are none. */
    static Double median(double[] values) {
        return values.length == 0 ? null : BenchJson.median(values);
    }
}
