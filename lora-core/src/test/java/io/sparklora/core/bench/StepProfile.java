package io.sparklora.core.bench;

import io.sparklora.core.graph.CausalLmGraph;
import io.sparklora.core.graph.GraphMode;
import io.sparklora.core.graph.GraphSpec;

import java.io.IOException;
import java.nio.file.Path;

/** Usage: StepProfile FIXTURE_DIR [lora|full] [STEPS] (-Dprofile.shapes=true: rows per op and output shape): per-op-type time of training steps on a bench fixture. */
public final class StepProfile {
    private StepProfile() {
    }

    public static void main(String[] args) throws IOException {
        io.sparklora.core.backend.CpuBuild.select();
        BenchFixture.Loaded f = BenchFixture.read(Path.of(args[0]));
        GraphMode mode = args.length > 1 ? GraphMode.valueOf(args[1].toUpperCase()) : GraphMode.LORA;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        CausalLmGraph graph = CausalLmGraph.build(f.base(), f.plan(), GraphSpec.training(f.batch().seqLen(), mode));
        if (mode == GraphMode.LORA) {
            graph.setTrainable(f.theta());
        }
        OpProfile profile = new OpProfile(Boolean.getBoolean("profile.shapes"));
        graph.setListeners(profile);
        graph.forwardBackward(f.batch(), 0); // warm-up
        profile.reset();
        for (int i = 0; i < steps; i++) {
            long start = System.nanoTime();
            graph.forwardBackward(f.batch(), 0).close();
            profile.stepDone(System.nanoTime() - start);
        }
        System.out.println(mode + " step on " + args[0] + ", " + steps + " steps:");
        System.out.print(profile.table());
    }
}
