package io.sparklora.jobs.config;

/** @param path directory that receives the adapter, checkpoints and summary.json */
public record OutputSection(String path) {
    public OutputSection {
        Checks.required("output.path", path);
    }
}
