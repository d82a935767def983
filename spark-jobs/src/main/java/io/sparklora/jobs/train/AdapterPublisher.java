package io.sparklora.jobs.train;

import io.sparklora.core.adapter.PeftAdapter;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * Writes the final PEFT adapter where readers look for it only once it is whole: into a staging directory first,
 * then renamed to {@code adapter/} (atomic on HDFS and local disks; on object stores a copy, which is why
 * summary.json, written after, is the signal that the run finished).
 */
final class AdapterPublisher {
    private AdapterPublisher() {
    }

    /** Returns the adapter's size in bytes. */
    static long publish(RunLayout layout, PeftAdapter adapter, LoraPlan plan, ModelFamily family, Configuration conf)
            throws IOException {
        PeftAdapterFiles.Encoded encoded = PeftAdapterFiles.encode(adapter, plan, family);
        Path staging = layout.adapterStaging();
        FileSystem fs = HadoopFiles.fs(staging, conf);
        try {
            HadoopFiles.write(new Path(staging, PeftFormat.WEIGHTS_FILE), encoded.weights(), conf);
            HadoopFiles.write(new Path(staging, PeftFormat.CONFIG_FILE), encoded.configJson(), conf);
            if (fs.exists(layout.adapter())) {
                fs.delete(layout.adapter(), true); // only a previous publish of this same run can be there
            }
            if (!fs.rename(staging, layout.adapter())) {
                throw new IOException("cannot move " + staging + " to " + layout.adapter());
            }
        } finally {
            if (fs.exists(staging)) {
                fs.delete(staging, true);
            }
        }
        return encoded.weights().length + encoded.configJson().length;
    }
}
