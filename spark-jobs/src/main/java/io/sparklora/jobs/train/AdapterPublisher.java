package io.sparklora.jobs.train;

import io.sparklora.core.adapter.PeftAdapter;
import io.sparklora.core.adapter.PeftAdapterFiles;
import io.sparklora.core.adapter.PeftFormat;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * Publishes the final PEFT adapter so that a reader never takes a partial one for finished, on any Hadoop file
 * system and without an atomic directory rename (on S3 and other object stores a rename copies one file after
 * another, so a crash part-way leaves some of them): both files are first written whole into a staging directory,
 * then moved into {@code adapter/} one at a time, the weights first and {@code adapter_config.json} last. Moving one
 * file is atomic on HDFS and local disks and a server-side copy that creates the object whole on S3, so
 * {@code adapter/} holds only whole files, and {@code adapter_config.json} appears only once the weights beside it
 * are final: like a checkpoint's {@code _COMPLETE} marker, and PEFT loaders need it, so none can load a
 * half-published adapter. summary.json with status succeeded, written after, is the signal that the run finished.
 */
final class AdapterPublisher {
    private AdapterPublisher() {
    }

    /** Returns the adapter's size in bytes. */
    static long publish(RunLayout layout, PeftAdapter adapter, LoraPlan plan, ModelFamily family, Configuration conf,
                        FaultInjection faults) throws IOException {
        PeftAdapterFiles.Encoded encoded = PeftAdapterFiles.encode(adapter, plan, family);
        Path target = layout.adapter();
        FileSystem fs = HadoopFiles.fs(target, conf);
        removeStagingLeftovers(layout, fs);
        Path staging = layout.adapterStaging();
        try {
            HadoopFiles.write(new Path(staging, PeftFormat.WEIGHTS_FILE), encoded.weights(), conf);
            HadoopFiles.write(new Path(staging, PeftFormat.CONFIG_FILE), encoded.configJson(), conf);
            // Only a previous publish of this same run can be there (a rerun after a crash while publishing):
            // its config goes first, so that it never stands beside other weights.
            fs.delete(new Path(target, PeftFormat.CONFIG_FILE), false);
            fs.delete(target, true);
            if (!fs.mkdirs(target)) {
                throw new IOException("cannot create " + target);
            }
            move(fs, new Path(staging, PeftFormat.WEIGHTS_FILE), new Path(target, PeftFormat.WEIGHTS_FILE));
            faults.afterAdapterWeights();
            move(fs, new Path(staging, PeftFormat.CONFIG_FILE), new Path(target, PeftFormat.CONFIG_FILE)); // last
        } finally {
            fs.delete(staging, true);
        }
        return encoded.weights().length + encoded.configJson().length;
    }

    private static void move(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot move " + from + " to " + to);
        }
    }

    /** Staging directories a run left behind when it died while publishing. */
    private static void removeStagingLeftovers(RunLayout layout, FileSystem fs) throws IOException {
        if (!fs.exists(layout.root())) {
            return;
        }
        for (FileStatus s : fs.listStatus(layout.root())) {
            if (RunLayout.isAdapterStaging(s.getPath().getName())) {
                fs.delete(s.getPath(), true);
            }
        }
    }
}
