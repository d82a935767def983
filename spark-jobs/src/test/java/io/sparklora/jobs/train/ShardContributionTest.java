package io.sparklora.jobs.train;

import io.sparklora.core.train.RoundContribution;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShardContributionTest {
    /** Four shards whose float sum depends on the order of addition. */
    private static List<ShardContribution> parts() {
        float[][] g = {{1e8f, 0.5f}, {1f, 3f}, {-1e8f, 1e-3f}, {1f, -2.75f}};
        List<ShardContribution> parts = new ArrayList<>();
        for (int s = 0; s < g.length; s++) {
            parts.add(new ShardContribution(s, new RoundContribution(0.1 * (s + 1), 10L + s, g[s].clone())));
        }
        return parts;
    }

    @Test
    void theSumIsTheSameWhicheverOrderTheShardsArriveIn() {
        RoundContribution inOrder = ShardContribution.sumInShardOrder(parts(), 4, 2);
        // Completion order changes the float result (what an aggregate in arrival order gives) ...
        float arrival = ((1e8f + -1e8f) + 1f) + 1f;
        assertThat(arrival).isNotEqualTo(inOrder.gradSum()[0]);
        // ... the shard-ordered sum does not change.
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            List<ShardContribution> shuffled = parts();
            Collections.shuffle(shuffled, random);
            RoundContribution sum = ShardContribution.sumInShardOrder(shuffled, 4, 2);
            assertThat(sum.gradSum()).isEqualTo(inOrder.gradSum());
            assertThat(sum.lossSum()).isEqualTo(inOrder.lossSum());
        }
        assertThat(inOrder.gradSum()[0]).isEqualTo(((1e8f + 1f) + -1e8f) + 1f); // zero + s0 + s1 + s2 + s3
        assertThat(inOrder.tokens()).isEqualTo(46);
    }

    @Test
    void aMissingOrRepeatedShardIsAnError() {
        List<ShardContribution> missing = parts().subList(0, 3);
        assertThatThrownBy(() -> ShardContribution.sumInShardOrder(missing, 4, 2))
                .hasMessageContaining("3 shard results for 4 shards");
        List<ShardContribution> repeated = new ArrayList<>(parts().subList(0, 3));
        repeated.add(parts().get(1));
        assertThatThrownBy(() -> ShardContribution.sumInShardOrder(repeated, 4, 2))
                .hasMessageContaining("no result for shard 2");
    }
}
