package io.sparklora.core.backend;

/**
 * ND4J's CUDA backend cannot start on this machine. The message is one line that says why (no driver, a driver too
 * old, missing CUDA 11 libraries, no GPU, a GPU the build has no kernels for, a GPU Spark assigned that the executor
 * cannot see) and the fix; the factories below are the only place these lines are written.
 */
public final class CudaUnavailableException extends RuntimeException {
    static final String PREFIX = "CUDA backend unavailable: ";
    static final String CPU_JAR = "or use the CPU cluster jar (sparklora-<version>-cluster.jar)";
    /** CUDA 11's minimum Linux driver (minor version compatibility); CUDA 11.6's own release driver is 510.39.01. */
    static final String MIN_DRIVER = "450.80.02";

    public CudaUnavailableException(String line) {
        super(line.startsWith(PREFIX) ? line : PREFIX + line);
    }

    static String noDriver() {
        return PREFIX + "no NVIDIA driver on this machine (libcuda.so.1 not found); run the CUDA cluster jar on hosts "
                + "with an NVIDIA GPU and driver " + MIN_DRIVER + " or newer, " + CPU_JAR;
    }

    static String missingLibrary(String library) {
        return PREFIX + "the CUDA 11 libraries are missing (" + library + " not found); run on an image with the CUDA "
                + "11.x runtime (deploy/docker/Dockerfile: nvidia/cuda:11.6.2-cudnn8-runtime) or put CUDA 11.x's lib64 "
                + "on LD_LIBRARY_PATH, " + CPU_JAR;
    }

    /** driverCuda: what cudaDriverGetVersion reported, e.g. 10020 for a driver that supports CUDA 10.2. */
    static String driverTooOld(int driverCuda) {
        return PREFIX + "the NVIDIA driver is too old (it supports CUDA " + cudaVersion(driverCuda) + "; ND4J's CUDA "
                + "11.6 build needs driver " + MIN_DRIVER + " or newer, 510.39.01 or newer recommended); update the "
                + "driver, " + CPU_JAR;
    }

    static String noGpu(String visibleDevices) {
        return PREFIX + "the NVIDIA driver sees no GPU (CUDA_VISIBLE_DEVICES=" + visibleDevices + "); give the "
                + "executors GPUs (submit with --gpu), " + CPU_JAR;
    }

    static String unsupportedGpu(int ordinal, String name, int major, int minor) {
        return PREFIX + "GPU " + ordinal + " (" + name + ") has compute capability " + major + "." + minor
                + ", for which ND4J 1.0.0-M2.1's CUDA 11.6 build has no kernels (it has " + CudaBuild.architectures()
                + "; 8.9 runs the 8.6 ones); run on such a GPU (V100, T4, A10, A100, L4, RTX 30/40; not H100/H200), "
                + CPU_JAR;
    }

    static String deviceNotVisible(int ordinal, int count, String visibleDevices) {
        return PREFIX + "Spark assigned GPU " + ordinal + " but this executor sees " + count + " (CUDA_VISIBLE_DEVICES="
                + visibleDevices + "); the discovery script (deploy/gpu/discover-gpus.sh) must list the devices the "
                + "executor sees, numbered from 0";
    }

    static String cudaError(String call, String name, String text) {
        return PREFIX + call + " failed with " + name + " (" + text + "); check the GPU with nvidia-smi on this host, "
                + CPU_JAR;
    }

    static String cudaVersion(int v) {
        return v <= 0 ? "none" : v / 1000 + "." + v % 1000 / 10;
    }
}
