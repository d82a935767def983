package io.sparklora.core.lora;

import io.sparklora.core.model.LinearModule;

/** The adapter pair of one linear module: A [r, in], B [out, r], named as in PEFT's files (minus the prefix). */
public record LoraModule(LinearModule base, int r) {
    public LoraModule {
        if (r > Math.min(base.inFeatures(), base.outFeatures())) {
            throw new IllegalArgumentException("lora r = " + r + " exceeds the dimensions of " + base.path() + " (in "
                    + base.inFeatures() + ", out " + base.outFeatures() + "); choose r <= "
                    + Math.min(base.inFeatures(), base.outFeatures()));
        }
    }

    public String aName() {
        return base.path() + ".lora_A.weight";
    }

    public String bName() {
        return base.path() + ".lora_B.weight";
    }

    public long[] aShape() {
        return new long[] {r, base.inFeatures()};
    }

    public long[] bShape() {
        return new long[] {base.outFeatures(), r};
    }
}
