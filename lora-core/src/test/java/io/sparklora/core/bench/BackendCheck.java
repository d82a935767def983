package io.sparklora.core.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.StepOutput;
import io.sparklora.core.engine.TrainingMode;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The same LoRA step on whichever ND4J backend is on the class path (CPU or CUDA): its loss, its flat gradient, its
 * median time and tokens per second, so two backends can be compared on one fixture (deploy/gpu/check.sh).
 * Usage: BackendCheck run FIXTURE_DIR OUT_DIR [REPS] | BackendCheck compare DIR_A DIR_B
 */
public final class BackendCheck {
    /** Loss and gradient agree to this relative error across backends (float32, different summation orders). */
    static final double TOLERANCE = 1e-3;

    private BackendCheck() {
    }

    public static void main(String[] args) throws IOException {
        if (args[0].equals("run")) {
            run(Path.of(args[1]), Path.of(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 5);
        } else {
            System.exit(compare(Path.of(args[1]), Path.of(args[2])) ? 0 : 1);
        }
    }

    static void run(Path fixture, Path out, int reps) throws IOException {
        io.sparklora.core.backend.CpuBuild.select();
        io.sparklora.core.backend.CudaBuild.requireReady(java.util.OptionalInt.empty()); // one line, not a native trace
        BenchFixture.Loaded f = BenchFixture.read(fixture);
        CausalLm lm = CausalLm.build(f.base(), f.plan(), EngineSpec.training(f.batch().seqLen(), TrainingMode.LORA));
        lm.setTrainable(f.theta());
        double[] seconds = new double[reps];
        float[] gradient = null;
        double loss = 0;
        for (int i = -1; i < reps; i++) {
            long start = System.nanoTime();
            try (StepOutput step = lm.forwardBackward(f.batch(), 0)) {
                gradient = step.flatGradient(lm.trainableLayout()); // reads the result: the device has finished
                loss = step.lossSum();
            }
            if (i >= 0) {
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
        }
        Files.createDirectories(out);
        try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(out.resolve("gradient.f32")))) {
            for (float g : gradient) {
                o.writeFloat(g);
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        json.put("loss_sum", loss);
        json.put("gradient_length", gradient.length);
        json.put("step_seconds", seconds);
        double median = BenchJson.median(seconds);
        json.put("median_s", median);
        json.put("tokens", f.batch().rows() * f.batch().seqLen());
        json.put("tokens_per_s", f.batch().rows() * f.batch().seqLen() / median);
        BenchJson.write(out.resolve("result.json"), json);
        System.out.printf("%s: loss sum %.6f, median step %.3f s over %d steps, %.0f tokens/s (%d x %d tokens)%n",
                json.get("backend"), loss, median, reps, json.get("tokens_per_s"), f.batch().rows(), f.batch().seqLen());
    }

    static boolean compare(Path a, Path b) throws IOException {
        float[] ga = read(a.resolve("gradient.f32"));
        float[] gb = read(b.resolve("gradient.f32"));
        if (ga.length != gb.length) {
            System.out.println("backends DISAGREE: gradients of " + ga.length + " and " + gb.length + " values");
            return false;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        double diff = 0;
        for (int i = 0; i < ga.length; i++) {
            dot += (double) ga[i] * gb[i];
            na += (double) ga[i] * ga[i];
            nb += (double) gb[i] * gb[i];
            diff += ((double) ga[i] - gb[i]) * ((double) ga[i] - gb[i]);
        }
        JsonNode ra = new ObjectMapper().readTree(a.resolve("result.json").toFile());
        JsonNode rb = new ObjectMapper().readTree(b.resolve("result.json").toFile());
        double la = ra.get("loss_sum").asDouble();
        double lb = rb.get("loss_sum").asDouble();
        double lossRel = Math.abs(la - lb) / Math.abs(la);
        double gradRel = Math.sqrt(diff / na);
        System.out.printf("loss %.6f vs %.6f (relative %.2e); gradient relative L2 difference %.2e, cosine %.8f%n",
                la, lb, lossRel, gradRel, dot / Math.sqrt(na * nb));
        System.out.printf("step %s %.3f s (%.0f tokens/s), %s %.3f s (%.0f tokens/s): %.1fx%n",
                ra.get("backend").asText(), ra.get("median_s").asDouble(), ra.get("tokens_per_s").asDouble(),
                rb.get("backend").asText(), rb.get("median_s").asDouble(), rb.get("tokens_per_s").asDouble(),
                ra.get("median_s").asDouble() / rb.get("median_s").asDouble());
        boolean ok = lossRel < TOLERANCE && gradRel < TOLERANCE;
        System.out.println(ok ? "backends agree" : "backends DISAGREE (tolerance " + TOLERANCE + ")");
        return ok;
    }

    private static float[] read(Path file) throws IOException {
        float[] v = new float[(int) (Files.size(file) / Float.BYTES)];
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            for (int i = 0; i < v.length; i++) {
                v[i] = in.readFloat();
            }
        }
        return v;
    }
}
