package io.sparklora.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTensorsTest {

    @TempDir
    Path dir;

    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";

    /** Two shards: embed + layer.0 in the first, layer.1 + head (BF16) in the second. */
    private void writeShards() throws IOException {
        SafetensorsWriter.write(dir.resolve(SHARD1), Map.of(
                "embed", FloatTensor.of(new float[] {1, 2, 3, 4}, 2, 2),
                "layer.0", FloatTensor.of(new float[] {5, 6}, 2)), Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve(SHARD2), Map.of(
                "layer.1", FloatTensor.of(new float[] {7, 8}, 2),
                "head", FloatTensor.of(new float[] {0.5f, -0.25f}, 1, 2)), Map.of("format", "pt"), DType.BF16);
    }

    private void writeIndex(String weightMap) throws IOException {
        Files.writeString(dir.resolve(CheckpointTensors.INDEX_FILE),
                "{\"metadata\":{\"total_size\":32},\"weight_map\":{" + weightMap + "}}");
    }

    private static final String GOOD_MAP = "\"embed\":\"" + SHARD1 + "\",\"head\":\"" + SHARD2 + "\","
            + "\"layer.0\":\"" + SHARD1 + "\",\"layer.1\":\"" + SHARD2 + "\"";

    @Test
    void readsASingleFileCheckpoint() throws IOException {
        SafetensorsWriter.write(dir.resolve("model.safetensors"),
                Map.of("w", FloatTensor.of(new float[] {1, 2}, 2)), null, DType.F16);
        try (CheckpointTensors ckpt = CheckpointTensors.open(dir)) {
            assertThat(ckpt.names()).containsExactly("w");
            assertThat(ckpt.dtype("w")).isEqualTo(DType.F16);
            assertThat(ckpt.readFloats("w")).containsExactly(1f, 2f);
        }
    }

    @Test
    void readsAShardedCheckpointThroughItsIndex() throws IOException {
        writeShards();
        writeIndex(GOOD_MAP);
        try (CheckpointTensors ckpt = CheckpointTensors.open(dir)) {
            assertThat(ckpt.names()).containsExactly("embed", "head", "layer.0", "layer.1");
            assertThat(ckpt.readFloats("embed")).containsExactly(1, 2, 3, 4);
            assertThat(ckpt.readFloats("layer.1")).containsExactly(7, 8);
            assertThat(ckpt.readFloats("head")).containsExactly(0.5f, -0.25f);
            assertThat(ckpt.dtype("head")).isEqualTo(DType.BF16);
            assertThat(ckpt.info("embed").shape()).containsExactly(2, 2);
            assertThat(ckpt.contains("layer.0")).isTrue();
            assertThat(ckpt.contains("nope")).isFalse();
            assertThat(ckpt.file("head").path().getFileName().toString()).isEqualTo(SHARD2);
            assertThatThrownBy(() -> ckpt.readFloats("nope"))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("no tensor named 'nope'; it holds 'embed', 'head', 'layer.0', 'layer.1'");
        }
    }

    @Test
    void missingCheckpointNamesTheDirectoryAndBothFiles() {
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("no checkpoint found")
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("model.safetensors.index.json");
        assertThatThrownBy(() -> CheckpointTensors.open(dir.resolve("absent")))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("directory does not exist");
    }

    @Test
    void indexNamingAMissingShard() throws IOException {
        writeShards();
        Files.delete(dir.resolve(SHARD2));
        writeIndex(GOOD_MAP);
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(CheckpointTensors.INDEX_FILE)
                .hasMessageContaining("maps tensor 'head' and 1 more to shard '" + SHARD2 + "', which is missing");
    }

    @Test
    void indexNamingATensorTheShardLacks() throws IOException {
        writeShards();
        writeIndex(GOOD_MAP + ",\"ghost\":\"" + SHARD1 + "\"");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("maps tensor 'ghost' to shard '" + SHARD1 + "', but that shard does not hold it");
    }

    @Test
    void shardHoldingATensorTheIndexPutsElsewhere() throws IOException {
        writeShards();
        writeIndex("\"embed\":\"" + SHARD1 + "\",\"layer.1\":\"" + SHARD2 + "\",\"layer.0\":\"" + SHARD2 + "\"");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("shard '" + SHARD1 + "' holds tensor 'layer.0', but the index maps it to shard '"
                        + SHARD2 + "'");
    }

    @Test
    void malformedIndexes() throws IOException {
        writeShards();
        Files.writeString(dir.resolve(CheckpointTensors.INDEX_FILE), "{\"metadata\":{}}");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("expected \"weight_map\": an object mapping tensor names to shard files, found none");
        writeIndex("\"embed\":\"../" + SHARD1 + "\"");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("weight_map entry for tensor 'embed' must be a shard file name in the checkpoint"
                        + " directory, found '../" + SHARD1 + "'");
        writeIndex("\"embed\":1");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("found a number (1)");
        Files.writeString(dir.resolve(CheckpointTensors.INDEX_FILE), "{\"weight_map\":");
        assertThatThrownBy(() -> CheckpointTensors.open(dir))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("is not valid JSON");
    }
}
