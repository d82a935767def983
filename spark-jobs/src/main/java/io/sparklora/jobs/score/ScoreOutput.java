package io.sparklora.jobs.score;

import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Where a scoring job's output goes, published so that a reader never takes half a result for a whole one. The
 * job writes everything into a hidden staging directory beside the output (same parent, so the same file system;
 * the leading dot keeps it out of readers of the parent), then {@link #publish} moves it to the output path and
 * writes the {@link #MARKER} there last. A previous output (with {@code --overwrite}) is moved aside to a hidden
 * backup only once the new one is complete, and deleted only after the new one is in place; a job that fails or is
 * killed before that leaves it untouched. A run that died between the two moves left the output path empty and the
 * previous output in the backup: the next run puts it back first ({@link #recover}).
 *
 * <p>On HDFS and local disks a directory move is atomic. On S3 and other object stores it copies file by file, so a
 * reader there must wait for the marker (as for any Hadoop job output), which is written only after every file.
 */
public final class ScoreOutput {
    /** Written last: the output is complete. Empty, as Hadoop's and Spark's own. */
    public static final String MARKER = "_SUCCESS";
    /** What was scored: model, adapter, input snapshot, rows (see {@link ScoreJob}). */
    public static final String RECORD = "_score.json";
    private static final Logger LOG = LoggerFactory.getLogger(ScoreOutput.class);

    private final Path output;
    private final FileSystem fs;
    private final Configuration conf;

    public ScoreOutput(String output, Configuration conf) {
        Path given = new Path(output);
        this.fs = HadoopFiles.fs(given, conf);
        // Qualified once against the job's configuration, so a path without a scheme means the job's default file
        // system in every derived path (staging, backup, marker) too.
        this.output = fs.makeQualified(given);
        this.conf = conf;
    }

    public Path path() {
        return output;
    }

    /** The hidden directory the job writes into. */
    public Path staging() {
        return sibling(".staging");
    }

    /** Where a previous output waits while the new one is moved into place. */
    Path backup() {
        return sibling(".previous");
    }

    private Path sibling(String suffix) {
        Path parent = output.getParent();
        String name = "." + output.getName() + suffix;
        return parent == null ? new Path(name) : new Path(parent, name);
    }

    /** Whether anything is at the output path (complete or not). */
    public boolean exists() throws IOException {
        return fs.exists(output);
    }

    /** Whether the output path holds a complete output (its marker). */
    public boolean complete() throws IOException {
        return fs.exists(new Path(output, MARKER));
    }

    /**
     * Undoes what a killed run left: a previous output moved aside but not replaced goes back to the output path;
     * a leftover staging directory (never a complete output) is removed.
     */
    public void recover() throws IOException {
        if (fs.exists(backup())) {
            if (fs.exists(output)) {
                fs.delete(backup(), true);
            } else {
                LOG.warn("{}: a previous run stopped while replacing it; putting the previous output back from {}",
                        output, backup());
                rename(backup(), output);
            }
        }
        fs.delete(staging(), true);
    }

    /** Moves the complete staging directory to the output path, replacing what is there, then writes the marker. */
    public void publish() throws IOException {
        Path staging = staging();
        if (!fs.exists(staging)) {
            throw new IOException("staging directory " + staging + " is missing");
        }
        boolean replacing = fs.exists(output);
        if (replacing) {
            fs.delete(new Path(output, MARKER), false); // no longer complete from here on
            fs.delete(backup(), true);
            rename(output, backup());
        } else if (output.getParent() != null) {
            fs.mkdirs(output.getParent());
        }
        rename(staging, output);
        // the job's configuration, not fs.getConf(): a cached FileSystem keeps the configuration of whoever opened
        // it first, possibly with another default file system
        HadoopFiles.write(new Path(output, MARKER), new byte[0], conf); // last
        if (replacing) {
            fs.delete(backup(), true);
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot move " + from + " to " + to);
        }
    }
}
