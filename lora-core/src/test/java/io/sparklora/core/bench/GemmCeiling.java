package io.sparklora.core.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ND4J's fp32 matrix-product throughput: C = A·B into a preallocated C (no allocation in the timed region), median
 * of REPS after a warm-up, for each MxKxN shape.
 * Usage: GemmCeiling OUT.json REPS SHAPE... (e.g. 2048x2048x2048 1024x512x512).
 */
public final class GemmCeiling {
    private GemmCeiling() {
    }

    public static void main(String[] args) throws Exception {
        io.sparklora.core.backend.CpuBuild.select();
        Path out = Path.of(args[0]);
        int reps = Integer.parseInt(args[1]);
        List<Map<String, Object>> results = new ArrayList<>();
        double best = 0;
        for (int s = 2; s < args.length; s++) {
            String[] mkn = args[s].split("x");
            int m = Integer.parseInt(mkn[0]);
            int k = Integer.parseInt(mkn[1]);
            int n = Integer.parseInt(mkn[2]);
            INDArray a = Nd4j.rand(DataType.FLOAT, m, k); // [M, K]
            INDArray b = Nd4j.rand(DataType.FLOAT, k, n); // [K, N]
            INDArray c = Nd4j.create(DataType.FLOAT, m, n); // [M, N]
            double flops = 2.0 * m * k * n;
            // Enough products per timing that a sample lasts ~0.2 s even for the small shapes.
            int inner = (int) Math.max(1, Math.min(200, 2e10 / flops));
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            double[] seconds = new double[reps];
            for (int r = 0; r < reps; r++) {
                long start = System.nanoTime();
                for (int i = 0; i < inner; i++) {
                    Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
                }
                seconds[r] = (System.nanoTime() - start) / 1e9 / inner;
            }
            double median = BenchJson.median(seconds);
            double gflops = flops / median / 1e9;
            best = Math.max(best, gflops);
            results.add(Map.of("m", m, "k", k, "n", n, "median_s", median, "gflops", gflops));
            System.out.printf("nd4j gemm %dx%dx%d: %.1f GFLOP/s%n", m, k, n, gflops);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("library", "ND4J " + Nd4j.getExecutioner().getEnvironmentInformation().getProperty("blas.vendor", "?")
                + ", platform extension " + System.getProperty("org.bytedeco.javacpp.platform.extension", "(none)"));
        json.put("threads", Nd4j.getEnvironment().maxMasterThreads());
        json.put("results", results);
        json.put("best_gflops", best);
        BenchJson.write(out, json);
    }
}
