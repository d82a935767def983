package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which positions a forward pass covers: {@code rows} rows of T tokens at positions start … start+T−1, and, when
 * generating, the cache whose earlier positions every query also attends to (and which it extends).
 *
 * @param cache null for a training or evaluation batch (start 0, no earlier positions)
 * @param layer the layer whose part of the cache to use, set by the engine per block
 * @param keyMask an encoder batch's padding mask [B, T], additive: 0 for a real key, MASKED for padding; null when
 *                every key is real
 */
record Window(int rows, int start, KvCache cache, int layer, INDArray keyMask) {
    Window(int rows, int start, KvCache cache, int layer) {
        this(rows, start, cache, layer, null);
    }

    static Window batch(int rows) {
        return new Window(rows, 0, null, -1);
    }

    /** A batch whose padded keys no query sees. */
    static Window padded(int rows, INDArray keyMask) {
        return new Window(rows, 0, null, -1, keyMask);
    }
}
