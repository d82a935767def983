package io.sparklora.jobs.config;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Reads a job: one YAML file (snake_case keys, see {@link JobConfig}) plus {@code --set section.key=value} overrides
 * applied in order, each replacing the file's value.
 */
public final class JobConfigLoader {
    /** A job file is a few dozen lines; refusing big files keeps a wrong path from being read into memory. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private JobConfigLoader() {
    }

    /**
     * Reads the file through Hadoop's FileSystem, so hdfs://, s3a://, file: and other URIs work. A path without a
     * scheme is looked up on the local disk (where spark-submit runs) first, then on the default filesystem.
     */
    public static JobConfig load(String yamlPathOrUri, List<String> setOverrides, Configuration hadoopConf) {
        return parse(read(yamlPathOrUri, hadoopConf), yamlPathOrUri, setOverrides);
    }

    /**
     * One combination of a sweep: the file, then the {@code --set} overrides, then the combination's {@code --grid}
     * values (each {@code section.key=value}), which errors name as {@code --grid section.key=value}.
     */
    public static JobConfig load(String yamlPathOrUri, List<String> setOverrides, List<String> gridValues,
                                 Configuration hadoopConf) {
        Map<String, Map<String, Object>> tree = ConfigTree.of(YamlText.load(read(yamlPathOrUri, hadoopConf),
                yamlPathOrUri), yamlPathOrUri);
        Origins origins = new Origins(yamlPathOrUri);
        Overrides.apply(tree, setOverrides, origins);
        Overrides.apply(tree, gridValues, GridAxis.FLAG, origins);
        return ConfigBinder.bind(tree, origins);
    }

    /** Parses YAML text; {@code sourceName} names it in error messages. */
    public static JobConfig parse(String yamlText, String sourceName, List<String> overrides) {
        Map<String, Map<String, Object>> tree = ConfigTree.of(YamlText.load(yamlText, sourceName), sourceName);
        Origins origins = new Origins(sourceName);
        Overrides.apply(tree, overrides, origins);
        return ConfigBinder.bind(tree, origins);
    }

    private static String read(String location, Configuration conf) {
        if (location == null || location.isBlank()) {
            throw new JobConfigException("no job config file given; pass the path of a YAML job file");
        }
        try {
            Path path = new Path(location);
            FileSystem fs = fileSystem(path, conf);
            FileStatus status;
            try {
                status = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new JobConfigException("job config file not found: " + location + " (looked in "
                        + fs.makeQualified(path) + ")");
            }
            if (status.isDirectory()) {
                throw new JobConfigException("job config " + location + " is a directory; give the YAML file in it");
            }
            if (status.getLen() > MAX_FILE_BYTES) {
                throw new JobConfigException("job config " + location + " is " + status.getLen()
                        + " bytes; a job file is a small YAML file (at most " + MAX_FILE_BYTES + " bytes)");
            }
            try (InputStream in = fs.open(path)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IllegalArgumentException e) {
            throw new JobConfigException("job config path " + location + " is not a valid path or URI: "
                    + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read job config " + location + ": " + e.getMessage(), e);
        }
    }

    private static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
        URI uri = path.toUri();
        if (uri.getScheme() == null) {
            FileSystem local = FileSystem.getLocal(conf);
            if (local.exists(path)) {
                return local;
            }
        }
        return path.getFileSystem(conf);
    }
}
