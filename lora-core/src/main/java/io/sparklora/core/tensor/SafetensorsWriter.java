package io.sparklora.core.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes safetensors files in F32, F16 or BF16, byte-compatible with Hugging Face's writer (see
 * {@link SafetensorsLayout}). Invalid arguments (reserved or non-text names, an unsupported output
 * dtype) throw {@link IllegalArgumentException}. Values outside the range of F16 become infinite.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {
    }

    /** Writes F32. */
    public static void write(Path path, Map<String, FloatTensor> tensors, Map<String, String> metadata)
            throws IOException {
        write(path, tensors, metadata, DType.F32);
    }

    /**
     * Writes to a temporary file beside {@code path}, syncs it and moves it into place, so readers
     * never see a partial file under the final name. Creates missing parent directories.
     *
     * @param metadata the {@code __metadata__} entries; null or empty writes none
     */
    public static void write(Path path, Map<String, FloatTensor> tensors, Map<String, String> metadata,
                             DType outputDType) throws IOException {
        SafetensorsLayout layout = new SafetensorsLayout(tensors, metadata, outputDType);
        Path target = path.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            // CREATE_NEW rather than createTempFile: the latter would give the final file mode 0600.
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                layout.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * The exact bytes {@link #write} would store, for file systems reached through other APIs.
     *
     * @throws IllegalArgumentException if the file would exceed the size of a Java array
     */
    public static byte[] toBytes(Map<String, FloatTensor> tensors, Map<String, String> metadata, DType outputDType) {
        SafetensorsLayout layout = new SafetensorsLayout(tensors, metadata, outputDType);
        if (layout.totalBytes() > TensorDecoding.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("the file would be " + layout.totalBytes()
                    + " bytes, more than a byte[] holds; use write(Path, ...) or split into shards");
        }
        ByteBuffer target = ByteBuffer.allocate((int) layout.totalBytes());
        try {
            layout.writeTo(new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) {
                    int n = src.remaining();
                    target.put(src);
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return target.array();
    }
}
