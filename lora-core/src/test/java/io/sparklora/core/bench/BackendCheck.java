package io.sparklora.core.bench;

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
 * The same LoRA step on whichever ND4J backend is on the class path (CPU or CUDA): its loss, its flat gradient and
 * its median time, so two backends can be compared on one fixture (deploy/gpu/engine-check.sh).
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
        json.put("median_s", BenchJson.median(seconds));
        BenchJson.write(out.resolve("result.json"), json);
        System.out.printf("%s: loss sum %.6f, median step %.3f s%n", json.get("backend"), loss, BenchJson.median(seconds));
    }

    static boolean compare(Path a, Path b) throws IOException {
        float[] ga = read(a.resolve("gradient.f32"));
        float[] gb = read(b.resolve("gradient.f32"));
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
        double la = lossOf(a);
        double lb = lossOf(b);
        double lossRel = Math.abs(la - lb) / Math.abs(la);
        double gradRel = Math.sqrt(diff / na);
        System.out.printf("loss %.6f vs %.6f (relative %.2e); gradient relative L2 difference %.2e, cosine %.8f%n",
                la, lb, lossRel, gradRel, dot / Math.sqrt(na * nb));
        boolean ok = ga.length == gb.length && lossRel < TOLERANCE && gradRel < TOLERANCE;
        System.out.println(ok ? "backends agree" : "backends DISAGREE (tolerance " + TOLERANCE + ")");
        return ok;
    }

    private static double lossOf(Path dir) throws IOException {
        String json = Files.readString(dir.resolve("result.json"));
        String tail = json.substring(json.indexOf("\"loss_sum\"") + "\"loss_sum\"".length());
        return Double.parseDouble(tail.substring(tail.indexOf(':') + 1).split("[,}]")[0].trim());
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
