package io.sparklora.core.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All tensors of a Hugging Face checkpoint directory, whether one {@value #SINGLE_FILE} or a
 * {@value #INDEX_FILE} ({@code {"metadata": {...}, "weight_map": {tensor: shard}}}) and its shards.
 * As in transformers, the single file wins when both are present. Opening checks that the index
 * and the shards agree, so a later read never finds a tensor missing. Shard tensors the index does
 * not list are not part of the checkpoint and are not exposed.
 */
public final class CheckpointTensors implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** Index files are a few MB even for the largest models; this bounds what we read. */
    static final long MAX_INDEX_BYTES = 100L * 1024 * 1024;

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owners;
    private final List<String> names;

    private CheckpointTensors(Path dir, List<SafetensorsFile> files, Map<String, SafetensorsFile> owners) {
        this.dir = dir;
        this.files = List.copyOf(files);
        this.owners = owners;
        this.names = List.copyOf(owners.keySet());
    }

    /** Opens the checkpoint in {@code modelDir}; any inconsistency is a {@link SafetensorsException}. */
    public static CheckpointTensors open(Path modelDir) throws IOException {
        Path single = modelDir.resolve(SINGLE_FILE);
        Path index = modelDir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
            file.names().forEach(n -> owners.put(n, file));
            return new CheckpointTensors(modelDir, List.of(file), owners);
        }
        if (Files.isRegularFile(index)) {
            return openSharded(modelDir, index);
        }
        throw SafetensorsException.inFile(modelDir.toString(), (Files.isDirectory(modelDir)
                ? "no checkpoint found" : "directory does not exist") + "; expected " + SINGLE_FILE
                + ", or " + INDEX_FILE + " with the shards it names");
    }

    private static CheckpointTensors openSharded(Path dir, Path index) throws IOException {
        Map<String, String> shardOf = readWeightMap(index);
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        shardOf.forEach((t, shard) -> byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(t));
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> files = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
                String shard = e.getKey();
                List<String> tensors = e.getValue();
                Path shardPath = dir.resolve(shard);
                if (!Files.isRegularFile(shardPath)) {
                    throw SafetensorsException.inFile(index.toString(), "maps tensor '" + tensors.get(0) + "'"
                            + (tensors.size() > 1 ? " and " + (tensors.size() - 1) + " more" : "")
                            + " to shard '" + shard + "', which is missing from " + dir
                            + "; download the missing shard or regenerate the index");
                }
                SafetensorsFile file = SafetensorsFile.open(shardPath);
                opened.add(file);
                files.put(shard, file);
                for (String t : tensors) {
                    if (!file.contains(t)) {
                        throw SafetensorsException.inFile(index.toString(), "maps tensor '" + t + "' to shard '"
                                + shard + "', but that shard does not hold it; the index and shards disagree");
                    }
                }
                for (String t : file.names()) {
                    String listed = shardOf.get(t);
                    if (listed != null && !listed.equals(shard)) {
                        throw SafetensorsException.inFile(index.toString(), "shard '" + shard + "' holds tensor '"
                                + t + "', but the index maps it to shard '" + listed
                                + "'; the index and shards disagree");
                    }
                }
            }
            Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
            shardOf.forEach((t, shard) -> owners.put(t, files.get(shard)));
            return new CheckpointTensors(dir, opened, owners);
        } catch (IOException | RuntimeException | Error e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The index's weight map, tensor name to shard file name, in index order. */
    private static Map<String, String> readWeightMap(Path index) throws IOException {
        String source = index.toString();
        long size = Files.size(index);
        if (size > MAX_INDEX_BYTES) {
            throw SafetensorsException.inFile(source, "index is " + size + " bytes, over the limit of "
                    + MAX_INDEX_BYTES + "; it is not a checkpoint index");
        }
        String text = Json.utf8(Files.readAllBytes(index), source);
        JsonNode root = Json.parseObject(text, source);
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw SafetensorsException.inFile(source, "expected \"weight_map\": an object mapping tensor names"
                    + " to shard files, found " + (weightMap == null ? "none" : Json.kind(weightMap)));
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            JsonNode shard = e.getValue();
            if (!shard.isTextual() || !isPlainFileName(shard.textValue())) {
                throw SafetensorsException.inFile(source, "weight_map entry for tensor '" + e.getKey()
                        + "' must be a shard file name in the checkpoint directory, found "
                        + (shard.isTextual() ? "'" + shard.textValue() + "'" : Json.kind(shard)));
            }
            shardOf.put(e.getKey(), shard.textValue());
        }
        return shardOf;
    }

    /** Shard names come from untrusted JSON: refuse anything that could reach outside the directory. */
    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    /** The checkpoint directory. */
    public Path directory() {
        return dir;
    }

    /** Tensor names: header order for a single file, index order for shards. */
    public List<String> names() {
        return names;
    }

    public boolean contains(String name) {
        return owners.containsKey(name);
    }

    public TensorInfo info(String name) throws SafetensorsException {
        return owner(name).info(name);
    }

    public DType dtype(String name) throws SafetensorsException {
        return info(name).dtype();
    }

    /** As {@link SafetensorsFile#readFloats}. */
    public float[] readFloats(String name) throws IOException {
        return owner(name).readFloats(name);
    }

    /** As {@link SafetensorsFile#streamFloats}. */
    public void streamFloats(String name, SafetensorsFile.StreamBuffers buffers, SafetensorsFile.FloatChunks sink)
            throws IOException {
        owner(name).streamFloats(name, buffers, sink);
    }

    /** As {@link SafetensorsFile#rawBytes}. */
    public ByteBuffer rawBytes(String name) throws SafetensorsException {
        return owner(name).rawBytes(name);
    }

    /** The file that holds {@code name}, e.g. to see which shard a tensor came from. */
    public SafetensorsFile file(String name) throws SafetensorsException {
        return owner(name);
    }

    private SafetensorsFile owner(String name) throws SafetensorsException {
        SafetensorsFile file = owners.get(name);
        if (file == null) {
            throw SafetensorsException.unknownTensor(dir.toString(), name, names);
        }
        return file;
    }

    /** Closes every shard; idempotent. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "CheckpointTensors[" + dir + ", " + names.size() + " tensors in " + files.size() + " file(s)]";
    }
}
