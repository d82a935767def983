package io.sparklora.jobs.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/** Small helpers over Hadoop's FileSystem, so every user path may be local, hdfs://, s3a:// or any other scheme. */
public final class HadoopFiles {
    private HadoopFiles() {
    }

    public static FileSystem fs(Path path, Configuration conf) {
        try {
            return path.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + path + ": " + e.getMessage(), e);
        }
    }

    public static boolean exists(Path path, Configuration conf) throws IOException {
        return fs(path, conf).exists(path);
    }

    public static byte[] readBytes(Path path, Configuration conf) throws IOException {
        try (InputStream in = fs(path, conf).open(path)) {
            return in.readAllBytes();
        }
    }

    public static String readString(Path path, Configuration conf) throws IOException {
        return new String(readBytes(path, conf), StandardCharsets.UTF_8);
    }

    /**
     * Writes a whole file, replacing any previous one. Not atomic on its own: callers publish with markers. Closing
     * the stream is what completes the file (on S3 the object appears whole only then); no hflush, which object
     * stores cannot honour (S3A only logs it by default and throws with fs.s3a.downgrade.syncable.exceptions=false).
     */
    public static void write(Path path, byte[] bytes, Configuration conf) throws IOException {
        try (FSDataOutputStream out = fs(path, conf).create(path, true)) {
            out.write(bytes);
        }
    }

    public static void writeString(Path path, String text, Configuration conf) throws IOException {
        write(path, text.getBytes(StandardCharsets.UTF_8), conf);
    }

    /**
     * Copies a file or a directory's files (not recursive) to a local directory, each through a temporary name and
     * an atomic local rename, so a concurrent reader never sees a partial file.
     */
    public static void copyToLocal(Path source, java.nio.file.Path localDir, Configuration conf) throws IOException {
        FileSystem fs = fs(source, conf);
        Files.createDirectories(localDir);
        FileStatus status = fs.getFileStatus(source);
        FileStatus[] files = status.isDirectory() ? fs.listStatus(source) : new FileStatus[] {status};
        for (FileStatus f : files) {
            if (!f.isFile()) {
                continue;
            }
            java.nio.file.Path target = localDir.resolve(f.getPath().getName());
            java.nio.file.Path tmp = Files.createTempFile(localDir, ".copy-", ".tmp");
            try (InputStream in = fs.open(f.getPath())) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** True for paths the local file system serves directly (no copy needed). */
    public static boolean isLocal(Path path, Configuration conf) {
        String scheme = fs(path, conf).getUri().getScheme();
        return "file".equals(scheme);
    }
}
