package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.StepProfiler;
import io.sparklora.core.engine.TrainingMode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a training step's time goes, by part of the model, split into matrix products and everything else.
 * Usage: StepProfile FIXTURE_DIR [lora|full] [STEPS]
 */
public final class StepProfile {
    private StepProfile() {
    }

    public static void main(String[] args) throws IOException {
        io.sparklora.core.backend.CpuBuild.select();
        BenchFixture.Loaded f = BenchFixture.read(Path.of(args[0]));
        TrainingMode mode = args.length > 1 ? TrainingMode.valueOf(args[1].toUpperCase()) : TrainingMode.LORA;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        CausalLm lm = CausalLm.build(f.base(), f.plan(), EngineSpec.training(f.batch().seqLen(), mode));
        if (mode == TrainingMode.LORA) {
            lm.setTrainable(f.theta());
        }
        lm.forwardBackward(f.batch(), 0).close(); // warm-up: buffers allocated
        StepProfiler.start();
        long wall = 0;
        for (int i = 0; i < steps; i++) {
            long start = System.nanoTime();
            lm.forwardBackward(f.batch(), 0).close();
            wall += System.nanoTime() - start;
        }
        Map<StepProfiler.Part, long[]> parts = StepProfiler.stop();
        System.out.println(mode + " step on " + args[0] + ", " + steps + " steps:");
        System.out.print(table(parts, wall, steps));
    }

    static String table(Map<StepProfiler.Part, long[]> parts, long wall, int steps) {
        StringBuilder sb = new StringBuilder(String.format("%-12s %10s %10s %10s %7s%n", "part", "ms/step", "gemm ms", "other ms", "share"));
        long inParts = 0;
        long gemm = 0;
        for (StepProfiler.Part p : StepProfiler.Part.values()) {
            long[] v = parts.getOrDefault(p, new long[2]);
            long total = p == StepProfiler.Part.OTHER ? wall - inParts : v[0];
            inParts += v[0];
            gemm += v[1];
            sb.append(String.format("%-12s %10.1f %10.1f %10.1f %6.1f%%%n", p.name().toLowerCase(), total / 1e6 / steps,
                    v[1] / 1e6 / steps, (total - v[1]) / 1e6 / steps, 100.0 * total / wall));
        }
        sb.append(String.format("%-12s %10.1f %10.1f %10.1f %6.1f%%%n", "step", wall / 1e6 / steps, gemm / 1e6 / steps,
                (wall - gemm) / 1e6 / steps, 100.0));
        return sb.toString();
    }
}
