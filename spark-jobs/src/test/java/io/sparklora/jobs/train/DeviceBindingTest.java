package io.sparklora.jobs.train;

import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing the GPU Spark assigned; the scheduling itself is exercised in LocalClusterIT with a discovery script. */
class DeviceBindingTest {
    @Test
    void noGpuMeansNoBindingAndABadAddressIsAClearError() {
        assertThat(DeviceBinding.gpuOrdinal(Map.of())).isEmpty();
        assertThat(DeviceBinding.gpuOrdinal(Map.of("gpu", new ResourceInformation("gpu", new String[] {"3"}))))
                .hasValue(3);
        assertThatThrownBy(() -> DeviceBinding.gpuOrdinal(Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-a1b2"}))))
                .hasMessageContaining("GPU-a1b2").hasMessageContaining("discovery script");
    }

    @Test
    void aCudaTaskWithoutAGpuIsToldHowToGetOne() {
        assertThat(DeviceBinding.noGpuAssigned(3)).startsWith("task 3 has no GPU").contains("--gpu",
                "spark.task.resource.gpu.amount=1", "CPU cluster jar").doesNotContain("\n");
    }
}
