package io.sparklora.jobs.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark's JSON report (headline figures, then every leg's raw per-round numbers) and its console table. */
final class Report {
    private Report() {
    }

    static Map<String, Object> build(SparkRoundBench.Options options, List<Map<String, Object>> one,
                                     List<Map<String, Object>> two) {
        Map<String, Object> first = two.get(0); // the session with the larger round and the full-model baseline
        Map<String, Object> firstJobs = map(first.get("jobs"));
        Map<String, Object> lora = map(firstJobs.get("lora_default"));
        Map<String, Object> large = map(firstJobs.get("lora_large"));
        Map<String, Object> full = map(firstJobs.get("full_model"));

        long adapterParameters = num(lora.get("trainable_parameters")).longValue();
        long baseParameters = num(full.get("parameters")).longValue();
        long adapterBytes = 4 * adapterParameters;
        long baseBytes = 4 * baseParameters;
        int workers = num(lora.get("workers")).intValue();

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "SparkRoundBench");
        report.put("spark_version", first.get("spark_version"));
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("available_processors", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        List<Object> background = new ArrayList<>();
        for (int i = 0; i < one.size(); i++) {
            background.add(one.get(i).get("background_cpu_busy_fraction"));
            background.add(two.get(i).get("background_cpu_busy_fraction"));
        }
        machine.put("background_cpu_busy_fraction_before_each_session", background);
        report.put("machine", machine);
        report.put("settings", options.toMap());

        Map<String, Object> model = new LinkedHashMap<>();
        model.put("base_parameters", baseParameters);
        model.put("base_bytes_f32", baseBytes);
        model.put("adapter_parameters", adapterParameters);
        model.put("adapter_bytes_f32", adapterBytes);
        model.put("workers", workers);
        report.put("model", model);

        Map<String, Object> bytes = new LinkedHashMap<>();
        bytes.put("master", first.get("master"));
        bytes.put("lora", bytesOf(lora, adapterBytes, workers));
        bytes.put("full_model", bytesOf(full, baseBytes, workers));
        bytes.put("full_round_bytes_over_lora_round_bytes",
                ratio(median(full, "round_bytes"), median(lora, "round_bytes")));
        bytes.put("target", "each transfer (theta to one worker, one worker's result back) <= "
                + SparkRoundBench.bytesTarget() + " x the adapter's f32 size, in every round");
        bytes.put("lora_meets_target", num(map(bytes.get("lora")).get("max_transfer_over_own_size")).doubleValue()
                <= SparkRoundBench.bytesTarget());
        report.put("bytes_per_round", bytes);

        Map<String, Object> overhead = new LinkedHashMap<>();
        overhead.put("master", first.get("master"));
        overhead.put("lora_default", overheadOf(lora));
        overhead.put("lora_large", overheadOf(large));
        overhead.put("full_model", overheadOf(full));
        overhead.put("target", "median (job wall - compute) / job wall <= " + SparkRoundBench.overheadTarget()
                + " at the default round size");
        overhead.put("lora_default_meets_target",
                median(lora, "overhead_fraction") <= SparkRoundBench.overheadTarget());
        report.put("round_overhead", overhead);

        Map<String, Object> scaling = new LinkedHashMap<>();
        scaling.put("job", "lora_default (conf/demo.yaml: " + workers + " tasks per round)");
        Map<String, Object> twoT = throughputOf(two);
        Map<String, Object> oneT = throughputOf(one);
        scaling.put("two_executors", twoT);
        scaling.put("one_executor", oneT);
        scaling.put("two_over_one", ratio((Double) twoT.get("tokens_per_second"), (Double) oneT.get("tokens_per_second")));
        List<Double> perPair = new ArrayList<>();
        for (int i = 0; i < one.size(); i++) {
            perPair.add(ratio(median(defaultJob(two.get(i)), "tokens_per_second"),
                    median(defaultJob(one.get(i)), "tokens_per_second")));
        }
        scaling.put("two_over_one_per_pair", perPair);
        scaling.put("note", "the machine has " + Runtime.getRuntime().availableProcessors() + " cores: with two"
                + " executors of one core each, the driver (and the standalone master and workers in its JVM) compete"
                + " with the executors for them, as does any other load on the machine (background_cpu_busy_fraction);"
                + " with one executor the two tasks of a round run one after the other");
        report.put("scaling", scaling);

        Map<String, Object> legs = new LinkedHashMap<>();
        for (int i = 0; i < one.size(); i++) {
            legs.put(BenchLeg.ONE_EXECUTOR + "-" + (i + 1), one.get(i));
            legs.put(BenchLeg.TWO_EXECUTORS + "-" + (i + 1), two.get(i));
        }
        report.put("sessions", legs);
        return report;
    }

