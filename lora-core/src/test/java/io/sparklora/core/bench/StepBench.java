package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.StepOutput;
import org.bytedeco.javacpp.Pointer;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One training step (forward + backward to the trainable parameters' gradients; the optimizer update is left out, as
 * in the peer program) on a bench fixture, in LoRA or full fine-tuning mode. Run each mode in its own JVM so the
 * memory readings are that mode's alone.
 * Usage: StepBench FIXTURE_DIR lora|full WARMUP REPS OUT.json
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
        double[] seconds = new double[reps];
        double loss = 0;
        long heapPeak = 0;
        for (int i = -warmup; i < reps; i++) {
            System.gc();
            long start = System.nanoTime();
            long nanos;
            try (StepOutput out = graph.forwardBackward(f.batch(), 0)) {
                nanos = System.nanoTime() - start;
                loss = out.lossSum();
            }
            heapPeak = Math.max(heapPeak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            if (i >= 0) {
                seconds[i] = nanos / 1e9;
            }
        }
        ModelFlops flops = ModelFlops.of(f.base().config(), f.plan(), f.batch().rows(), f.batch().seqLen());
        double median = BenchJson.median(seconds);
        double modelFlops = mode == TrainingMode.LORA ? flops.loraStep() : flops.fullStep();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("fixture", dir.toString());
        json.put("mode", mode.name().toLowerCase());
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
}
