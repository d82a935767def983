package io.sparklora.jobs.train;

import org.apache.hadoop.fs.Path;

/** Where a run's outputs live under {@code output.path}. */
public record RunLayout(Path root) {
    public static final String ADAPTER = "adapter";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String METRICS = "metrics.jsonl";
    public static final String SUMMARY = "summary.json";
    private static final String ADAPTER_STAGING_PREFIX = "_staging-" + ADAPTER + "-";

    public RunLayout(String root) {
        this(new Path(root));
    }

    public Path adapter() {
        return new Path(root, ADAPTER);
    }

    public Path checkpoints() {
        return new Path(root, CHECKPOINTS);
    }

    public Path metrics() {
        return new Path(root, METRICS);
    }

    public Path summary() {
        return new Path(root, SUMMARY);
    }

    /** A fresh sibling directory to write the final adapter into before it is moved to {@link #adapter()}. */
    public Path adapterStaging() {
        return new Path(root, ADAPTER_STAGING_PREFIX + java.util.UUID.randomUUID());
    }

    /** True for the name of a directory {@link #adapterStaging()} made. */
    public static boolean isAdapterStaging(String name) {
        return name.startsWith(ADAPTER_STAGING_PREFIX);
    }
}
