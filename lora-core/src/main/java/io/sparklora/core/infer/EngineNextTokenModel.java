package io.sparklora.core.infer;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.KvCache;

import java.util.Arrays;

/**
 * Next-token logits from the engine with a key/value cache: when a context extends the one seen last (the usual
 * case while generating), only its new tokens are run; otherwise (a new prompt, a window that slid, other adapter
 * values) the cache starts over from the whole context. Either way the logits are exactly those of the whole
 * context run at positions 0 … n−1.
 */
public final class EngineNextTokenModel implements NextTokenModel, AutoCloseable {
    private final CausalLm lm;
    private final int maxContext;
    private KvCache cache;
    private int[] cached = new int[0];

    /** A window of the engine's sequence length. */
    public EngineNextTokenModel(CausalLm lm) {
        this(lm, lm.spec().seqLen());
    }

    public EngineNextTokenModel(CausalLm lm, int maxContext) {
        this.lm = lm;
        this.maxContext = maxContext;
    }

    /** The longest context the model takes. */
    public int maxContext() {
        return maxContext;
    }

    @Override
    public float[] nextTokenLogits(int[] context) {
        if (context.length == 0 || context.length > maxContext) {
            throw new IllegalArgumentException("context of " + context.length + " tokens; this model takes 1 to " + maxContext);
        }
        boolean extendsCached = cache != null && cache.version() == lm.version() && context.length > cached.length
                && Arrays.equals(context, 0, cached.length, cached, 0, cached.length);
        if (!extendsCached) {
            close();
            cache = lm.newCache(maxContext);
            cached = new int[0];
        }
        float[] logits = lm.extend(cache, Arrays.copyOfRange(context, cached.length, context.length));
        cached = context.clone();
        return logits;
    }

    @Override
    public void close() {
        if (cache != null) {
            cache.close();
            cache = null;
        }
    }
}
