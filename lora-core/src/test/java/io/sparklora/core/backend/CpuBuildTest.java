package io.sparklora.core.backend;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CpuBuildTest {
    @Test
    void theDefaultBuildPackagesTheOneDnnLibrary() {
        assertThat(CpuBuild.class.getClassLoader().getResource(CpuBuild.AVX512_LIBRARY)).isNotNull();
    }

    @Test
    void anExplicitChoiceIsKept() {
        String before = System.getProperty(CpuBuild.EXTENSION_PROPERTY);
        try {
            System.setProperty(CpuBuild.EXTENSION_PROPERTY, "");
            CpuBuild.select();
            assertThat(System.getProperty(CpuBuild.EXTENSION_PROPERTY)).isEmpty();
        } finally {
            if (before == null) {
                System.clearProperty(CpuBuild.EXTENSION_PROPERTY);
            } else {
                System.setProperty(CpuBuild.EXTENSION_PROPERTY, before);
            }
        }
    }
}
