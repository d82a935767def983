package io.sparklora.core.engine;

/**
 * Which positions a forward pass covers: {@code rows} rows of T tokens at positions start … start+T−1, and, when
 * generating, the cache whose earlier positions every query also attends to (and which it extends).
 *
 * @param cache null for a training or evaluation batch (start 0, no earlier positions)
 * @param layer the layer whose part of the cache to use, set by the engine per block
 */
record Window(int rows, int start, KvCache cache, int layer) {
    static Window batch(int rows) {
        return new Window(rows, 0, null, -1);
    }
}
