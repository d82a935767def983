package io.sparklora.core.backend;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks the CUDA runtime, through the same JavaCPP bindings ND4J's CUDA backend loads first, what stops the backend:
 * each method returns the failure line of {@link CudaUnavailableException}, or null when there is none. Only called
 * in the CUDA build, where the bindings and their native code are on the class path.
 */
final class CudaProbe {
    private static final Pattern LIBRARY = Pattern.compile("lib(cuda|cudart|cublas|cublasLt|cusolver)\\.so[.0-9]*");

    private CudaProbe() {
    }

    /** Driver, CUDA 11 libraries and at least one GPU: the same order ND4J's JCublasBackend.canRun meets them. */
    static String driverFailure() {
        try {
            Loader.load(cudart.class);
        } catch (Throwable t) { // UnsatisfiedLinkError, or the same wrapped by JavaCPP's loader
            return linkFailure(t);
        }
        int[] driver = {0};
        cudart.cudaDriverGetVersion(driver);
        int[] count = {0};
        int rc = cudart.cudaGetDeviceCount(count);
        if (rc == cudart.cudaErrorInsufficientDriver || (driver[0] > 0 && driver[0] < 11000)) {
            return CudaUnavailableException.driverTooOld(driver[0]);
        }
        if (rc == cudart.cudaErrorNoDevice || (rc == cudart.cudaSuccess && count[0] == 0)) {
            return CudaUnavailableException.noGpu(visibleDevices());
        }
        if (rc != cudart.cudaSuccess) {
            return CudaUnavailableException.cudaError("cudaGetDeviceCount", errorName(rc), errorText(rc));
        }
        try {
            Loader.load(cublas.class);
        } catch (Throwable t) {
            return linkFailure(t);
        }
        return null;
    }

    /** The assigned device (or, with none assigned, every visible one: ND4J spreads threads over them) must run the build. */
    static String deviceFailure(OptionalInt device) {
        int[] count = {0};
        cudart.cudaGetDeviceCount(count);
        if (device.isPresent() && device.getAsInt() >= count[0]) {
            return CudaUnavailableException.deviceNotVisible(device.getAsInt(), count[0], visibleDevices());
        }
        int from = device.orElse(0);
        int to = device.isPresent() ? from + 1 : count[0];
        for (int d = from; d < to; d++) {
            cudaDeviceProp p = properties(d);
            if (!CudaBuild.runsOn(p.major(), p.minor())) {
                return CudaUnavailableException.unsupportedGpu(d, p.name().getString(), p.major(), p.minor());
            }
        }
        return null;
    }

    /** One line per visible GPU and one for the versions, for deploy/gpu/check.sh. */
    static List<String> describe() {
        int[] driver = {0};
        int[] runtime = {0};
        int[] count = {0};
        cudart.cudaDriverGetVersion(driver);
        cudart.cudaRuntimeGetVersion(runtime);
        cudart.cudaGetDeviceCount(count);
        List<String> lines = new ArrayList<>();
        for (int d = 0; d < count[0]; d++) {
            cudaDeviceProp p = properties(d);
            lines.add(String.format("GPU %d: %s, compute capability %d.%d, %.1f GiB%s", d, p.name().getString(),
                    p.major(), p.minor(), p.totalGlobalMem() / (double) (1L << 30),
                    CudaBuild.runsOn(p.major(), p.minor()) ? "" : " (no kernels in this build)"));
        }
        lines.add("driver supports CUDA " + CudaUnavailableException.cudaVersion(driver[0]) + "; CUDA runtime "
                + CudaUnavailableException.cudaVersion(runtime[0]) + "; CUDA_VISIBLE_DEVICES=" + visibleDevices());
        return lines;
    }

    /** The line for a native library that would not load, by the first CUDA library its messages name. */
    static String linkFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            Matcher m = LIBRARY.matcher(String.valueOf(c.getMessage()));
            if (m.find()) {
                return m.group(1).equals("cuda") ? CudaUnavailableException.noDriver()
                        : CudaUnavailableException.missingLibrary(m.group());
            }
        }
        return CudaUnavailableException.cudaError("loading the CUDA libraries", t.getClass().getSimpleName(),
                String.valueOf(t.getMessage()).lines().findFirst().orElse(""));
    }

    private static cudaDeviceProp properties(int device) {
        cudaDeviceProp p = new cudaDeviceProp();
        int rc = cudart.cudaGetDeviceProperties(p, device);
        if (rc != cudart.cudaSuccess) {
            throw new CudaUnavailableException(CudaUnavailableException.cudaError("cudaGetDeviceProperties(" + device
                    + ")", errorName(rc), errorText(rc)));
        }
        return p;
    }

    private static String visibleDevices() {
        String v = System.getenv("CUDA_VISIBLE_DEVICES");
        return v == null ? "unset" : v;
    }

    private static String errorName(int rc) {
        return cudart.cudaGetErrorName(rc).getString();
    }

    private static String errorText(int rc) {
        return cudart.cudaGetErrorString(rc).getString();
    }
}
