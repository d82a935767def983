package io.sparklora.jobs.train;

import io.sparklora.core.backend.CudaBuild;
import io.sparklora.core.backend.CudaUnavailableException;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Binds the task's thread to what Spark's scheduler gave it: ND4J threads follow the task's CPU count, and a GPU
 * assigned through resource scheduling ({@code spark.task.resource.gpu.amount}) becomes ND4J's device. In the CUDA
 * build a task must have a GPU from Spark, except in local mode (one JVM on a workstation, where ND4J uses the visible
 * devices); on a cluster, tasks without one would all crowd onto device 0. Before ND4J loads, CudaBuild.requireReady
 * turns a driver, library or GPU problem into one line (CudaUnavailableException), which fails the job.
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
        OptionalInt gpu = gpuOrdinal(ctx.resourcesJMap());
        boolean cuda = CudaBuild.packaged();
        if (cuda) {
            if (gpu.isEmpty() && !"driver".equals(SparkEnv.get().executorId())) {
                throw new CudaUnavailableException(noGpuAssigned(ctx.partitionId()));
            }
            CudaBuild.requireReady(gpu);
        }
        int cpus = Math.max(1, ctx.cpus());
        Nd4j.getEnvironment().setMaxMasterThreads(cpus);
        Nd4j.getEnvironment().setMaxThreads(cpus);
        if (gpu.isPresent()) {
            if (cuda) {
                Nd4j.getAffinityManager().unsafeSetDevice(gpu.getAsInt());
                int bound = Nd4j.getAffinityManager().getDeviceForCurrentThread();
                if (bound != gpu.getAsInt()) {
                    throw new IllegalStateException("task was given GPU " + gpu.getAsInt() + " by Spark but ND4J runs it "
                            + "on device " + bound);
                }
            } else if (!warnedCpuBackend) {
                warnedCpuBackend = true;
                LOG.warn("task was given GPU {} but ND4J's CPU backend is on the classpath; build with -Pcuda for GPU executors",
                        gpu.getAsInt());
            }
        }
    }

    static String noGpuAssigned(int partition) {
        return "task " + partition + " has no GPU from Spark's resource scheduling, but this is the CUDA cluster jar: "
                + "submit with --gpu (spark.executor.resource.gpu.amount=1, spark.task.resource.gpu.amount=1 and a "
                + "discovery script), or use the CPU cluster jar (sparklora-<version>-cluster.jar)";
    }
}
