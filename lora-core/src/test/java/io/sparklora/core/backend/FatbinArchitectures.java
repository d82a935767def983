package io.sparklora.core.backend;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * The GPU architectures a CUDA shared library carries code for, read from the fat binaries in it (what cuobjdump
 * --list-elf/--list-ptx lists). A fat binary is a 16-byte header (magic 0xBA55ED50, version 1, header size 16, size
 * of what follows) and entries, each with its own header: kind (1 PTX, 2 machine code) at 0, header size at 4, padded
 * payload size at 8, architecture (major·10 + minor) at 28. Fat binaries start 8-byte aligned; the library is read
 * once, as a stream, so it can come straight out of a jar.
 */
final class FatbinArchitectures {
    static final int MAGIC = 0xBA55ED50;

    /** Architecture to {machine-code entries, PTX entries}, in architecture order. */
    static Map<Integer, int[]> of(InputStream library) throws IOException {
        Map<Integer, int[]> found = new TreeMap<>();
        Reader in = new Reader(library);
        try {
            while (true) {
                in.align8();
                long start = in.position;
                if (in.int32() != MAGIC || in.int16() != 1 || in.int16() != 16) {
                    in.skipTo(start + 8);
                    continue;
                }
                long end = in.position + 8 + in.int64();
                while (in.position < end) {
                    long entry = in.position;
                    int kind = in.int16();
                    in.int16();
                    int headerSize = in.int32();
                    long padded = in.int32() & 0xFFFFFFFFL;
                    in.skipTo(entry + 28);
                    int arch = in.int32();
                    if (kind == 1 || kind == 2) {
                        found.computeIfAbsent(arch, a -> new int[2])[kind == 2 ? 0 : 1]++;
                    }
                    in.skipTo(entry + headerSize + padded);
                }
            }
        } catch (EOFException end) {
            return found;
        }
    }

    /** Little-endian reads through its own buffer (the library is about 900 MB) that count the position. */
    private static final class Reader {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 20];
        private int next;
        private int limit;
        long position;

        Reader(InputStream in) {
            this.in = in;
        }

        int byte8() throws IOException {
            if (next == limit) {
                fill();
            }
            position++;
            return buffer[next++] & 0xFF;
        }

        int int16() throws IOException {
            return byte8() | byte8() << 8;
        }

        int int32() throws IOException {
            return int16() | int16() << 16;
        }

        long int64() throws IOException {
            return (int32() & 0xFFFFFFFFL) | (long) int32() << 32;
        }

        void skipTo(long target) throws IOException {
            while (position < target) {
                if (next == limit) {
                    fill();
                }
                int step = (int) Math.min(limit - next, target - position);
                next += step;
                position += step;
            }
        }

        void align8() throws IOException {
            skipTo((position + 7) & ~7L);
        }

        private void fill() throws IOException {
            int n = in.readNBytes(buffer, 0, buffer.length);
            if (n <= 0) {
                throw new EOFException();
            }
            next = 0;
            limit = n;
        }
    }
}
