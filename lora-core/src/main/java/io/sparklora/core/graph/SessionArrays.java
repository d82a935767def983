package io.sparklora.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Frees the intermediate arrays a SameDiff call leaves behind. ND4J 1.0.0-M2.1's session keeps every op output of the
 * last call (forward activations and backward temporaries: about 2 GB for one bench-small step) and frees none of
 * them; their native memory goes only when the collector happens to finalize the small Java objects, so a process's
 * resident memory climbs by a step's worth per step until a GC, and every step faults in fresh pages. Closing them
 * right after the call keeps an executor at one step's working set and lets the allocator reuse the same memory.
 *
 * <p>Never closed: the arrays the caller keeps, every constant, variable and placeholder of the graph (an op such as
 * reshape may hand one through unchanged), views, and the arrays the session's own cache holds for reuse. Only the
 * calling thread's session is touched: a graph is used by one thread at a time (ExecutorModels' pool).
 */
final class SessionArrays {
    private SessionArrays() {
    }

    /** After a call on {@code sd} from this thread: closes its leftover op outputs except {@code keep}. */
    static void release(SameDiff sd, Collection<INDArray> keep) {
        Set<Long> kept = new HashSet<>();
        for (INDArray a : keep) {
            addAddress(kept, a);
        }
        Map<INDArray, Boolean> toClose = new IdentityHashMap<>();
        Set<Long> seen = new HashSet<>();
        SameDiff[] graphs = {sd, sd.getFunction("grad")};
        for (SameDiff graph : graphs) {
            if (graph == null) {
                continue;
            }
            for (SDVariable v : graph.variables()) {
                if (v.getVariableType() != VariableType.ARRAY && graph.arrayAlreadyExistsForVarName(v.name())) {
                    addAddress(kept, v.getArr());
                }
            }
            InferenceSession session = graph.getSessions().get(Thread.currentThread().getId());
            if (session != null && session.getMmgr() instanceof ArrayCacheMemoryMgr cache) {
                for (INDArray a : cache.getLruCacheValues().values()) {
                    addAddress(kept, a);
                }
            }
        }
        for (SameDiff graph : graphs) {
            InferenceSession session = graph == null ? null : graph.getSessions().get(Thread.currentThread().getId());
            if (session == null) {
                continue;
            }
            for (Map.Entry<?, SDValue> e : session.getNodeValueOutputs().entrySet()) {
                INDArray a = e.getValue() == null ? null : e.getValue().getTensorValue();
                if (a == null || a.isView() || !a.closeable() || a.wasClosed() || a.data() == null) {
                    continue;
                }
                long address = a.data().address();
                if (!kept.contains(address) && seen.add(address)) {
                    toClose.put(a, Boolean.TRUE);
                }
            }
            session.getNodeValueOutputs().clear();
        }
        for (INDArray a : toClose.keySet()) {
            a.close();
        }
    }

    private static void addAddress(Set<Long> addresses, INDArray a) {
        if (a != null && !a.wasClosed() && a.data() != null) {
            addresses.add(a.data().address());
            if (a.data().originalDataBuffer() != null) {
                addresses.add(a.data().originalDataBuffer().address());
            }
        }
    }
}
