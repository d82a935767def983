package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.engine.TokenBatch;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Peak memory of LoRA training steps on a bench shape, with or without activation checkpointing, next to what
 * MemoryModel predicts. The model is built in memory (random weights, nothing read or written), so shapes too large
 * for a fixture on disk can be measured. Run each setting in its own JVM: the peak resident set (VmHWM) is the
 * process's, so one run per setting keeps the peaks apart.
 * Usage: MemoryBench SHAPE on|off STEPS OUT.json [MAX_RSS_GIB]
 * <p>
 * Recorded: the resident set before the model exists (JVM and ND4J's native libraries: the baseline), after the
 * weights, and its peak; the weights' bytes; {@code CausalLm.workingSetBytes()} after the steps; each step's time
 * (the first allocates the engine's buffers); MemoryModel's prediction, part by part. A watchdog stops the process
 * (exit status 3, the JSON says "aborted") once the resident set passes MAX_RSS_GIB (default 20, or 2 GiB below what
 * the machine has available at the start, whichever is less), so a shape that does not fit never takes the machine
 * down.
 */
public final class MemoryBench {
    private MemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        io.sparklora.core.backend.CpuBuild.select();
        BenchShape shape = BenchShape.named(args[0], null);
        boolean checkpointing = switch (args[1]) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("checkpointing must be on or off, got " + args[1]);
        };
        int steps = Integer.parseInt(args[2]);
        Path out = Path.of(args[3]);
        double maxGib = args.length > 4 ? Double.parseDouble(args[4]) : 20;
        long available = BenchJson.meminfoBytes("MemAvailable");
        long limit = (long) (maxGib * (1L << 30));
        if (available > 0) {
            limit = Math.min(limit, available - (2L << 30));
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("shape", shape.name());
        json.put("model_type", shape.config().modelType());
        json.put("checkpointing", checkpointing);
        json.put("rows", shape.rows());
        json.put("seq_len", shape.seqLen());
        json.put("rss_limit_bytes", limit);
        startWatchdog(limit, json, out);

        INDArray warm = Nd4j.ones(DataType.FLOAT, 4, 4).mmul(Nd4j.ones(DataType.FLOAT, 4, 4)); // ND4J loaded
        warm.close();
        System.gc();
        long baseline = BenchJson.procStatusBytes("VmRSS");
        BaseModel base = BenchFixture.randomBase(shape, 1234);
        long weightsBytes = base.weights().values().stream().mapToLong(w -> w.length() * w.dataType().width()).sum();
        long rssAfterWeights = BenchJson.procStatusBytes("VmRSS");
        LoraPlan plan = LoraPlan.of(shape.lora(), base.layout());
        EngineSpec spec = EngineSpec.training(shape.seqLen(), TrainingMode.LORA).withActivationCheckpointing(checkpointing);
        TokenBatch batch = randomBatch(shape, 99);

        double[] seconds = new double[steps];
        long[] rssAfterStep = new long[steps];
        long workingSet;
        double loss = 0;
        try (CausalLm lm = CausalLm.build(base, plan, spec)) {
            lm.setTrainable(plan.initialParameters());
            for (int i = 0; i < steps; i++) {
                System.gc();
                long start = System.nanoTime();
                try (StepOutput o = lm.forwardBackward(batch, i)) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                    loss = o.lossSum();
                }
                rssAfterStep[i] = BenchJson.procStatusBytes("VmRSS");
                System.out.printf("memory %s checkpointing %s: step %d %.2f s, RSS %d MiB%n", shape.name(), args[1], i + 1,
                        seconds[i], rssAfterStep[i] >> 20);
            }
            workingSet = lm.workingSetBytes();
        }
        long peak = BenchJson.procStatusBytes("VmHWM");
        MemoryModel.Prediction predicted = MemoryModel.predict(shape.config(), plan, TrainingMode.LORA, shape.rows(),
                shape.seqLen(), checkpointing, false, MemoryModel.FLOAT_BYTES, baseline);
        double[] timed = steps > 1 ? java.util.Arrays.copyOfRange(seconds, 1, steps) : seconds; // after the first
        double median = BenchJson.median(timed);

        json.put("base_params", base.parameterCount());
        json.put("trainable_params", plan.layout().size());
        json.put("baseline_rss_bytes", baseline);
        json.put("rss_after_weights_bytes", rssAfterWeights);
        json.put("weights_bytes", weightsBytes);
        json.put("working_set_bytes", workingSet);
        json.put("step_seconds", seconds);
        json.put("rss_after_step_bytes", rssAfterStep);
        json.put("median_s", median);
        json.put("tokens_per_s", shape.tokens() / median);
        json.put("loss_sum", loss);
        json.put("peak_rss_bytes", peak);
        json.put("predicted", predicted.toJson());
        json.put("predicted_over_measured_peak", (double) predicted.total() / peak);
        json.put("predicted_over_measured_working_set", (double) predicted.workingSet() / workingSet);
        json.put("loadavg_1m_end", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        json.put("aborted", false);
        synchronized (json) {
            BenchJson.write(out, json);
        }
        System.out.printf("memory %s checkpointing %s: peak RSS %d MiB, predicted %d MiB (baseline %d + weights %d + "
                        + "adapter %d + working set %d); working set measured %d MiB, predicted %d MiB; step %.2f s "
                        + "(%.0f tokens/s)%n", shape.name(), args[1], peak >> 20, predicted.total() >> 20, baseline >> 20,
                predicted.weights() >> 20, predicted.trainableState() >> 20, predicted.workingSet() >> 20,
                workingSet >> 20, predicted.workingSet() >> 20, median, shape.tokens() / median);
        System.exit(0);
    }

    static TokenBatch randomBatch(BenchShape shape, long seed) {
        Random rng = new Random(seed);
        int n = shape.tokens();
        int[] tokens = new int[n];
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rng.nextInt(shape.config().vocabSize());
        }
        for (int i = 0; i < n; i++) {
            targets[i] = (i + 1) % shape.seqLen() == 0 ? TokenBatch.IGNORE : tokens[i + 1];
        }
        return new TokenBatch(shape.rows(), shape.seqLen(), tokens, targets);
    }

    /** Halts the JVM once its resident set passes {@code limit} bytes, leaving a JSON that says so. */
    private static void startWatchdog(long limit, Map<String, Object> json, Path out) {
        Thread t = new Thread(() -> {
            while (true) {
                long rss = BenchJson.procStatusBytes("VmRSS");
                if (rss > limit) {
                    System.out.printf("memory: RSS %d MiB passed the limit of %d MiB; stopping%n", rss >> 20, limit >> 20);
                    synchronized (json) {
                        json.put("aborted", true);
                        json.put("peak_rss_bytes", BenchJson.procStatusBytes("VmHWM"));
                        try {
                            BenchJson.write(out, json);
                        } catch (Exception e) {
                            System.out.println("memory: cannot write " + out + ": " + e);
                        }
                    }
                    Runtime.getRuntime().halt(3);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-watchdog");
        t.setDaemon(true);
        t.start();
    }
}
