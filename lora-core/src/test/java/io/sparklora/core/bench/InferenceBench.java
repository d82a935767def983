package io.sparklora.core.bench;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.lora.LoraMerge;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.lora.ParameterLayout;
import io.sparklora.core.model.BaseModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LoRA paper's Table 1 question: does an adapter add inference latency? Forward latency (logits for every
 * position of ROWS full windows) of the base model, the base + unmerged adapter (the extra B·A·x products), and the
 * merged model (W0 + s·B·A, the same graph as the base). The three run round-robin so noise hits them alike.
 * Usage: InferenceBench FIXTURE_DIR WARMUP REPS OUT.json ROWS...
 */
public final class InferenceBench {
    private InferenceBench() {
    }

    public static void main(String[] args) throws Exception {
        io.sparklora.core.backend.CpuBuild.select();
        Path dir = Path.of(args[0]);
        int warmup = Integer.parseInt(args[1]);
        int reps = Integer.parseInt(args[2]);
        BenchFixture.Loaded f = BenchFixture.read(dir);
        int t = f.batch().seqLen();
        LoraPlan none = new LoraPlan(f.plan().config(), List.of(), new ParameterLayout(new LinkedHashMap<>()));
        BaseModel merged = LoraMerge.merge(f.base(), f.plan(), f.theta());
        CausalLm base = CausalLm.build(f.base(), none, EngineSpec.inference(t));
        CausalLm unmerged = CausalLm.build(f.base(), f.plan(), EngineSpec.inference(t));
        unmerged.setTrainable(f.theta());
        CausalLm mergedGraph = CausalLm.build(merged, none, EngineSpec.inference(t));
        CausalLm[] graphs = {base, unmerged, mergedGraph};
        String[] names = {"base", "unmerged", "merged"};

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("fixture", dir.toString());
        json.put("seq_len", t);
        for (int a = 4; a < args.length; a++) {
            int rows = Integer.parseInt(args[a]);
            int[] tokens = new int[rows * t];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = f.batch().tokens()[i % f.batch().tokens().length];
            }
            double[][] seconds = new double[3][reps];
            for (int r = -warmup; r < reps; r++) {
                for (int g = 0; g < 3; g++) {
                    long start = System.nanoTime();
                    graphs[g].logits(tokens);
                    if (r >= 0) {
                        seconds[g][r] = (System.nanoTime() - start) / 1e9;
                    }
                }
            }
            INDArray u = unmerged.logits(tokens);
            INDArray m = mergedGraph.logits(tokens);
            double relDiff = u.sub(m).norm2Number().doubleValue() / u.norm2Number().doubleValue();
            Map<String, Object> row = new LinkedHashMap<>();
            double baseMedian = BenchJson.median(seconds[0]);
            for (int g = 0; g < 3; g++) {
                row.put(names[g] + "_median_s", BenchJson.median(seconds[g]));
                row.put(names[g] + "_seconds", seconds[g]);
            }
            row.put("unmerged_over_base", BenchJson.median(seconds[1]) / baseMedian);
            row.put("merged_over_base", BenchJson.median(seconds[2]) / baseMedian);
            row.put("merged_vs_unmerged_logits_rel_diff", relDiff);
            json.put("rows_" + rows, row);
            System.out.printf("inference %d x %d: base %.1f ms, unmerged %.3fx, merged %.3fx (logits rel diff %.1e)%n",
                    rows, t, baseMedian * 1e3, row.get("unmerged_over_base"), row.get("merged_over_base"), relDiff);
        }
        BenchJson.write(Path.of(args[3]), json);
    }
}