    private static Map<String, Object> bytesOf(Map<String, Object> job, long ownBytes, int workers) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("own_size_bytes", ownBytes);
        for (String f : new String[] {"theta_broadcast_bytes", "theta_fetched_bytes", "result_bytes", "max_result_bytes",
                "round_bytes", "round_bytes_with_task_binary", "task_binary_bytes"}) {
            b.put(f, median(job, f));
        }
        Map<String, Object> max = map(job.get("max_over_all_rounds"));
        double theta = num(max.get("theta_broadcast_bytes")).doubleValue() / ownBytes;
        double result = num(max.get("max_result_bytes")).doubleValue() / ownBytes;
        b.put("theta_over_own_size", median(job, "theta_broadcast_bytes") / ownBytes);
        b.put("result_over_own_size", median(job, "max_result_bytes") / ownBytes);
        b.put("max_transfer_over_own_size", Math.max(theta, result)); // worst round, worst direction
        b.put("round_over_own_size", median(job, "round_bytes") / ownBytes);
        b.put("round_over_own_size_per_worker", median(job, "round_bytes") / ownBytes / workers);
        return b;
    }

    private static Map<String, Object> overheadOf(Map<String, Object> job) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("rows_per_task", job.get("rows_per_task"));
        o.put("micro_batch_rows", job.get("micro_batch_rows"));
        for (String f : new String[] {"job_wall_ms", "compute_ms", "task_cpu_over_run", "overhead_ms", "overhead_fraction",
                "launch_delay_ms",
                "max_task_deserialize_ms", "end_delay_ms", "cycle_ms", "driver_gap_ms", "cycle_overhead_fraction"}) {
            o.put(f, median(job, f));
        }
        o.put("measured_rounds", list(job.get("rounds")).size() - num(job.get("warmup_rounds")).intValue());
        return o;
    }

    /** Tokens/s pooled over the sessions' measured rounds (after each session's warm-up). */
    private static Map<String, Object> throughputOf(List<Map<String, Object>> sessions) {
        List<Double> tps = new ArrayList<>();
        List<Double> cycles = new ArrayList<>();
        List<Double> tokens = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (Map<String, Object> session : sessions) {
            Map<String, Object> job = defaultJob(session);
            int warmup = num(job.get("warmup_rounds")).intValue();
            List<Map<String, Object>> rounds = list(job.get("rounds"));
            for (Map<String, Object> r : rounds.subList(warmup, rounds.size())) {
                if (r.get("tokens_per_second") != null) {
                    tps.add(num(r.get("tokens_per_second")).doubleValue());
                    cycles.add(num(r.get("cycle_ms")).doubleValue());
                    tokens.add(num(r.get("tokens")).doubleValue());
                    cpu.add(num(r.get("task_cpu_over_run")).doubleValue());
                }
            }
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("master", sessions.get(0).get("master"));
        t.put("sessions", sessions.size());
        t.put("measured_rounds", tps.size());
        t.put("tokens_per_second", RoundStats.median(tps.stream().mapToDouble(Double::doubleValue).toArray()));
        t.put("cycle_ms", RoundStats.median(cycles.stream().mapToDouble(Double::doubleValue).toArray()));
        t.put("tokens_per_round", RoundStats.median(tokens.stream().mapToDouble(Double::doubleValue).toArray()));
        t.put("task_cpu_over_run", RoundStats.median(cpu.stream().mapToDouble(Double::doubleValue).toArray()));
        return t;
    }

    private static Map<String, Object> defaultJob(Map<String, Object> session) {
        return map(map(session.get("jobs")).get("lora_default"));
    }

    static String render(Map<String, Object> r) {
        StringBuilder s = new StringBuilder();
        Map<String, Object> model = map(r.get("model"));
        Map<String, Object> machine = map(r.get("machine"));
        s.append(String.format("%nSparkRoundBench  Spark %s, %s cores, %s; medians over rounds after warm-up%n",
                r.get("spark_version"), machine.get("available_processors"), machine.get("java")));
        s.append(String.format("model: base %,d parameters (%,d B f32), adapter %,d trainable (%,d B f32), %s workers%n",
                num(model.get("base_parameters")).longValue(), num(model.get("base_bytes_f32")).longValue(),
                num(model.get("adapter_parameters")).longValue(), num(model.get("adapter_bytes_f32")).longValue(),
                model.get("workers")));

        Map<String, Object> bytes = map(r.get("bytes_per_round"));
        s.append(String.format("%n1. Bytes per round, %s (Spark block updates and task resultSize; bytes)%n",
                bytes.get("master")));
        s.append(String.format("  %-11s %11s %11s %11s %11s %11s %9s %9s %9s%n", "", "theta bcast", "theta fetch",
                "results", "theta+res", "+task bin", "theta/own", "res/own", "round/own"));
        for (String k : new String[] {"lora", "full_model"}) {
            Map<String, Object> b = map(bytes.get(k));
            s.append(String.format("  %-11s %,11.0f %,11.0f %,11.0f %,11.0f %,11.0f %9.3f %9.3f %9.2f%n", k,
                    d(b.get("theta_broadcast_bytes")), d(b.get("theta_fetched_bytes")), d(b.get("result_bytes")),
                    d(b.get("round_bytes")), d(b.get("round_bytes_with_task_binary")), d(b.get("theta_over_own_size")),
                    d(b.get("result_over_own_size")), d(b.get("round_over_own_size"))));
        }
        s.append("  own = the trained vector's f32 size (LoRA: the adapter; full model: the base). theta bcast: one\n"
                + "  compressed copy; theta fetch: what the executors fetched; results: all tasks' results; res/own:\n"
                + "  one task's result.\n");
        s.append(String.format("  full-model / LoRA bytes per round (theta+res): %.2f x%n",
                d(bytes.get("full_round_bytes_over_lora_round_bytes"))));
        s.append(String.format("  LoRA worst single transfer over all rounds / adapter size: %.3f (target <= %.1f: %s)%n",
                d(map(bytes.get("lora")).get("max_transfer_over_own_size")), SparkRoundBench.bytesTarget(),
                yes(bytes.get("lora_meets_target"))));

        Map<String, Object> overhead = map(r.get("round_overhead"));
        s.append(String.format("%n2. Round overhead, %s (ms; overhead = job wall - busiest executor's run time)%n",
                overhead.get("master")));
        s.append(String.format("  %-12s %4s %6s %7s %7s %8s %6s | %6s %6s %6s | %6s %6s %6s%n", "", "rows", "job",
                "compute", "cpu/run", "overhead", "frac", "launch", "deser", "end", "cycle", "gap", "c.frac"));
        for (String k : new String[] {"lora_default", "lora_large", "full_model"}) {
            Map<String, Object> o = map(overhead.get(k));
            s.append(String.format("  %-12s %4s %6.0f %7.0f %7.2f %8.0f %6.3f | %6.0f %6.0f %6.0f | %6.0f %6.0f %6.3f%n",
                    k, o.get("rows_per_task"), d(o.get("job_wall_ms")), d(o.get("compute_ms")),
                    d(o.get("task_cpu_over_run")), d(o.get("overhead_ms")),
                    d(o.get("overhead_fraction")), d(o.get("launch_delay_ms")), d(o.get("max_task_deserialize_ms")),
                    d(o.get("end_delay_ms")), d(o.get("cycle_ms")), d(o.get("driver_gap_ms")),
                    d(o.get("cycle_overhead_fraction"))));
        }
        s.append("  rows: rows per task; cpu/run: the task thread's CPU time / run time (a step spends about half its\n"
                + "  CPU on other threads of the JVM, so ~0.5 with a core to itself; lower: it waited); launch: job\n"
                + "  start to first task launch; deser: slowest task deserialization (with the task binary fetch); end:\n"
                + "  last task end to job end; cycle: round start to next round start; gap: job end to next round start\n"
                + "  (optimizer step, new theta broadcast, closure cleaning); c.frac: (cycle - compute) / cycle.\n");
        s.append(String.format("  LoRA default round overhead fraction %.3f (target <= %.2f: %s)%n",
                d(map(overhead.get("lora_default")).get("overhead_fraction")), SparkRoundBench.overheadTarget(),
                yes(overhead.get("lora_default_meets_target"))));

        Map<String, Object> scaling = map(r.get("scaling"));
        s.append(String.format("%n3. Throughput, %s%n", scaling.get("job")));
        for (String k : new String[] {"two_executors", "one_executor"}) {
            Map<String, Object> t = map(scaling.get(k));
            s.append(String.format("  %-24s %5.0f tokens/s (cycle %4.0f ms, %3.0f tokens/round, task cpu/run %.2f;"
                            + " %s rounds of %s sessions)%n", t.get("master"), d(t.get("tokens_per_second")),
                    d(t.get("cycle_ms")), d(t.get("tokens_per_round")), d(t.get("task_cpu_over_run")),
                    t.get("measured_rounds"), t.get("sessions")));
        }
        s.append(String.format("  two / one executors: %.2f x (per pair of sessions: %s)%n", d(scaling.get("two_over_one")),
                list2(scaling.get("two_over_one_per_pair"))));
        s.append(String.format("  machine busy before each session (other load): %s%n",
                list2(machine.get("background_cpu_busy_fraction_before_each_session"))));
        s.append("  note: ").append(scaling.get("note")).append('\n');
        s.append(String.format("bench wall %.0f s%n", d(r.get("bench_wall_seconds"))));
        return s.toString();
    }

    private static String list2(Object values) {
        StringBuilder b = new StringBuilder();
        for (Object v : (List<?>) values) {
            b.append(b.length() == 0 ? "" : ", ").append(v == null ? "n/a" : String.format("%.2f", ((Number) v).doubleValue()));
        }
        return b.toString();
    }

    private static String yes(Object b) {
        return Boolean.TRUE.equals(b) ? "yes" : "no";
    }

    private static double d(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    private static Double median(Map<String, Object> job, String field) {
        Object v = map(job.get("median_after_warmup")).get(field);
        return v == null ? null : ((Number) v).doubleValue();
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }

    private static Number num(Object o) {
        return (Number) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
