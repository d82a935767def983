package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.StepOutput;
import org.bytedeco.javacpp.Pointer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training step (forward + backward to the trainable parameters' gradients; the optimizer update is left out, as
 * in the peer program) on a bench fixture, in LoRA or full fine-tuning mode. Run each mode in its own JVM so the
 * memory readings are that mode's alone.
 * Usage: StepBench FIXTURE_DIR lora|full WARMUP REPS OUT.json [--serve]
 * <p>With {@code --serve} (used by {@code deploy/bench/pair.py}) REPS is ignored: after the warm-up the program prints
 * {@code ready}, then runs one timed step per {@code step} line read from standard input and answers
 * {@code step SECONDS}, until standard input ends. Two such programs taking turns never compete for the cores, so
 * the ratio of adjacent steps is robust to a shared machine's load.
 *
 * <p>Memory: the process's peak resident set (VmHWM, which holds the JVM heap and ND4J's off-heap buffers) and the
 * peak of the JVM heap in use. Between steps, outside the timed region, a full GC lets the previous step's native
 * buffers go, so the peak is one step's working set, not an artefact of when the collector happens to run.
 */
public final class StepBench {
    private StepBench() {
    }

    public static void main(String[] args) throws Exception {
        io.sparklora.core.backend.CpuBuild.select();
        Path dir = Path.of(args[0]);
        TrainingMode mode = TrainingMode.valueOf(args[1].toUpperCase());
        int warmup = Integer.parseInt(args[2]);
        int reps = Integer.parseInt(args[3]);
        BenchFixture.Loaded f = BenchFixture.read(dir);
        long rssBeforeGraph = BenchJson.procStatusBytes("VmRSS");
        CausalLm graph = CausalLm.build(f.base(), f.plan(), EngineSpec.training(f.batch().seqLen(), mode));
        if (mode == TrainingMode.LORA) {
            graph.setTrainable(f.theta());
        }
        long trainable = graph.trainableLayout().size();
        boolean serve = args.length > 5 && args[5].equals("--serve");
        double loss = 0;
        for (int i = 0; i < warmup; i++) {
            loss = timedStep(graph, f).loss;
        }
        List<Double> timed = new ArrayList<>();
        long heapPeak = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        BufferedReader turns = serve ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)) : null;
        if (serve) {
            System.out.println("ready");
            System.out.flush();
        }
        while (serve ? "step".equals(nextLine(turns)) : timed.size() < reps) {
            Step s = timedStep(graph, f);
            loss = s.loss;
            timed.add(s.seconds);
            heapPeak = Math.max(heapPeak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            if (serve) {
                System.out.println("step " + s.seconds);
                System.out.flush();
            }
        }
        double[] seconds = timed.stream().mapToDouble(Double::doubleValue).toArray();
        if (seconds.length == 0) {
            throw new IllegalStateException("no timed step: REPS is 0, or --serve was never asked for a step");
        }
        ModelFlops flops = ModelFlops.of(f.base().config(), f.plan(), f.batch().rows(), f.batch().seqLen());
        double median = BenchJson.median(seconds);
        double modelFlops = mode == TrainingMode.LORA ? flops.loraStep() : flops.fullStep();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("fixture", dir.toString());
        json.put("mode", mode.name().toLowerCase());
        json.put("elementwise", CausalLm.elementwisePath());
        json.put("rows", f.batch().rows());
        json.put("seq_len", f.batch().seqLen());
        json.put("base_params", f.base().parameterCount());
        json.put("trainable_params", trainable);
        json.put("optimizer_state_bytes", 2L * Float.BYTES * trainable); // AdamW: two float32 moments per parameter
        json.put("step_seconds", seconds);
        json.put("median_s", median);
        json.put("model_flops", modelFlops);
        json.put("model_gflops_per_s", modelFlops / median / 1e9);
        json.put("loss_sum", loss);
        json.put("peak_rss_bytes", BenchJson.procStatusBytes("VmHWM"));
        json.put("rss_before_graph_bytes", rssBeforeGraph);
        json.put("peak_heap_used_bytes", heapPeak);
        json.put("javacpp_physical_bytes_end", Pointer.physicalBytes());
        BenchJson.write(Path.of(args[4]), json);
        System.out.printf("%s step on %s: median %.3f s, %.1f model GFLOP/s, peak RSS %d MiB%n", json.get("mode"), dir,
                median, modelFlops / median / 1e9, BenchJson.procStatusBytes("VmHWM") >> 20);
    }

    private record Step(double seconds, double loss) {
    }

    /** One step, after a full GC outside the timed region (so the previous step's native buffers are gone). */
    private static Step timedStep(CausalLm graph, BenchFixture.Loaded f) {
        System.gc();
        long start = System.nanoTime();
        try (StepOutput out = graph.forwardBackward(f.batch(), 0)) {
            return new Step((System.nanoTime() - start) / 1e9, out.lossSum());
        }
    }

    private static String nextLine(BufferedReader in) throws java.io.IOException {
        String line = in.readLine();
        return line == null ? "" : line.trim();
    }
}
