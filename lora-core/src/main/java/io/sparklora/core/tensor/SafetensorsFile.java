package io.sparklora.core.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file. Opening reads and validates the whole header (see
 * {@link SafetensorsHeader}); tensor data is only touched when read. Files up to 2 GiB are mapped
 * once; larger files, which one {@link ByteBuffer} cannot address, are mapped per tensor region on
 * demand. Reads are thread-safe.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Reads of regions larger than this are split, since one mapping addresses at most 2 GiB. */
    private static final int DEFAULT_CHUNK_BYTES = 1 << 30;
    /** Elements per chunk of {@link #streamFloats}: 4 MB of float32, small beside any tensor worth streaming. */
    static final int STREAM_CHUNK_ELEMENTS = 1 << 20;

    /** Receives a tensor's float32 values in order: {@code values[0, count)} are elements {@code first …}. */
    @FunctionalInterface
    public interface FloatChunks {
        void accept(float[] values, int count, long first) throws IOException;
    }

    /**
     * The chunk buffers of {@link #streamFloats}, made once per model load and reused for every tensor: buffers
     * allocated per tensor would be heap garbage that grows the resident set before the collector runs.
     */
    public static final class StreamBuffers {
        private final ByteBuffer bytes;
        private final float[] values;

        public StreamBuffers() {
            this(STREAM_CHUNK_ELEMENTS);
        }

        StreamBuffers(int elements) {
            this.bytes = ByteBuffer.allocateDirect(elements * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN); // widest dtype
            this.values = new float[elements];
        }

        /** The most elements one chunk holds. */
        public int chunkElements() {
            return values.length;
        }
    }

    private final Path path;
    private final String source;
    private final SafetensorsHeader header;
    private final List<String> names;
    private final long dataStart;
    /** The whole file, when it fits one mapping; otherwise null and regions are mapped from {@link #channel}. */
    private final ByteBuffer whole;
    /** Open until {@link #close()}: regions too large for {@link #whole}, and {@link #streamFloats}'s reads. */
    private final FileChannel channel;
    private final int chunkBytes;
    private volatile boolean closed;

    private SafetensorsFile(Path path, SafetensorsHeader header, long dataStart, ByteBuffer whole,
                            FileChannel channel, int chunkBytes) {
        this.path = path;
        this.source = path.toString();
        this.header = header;
        this.names = List.copyOf(header.tensors().keySet());
        this.dataStart = dataStart;
        this.whole = whole;
        this.channel = channel;
        this.chunkBytes = chunkBytes;
    }

    /** Opens and validates {@code path}; every malformed file gives a {@link SafetensorsException}. */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(path, Integer.MAX_VALUE, DEFAULT_CHUNK_BYTES);
    }

    /** As {@link #open(Path)}, with the mapping thresholds lowered so tests can exercise large-file paths. */
    static SafetensorsFile open(Path path, long wholeFileMapLimit, int chunkBytes) throws IOException {
        String source = path.toString();
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            ByteBuffer prefix = ByteBuffer.allocate(SafetensorsHeader.PREFIX_BYTES);
            if (size >= SafetensorsHeader.PREFIX_BYTES) {
                readFully(source, ch, prefix, 0);
            }
            int n = SafetensorsHeader.headerLength(source, size, prefix);
            byte[] headerBytes = new byte[n];
            readFully(source, ch, ByteBuffer.wrap(headerBytes), SafetensorsHeader.PREFIX_BYTES);
            long dataStart = SafetensorsHeader.PREFIX_BYTES + (long) n;
            SafetensorsHeader header = SafetensorsHeader.parse(source, headerBytes, size - dataStart);
            if (size <= wholeFileMapLimit) {
                ByteBuffer whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                return new SafetensorsFile(path, header, dataStart, whole, ch, chunkBytes);
            }
            return new SafetensorsFile(path, header, dataStart, null, ch, chunkBytes);
        } catch (IOException | RuntimeException | Error e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__} in file order; empty if there is none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return names;
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** The header entry of {@code name}. */
    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw SafetensorsException.unknownTensor(source, name, names);
        }
        return info;
    }

    /** The tensor converted to float32 (from F32, F16, BF16, F64 or FP8), row-major. */
    public float[] readFloats(String name) throws IOException {
        TensorInfo info = info(name);
        TensorDecoding.checkReadable(source, info);
        int size = info.dtype().byteSize();
        float[] out = new float[(int) info.elementCount()];
        long step = (long) (chunkBytes / size) * size; // whole elements per chunk
        for (long done = 0; done < info.byteLength(); done += step) {
            long length = Math.min(step, info.byteLength() - done);
            TensorDecoding.decode(region(info.begin() + done, length), info.dtype(), out, (int) (done / size));
        }
        return out;
    }

    /**
     * The tensor converted to float32 as {@link #readFloats} does, handed to {@code sink} a chunk at a time. The
     * bytes come through read calls, not the mapping, so the process holds neither a copy of the tensor on the heap
     * nor the file's pages: loading a model this way costs its native arrays and one chunk, where reading whole
     * tensors cost up to three times the model (the arrays, the heap copies, the mapped pages).
     */
    public void streamFloats(String name, StreamBuffers buffers, FloatChunks sink) throws IOException {
        TensorInfo info = info(name);
        TensorDecoding.checkReadable(source, info);
        if (closed) {
            throw SafetensorsException.inFile(source, "file is closed");
        }
        int size = info.dtype().byteSize();
        long count = info.elementCount();
        int chunk = buffers.values.length;
        ByteBuffer bytes = buffers.bytes;
        for (long first = 0; first < count; first += chunk) {
            int n = (int) Math.min(chunk, count - first);
            bytes.clear().limit(n * size);
            readFully(source, channel, bytes, dataStart + info.begin() + first * size);
            bytes.flip();
            TensorDecoding.decode(bytes, info.dtype(), buffers.values, 0);
            sink.accept(buffers.values, n, first);
        }
    }

    /**
     * A read-only little-endian view of the tensor's bytes, without copying. Valid after
     * {@link #close()} too (the mapping is released when the buffer is garbage-collected).
     */
    public ByteBuffer rawBytes(String name) throws SafetensorsException {
        TensorInfo info = info(name);
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw SafetensorsException.inTensor(source, name, info.byteLength() + " bytes do not fit one ByteBuffer"
                    + " (at most " + Integer.MAX_VALUE + "); use readFloats() for floating-point tensors");
        }
        return region(info.begin(), info.byteLength());
    }

    /** Bytes {@code [begin, begin + length)} of the data buffer, validated against it at open. */
    private ByteBuffer region(long begin, long length) throws SafetensorsException {
        if (closed) {
            throw SafetensorsException.inFile(source, "file is closed");
        }
        if (length == 0) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (whole != null) {
            return whole.slice((int) (dataStart + begin), (int) length).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, length)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SafetensorsException(source + ": cannot map bytes [" + (dataStart + begin) + ", "
                    + (dataStart + begin + length) + "): " + e.getMessage(), e);
        }
    }

    private static void readFully(String source, FileChannel ch, ByteBuffer dst, long position)
            throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int read = ch.read(dst, pos);
            if (read < 0) {
                throw SafetensorsException.inFile(source, "file ended at byte " + pos + "; it is truncated");
            }
            pos += read;
        }
    }

    /** Releases the file; idempotent. Mapped buffers already handed out stay readable. */
    @Override
    public void close() {
        closed = true;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Nothing was written through this read-only channel, so there is nothing to lose.
            }
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + source + ", " + names.size() + " tensors]";
    }
}
