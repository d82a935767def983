package io.sparklora.jobs.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one dataset was, fixed once on the driver before anything is read: the Delta version or Iceberg snapshot id
 * actually read (with its commit time), or for files, plain tables and queries every input file's path, size and
 * modification time. Recorded in summary.json, the report and every checkpoint; a resumed run reads this snapshot
 * again rather than whatever the source holds by then.
 *
 * @param source      the source as the job names it, e.g. {@code data.table lake.tickets}
 * @param format      jsonl, parquet, ... for files; delta or iceberg; "table (parquet)"; "query"
 * @param version     the Delta version or Iceberg snapshot id read; null for sources without versions
 * @param committedAt when that version was committed (ISO-8601); null without versions
 * @param files       the input files (sorted by path); empty for Delta and Iceberg, whose version pins them
 */
public record SourceSnapshot(String source, String format, Long version, String committedAt, List<FileState> files) {
    /** At most this many files are listed in summary.json; the SHA-256 of the listing covers them all. */
    static final int LISTED_FILES = 100;

    /** One input file as it was when the run started. */
    public record FileState(String path, long size, long modified) {
    }

    public SourceSnapshot {
        files = List.copyOf(files);
    }

    public boolean versioned() {
        return version != null;
    }

    /** SHA-256 of "path size modified" lines, the identity of a file listing. */
    public String filesSha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (FileState f : files) {
                md.update((f.path() + "\t" + f.size() + "\t" + f.modified() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("format", format);
        if (versioned()) {
            m.put(format.equals("iceberg") || format.startsWith("table (iceberg") ? "snapshot_id" : "version", version);
            m.put("committed_at", committedAt);
        } else {
            m.put("files", files.size());
            m.put("bytes", files.stream().mapToLong(FileState::size).sum());
            m.put("files_sha256", filesSha256());
            List<Map<String, Object>> listed = new ArrayList<>();
            for (FileState f : files.subList(0, Math.min(LISTED_FILES, files.size()))) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("path", f.path());
                e.put("size", f.size());
                e.put("modified", java.time.Instant.ofEpochMilli(f.modified()).toString());
                listed.add(e);
            }
            m.put("file_list", listed);
        }
        return m;
    }

    /**
     * The pinned part of a recorded snapshot: its version, or for files the count and listing hash (the listing
     * itself may be cut in summary.json). Null when {@code value} is not a recorded snapshot.
     */
    public static Pinned pinnedFrom(Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            return null;
        }
        Object v = m.containsKey("snapshot_id") ? m.get("snapshot_id") : m.get("version");
        return new Pinned((String) m.get("source"), v == null ? null : ((Number) v).longValue(),
                (String) m.get("committed_at"), (String) m.get("files_sha256"),
                m.get("files") instanceof Number n ? n.longValue() : 0);
    }

    /** A snapshot as a checkpoint recorded it, for a resumed run to read again or to check against. */
    public record Pinned(String source, Long version, String committedAt, String filesSha256, long files) {
    }
}
