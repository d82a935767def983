package io.sparklora.jobs.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparklora.core.tensor.DType;
import io.sparklora.core.tensor.FloatTensor;
import io.sparklora.core.tensor.SafetensorsFile;
import io.sparklora.core.tensor.SafetensorsWriter;
import io.sparklora.core.train.AdamWState;
import io.sparklora.jobs.data.RowsIdentity;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checkpoints on any Hadoop file system, safe without atomic renames: each checkpoint is a directory
 * {@code round-NNNNNNNN/} whose files are written first and whose {@code _COMPLETE} marker, holding the SHA-256 of
 * every file, is written last. A reader takes the newest directory whose marker exists and whose files match it,
 * and falls back to an older one (with a warning) when a newer one is incomplete or corrupted.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String THETA_FILE = "theta.safetensors";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";
    static final String STATE_FILE = "state.json";
    static final String COMPLETE = "_COMPLETE";

    private final Path dir;
    private final Configuration conf;
    private final int keep;
    private final FaultInjection faults;

    public CheckpointStore(Path dir, Configuration conf, int keep) {
        this(dir, conf, keep, FaultInjection.NONE);
    }

    CheckpointStore(Path dir, Configuration conf, int keep, FaultInjection faults) {
        this.dir = dir;
        this.conf = conf;
        this.keep = Math.max(1, keep);
        this.faults = faults;
    }

    static String name(long nextRound) {
        return String.format("round-%08d", nextRound);
    }

    public Path write(Checkpoint c) throws IOException {
        Path target = new Path(dir, name(c.nextRound()));
        FileSystem fs = HadoopFiles.fs(target, conf);
        if (fs.exists(target)) {
            fs.delete(target, true); // a leftover of a crash while writing this same checkpoint
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(THETA_FILE, SafetensorsWriter.toBytes(Map.of("theta", FloatTensor.of(c.theta(), c.theta().length)),
                Map.of(), DType.F32));
        AdamWState opt = c.optimizer();
        files.put(OPTIMIZER_FILE, SafetensorsWriter.toBytes(Map.of(
                "exp_avg", FloatTensor.of(opt.firstMoment(), opt.firstMoment().length),
                "exp_avg_sq", FloatTensor.of(opt.secondMoment(), opt.secondMoment().length)), Map.of(), DType.F32));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("next_round", c.nextRound());
        state.put("optimizer_step", opt.step());
        state.put("config_fingerprint", c.configFingerprint());
        if (c.rows() != null) {
            state.put("rows", c.rows().toMap());
        }
        state.put("metrics", c.metrics());
        files.put(STATE_FILE, JSON.writeValueAsBytes(state));
        Map<String, String> checksums = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            HadoopFiles.write(new Path(target, f.getKey()), f.getValue(), conf);
            checksums.put(f.getKey(), sha256(f.getValue()));
            faults.afterCheckpointFile(c.nextRound(), checksums.size());
        }
        HadoopFiles.write(new Path(target, COMPLETE), JSON.writeValueAsBytes(checksums), conf); // publish: last
        prune();
        return target;
    }

    /** The newest intact checkpoint, if any. */
    public Optional<Checkpoint> latest() throws IOException {
        List<Path> candidates = candidates();
        for (Path candidate : candidates) {
            try {
                return Optional.of(read(candidate));
            } catch (IOException | RuntimeException e) {
                LOG.warn("skipping checkpoint {}: {}; falling back to an older one", candidate, e.getMessage());
            }
        }
        if (!candidates.isEmpty()) {
            LOG.warn("no intact checkpoint under {} ({} damaged or incomplete); starting over from round 0", dir,
                    candidates.size());
        }
        return Optional.empty();
    }

    /** Checkpoint directories, newest first. */
    List<Path> candidates() throws IOException {
        FileSystem fs = HadoopFiles.fs(dir, conf);
        if (!fs.exists(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.isDirectory() && s.getPath().getName().matches("round-\\d{8}")) {
                out.add(s.getPath());
            }
        }
        out.sort(Comparator.comparing(Path::getName).reversed());
        return out;
    }

    Checkpoint read(Path cp) throws IOException {
        Path marker = new Path(cp, COMPLETE);
        if (!HadoopFiles.exists(marker, conf)) {
            throw new IOException("no " + COMPLETE + " marker (the run stopped while writing it)");
        }
        Map<String, String> checksums = JSON.readValue(HadoopFiles.readBytes(marker, conf), new TypeReference<>() {
        });
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : List.of(THETA_FILE, OPTIMIZER_FILE, STATE_FILE)) {
            byte[] bytes = HadoopFiles.readBytes(new Path(cp, name), conf);
            if (!sha256(bytes).equals(checksums.get(name))) {
                throw new IOException(name + " does not match its checksum (truncated or corrupted)");
            }
            files.put(name, bytes);
        }
        Map<String, Object> state = JSON.readValue(files.get(STATE_FILE), new TypeReference<>() {
        });
        float[] theta = tensor(files.get(THETA_FILE), "theta");
        AdamWState opt = new AdamWState(((Number) state.get("optimizer_step")).longValue(),
                tensor(files.get(OPTIMIZER_FILE), "exp_avg"), tensor(files.get(OPTIMIZER_FILE), "exp_avg_sq"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> metrics = (List<Map<String, Object>>) state.get("metrics");
        return new Checkpoint(((Number) state.get("next_round")).longValue(), theta, opt,
                (String) state.get("config_fingerprint"), metrics, RowsIdentity.fromMap(state.get("rows")).orElse(null));
    }

    private static float[] tensor(byte[] safetensors, String name) throws IOException {
        java.nio.file.Path tmp = Files.createTempFile("sparklora-ckpt", ".safetensors");
        try {
            Files.write(tmp, safetensors);
            try (SafetensorsFile f = SafetensorsFile.open(tmp)) {
                return f.readFloats(name);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Keeps the newest {@code keep} complete checkpoints. */
    private void prune() throws IOException {
        FileSystem fs = HadoopFiles.fs(dir, conf);
        int complete = 0;
        for (Path p : candidates()) {
            if (fs.exists(new Path(p, COMPLETE)) && ++complete <= keep) {
                continue;
            }
            if (complete > keep) {
                fs.delete(p, true);
            }
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
