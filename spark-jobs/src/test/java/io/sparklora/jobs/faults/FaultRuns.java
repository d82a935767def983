package io.sparklora.jobs.faults;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.jobs.train.RunLayout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Helpers shared by the fault-injection ITs: adapter comparison, summary reading, and the CLI as a child JVM. */
public final class FaultRuns {
    private FaultRuns() {
    }

    public static float[] adapterTheta(Path model, Path output) throws Exception {
        BaseModel base = BaseModelLoader.load(model);
        return PeftAdapterFiles.read(output.resolve(RunLayout.ADAPTER), base.layout()).verifiedFor(base).adapter().theta();
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    public static Map<String, Object> summary(Path output) throws IOException {
        return new ObjectMapper().readValue(output.resolve(RunLayout.SUMMARY).toFile(), new TypeReference<>() {
        });
    }

    /**
     * {@code java <this JVM's module flags> -cp <this JVM's class path> SparkLoraMain train --config yaml}, in local[2]
     * mode, its stdout and stderr going to {@code log}.
     */
    public static Process startTrain(Path yaml, Path log, String... systemProperties) throws IOException {
        return startCli(log, List.of(systemProperties), "train", "--config", yaml.toString());
    }

    /**
     * {@code java <this JVM's module flags> -cp <this JVM's class path> SparkLoraMain <args>}, in local[2] mode, its
     * stdout and stderr going to {@code log}.
     */
    public static Process startCli(Path log, List<String> systemProperties, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports") || arg.startsWith("--add-modules")
                    || arg.startsWith("-XX:")
                    || arg.startsWith("-Djdk.reflect") || arg.startsWith("-Dio.netty")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Xmx1500m");
        Path log4j = Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize();
        if (Files.exists(log4j)) {
            cmd.add("-Dlog4j2.configurationFile=" + log4j);
        }
        cmd.addAll(systemProperties);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.sparklora.jobs.cli.SparkLoraMain");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().remove("SPARK_DIST_CLASSPATH");
        return pb.start();
    }

    public static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
