package io.sparklora.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * A block of query rows in causal attention, and the keys it can see. Query i sees keys 0 … i, so the block of rows
 * [r0, r1) needs scores only over keys [0, r1): computing attention block by block skips the upper triangle's
 * products, (n − 1) / 2n of the T × T work for n blocks (3/8 at T = 256). The rows are those of one query head of a
 * group: in the grouped layout [B·Hkv, G·T, ·], head g's rows start at g·T.
 */
record QueryBlock(long rowStart, long rowEnd, long keyEnd, long seqLen) {
    /** Rows per block: small enough to skip most of the triangle, large enough that each product stays efficient. */
    static final int ROWS = 64;

    /** The blocks covering all G·T query rows of a sequence of T positions. */
    static List<QueryBlock> of(int seqLen, int group) {
        List<QueryBlock> blocks = new ArrayList<>();
        for (int g = 0; g < group; g++) {
            for (int r0 = 0; r0 < seqLen; r0 += ROWS) {
                int r1 = Math.min(seqLen, r0 + ROWS);
                blocks.add(new QueryBlock((long) g * seqLen + r0, (long) g * seqLen + r1, r1, seqLen));
            }
        }
        return blocks;
    }

    /** This block's query rows of x [batch, G·T, D] (a view). */
    INDArray rows(INDArray x) {
        return x.get(all(), interval(rowStart, rowEnd), all());
    }

    /** The keys (or values) these rows can see, of x [batch, T, D] (a view). */
    INDArray keys(INDArray x) {
        return x.get(all(), interval(0, keyEnd), all());
    }

    /** This block's scores over the keys it sees, of x [batch, G·T, T] (a view). */
    INDArray scores(INDArray x) {
        return x.get(all(), interval(rowStart, rowEnd), interval(0, keyEnd));
    }

    /** Zeroes this block's scores over the keys it cannot see, which the blocked product never writes. */
    void zeroUnseen(INDArray scores) {
        if (keyEnd < seqLen) {
            scores.get(all(), interval(rowStart, rowEnd), interval(keyEnd, seqLen)).assign(0);
        }
    }
}
