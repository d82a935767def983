package io.sparklora.jobs.train;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Binds the task's thread to what Spark's scheduler gave it: ND4J threads follow the task's CPU count, and a GPU
 * assigned through resource scheduling ({@code spark.task.resource.gpu.amount}) becomes ND4J's device.
 */
public final class DeviceBinding {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // the first ND4J call of a task is often this class's
    }
    private static final Logger LOG = LoggerFactory.getLogger(DeviceBinding.class);
    private static volatile boolean warnedCpuBackend;

    private DeviceBinding() {
    }

    /** The first GPU address Spark assigned, parsed as a device ordinal. */
    public static OptionalInt gpuOrdinal(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return OptionalInt.empty();
        }
        String address = gpu.addresses()[0].trim();
        try {
            return OptionalInt.of(Integer.parseInt(address));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("GPU address \"" + address + "\" from Spark's resource discovery is not a device "
                    + "ordinal; the discovery script must print addresses like [\"0\", \"1\"]");
        }
    }

    public static void bindCurrentTask() {
        TaskContext ctx = TaskContext.get();
        if (ctx == null) {
            return;
        }
        int cpus = Math.max(1, ctx.cpus());
        Nd4j.getEnvironment().setMaxMasterThreads(cpus);
        Nd4j.getEnvironment().setMaxThreads(cpus);
        OptionalInt gpu = gpuOrdinal(ctx.resourcesJMap());
        if (gpu.isPresent()) {
            if (isCudaBackend()) {
                Nd4j.getAffinityManager().unsafeSetDevice(gpu.getAsInt());
            } else if (!warnedCpuBackend) {
                warnedCpuBackend = true;
                LOG.warn("task was given GPU {} but ND4J's CPU backend is on the classpath; build with -Pcuda for GPU executors",
                        gpu.getAsInt());
            }
        }
    }

    static boolean isCudaBackend() {
        return Nd4j.getBackend().getClass().getName().toLowerCase().contains("cuda");
    }
}
