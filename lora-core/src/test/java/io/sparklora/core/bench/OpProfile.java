package io.sparklora.core.bench;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a SameDiff step spends its time, by op type. Each op's kernel time is the interval between the session's
 * pre- and post-execution callbacks; everything else in the step (the session's dependency tracking, allocation of
 * output arrays, placeholder setup, result collection) is reported as "outside ops".
 */
public final class OpProfile extends BaseListener {
    /** Per op type: executions and kernel nanoseconds. */
    public record Row(String op, long count, long nanos) {
    }

    private final Map<String, long[]> byOp = new LinkedHashMap<>();
    /** When set, rows are per op type and first-output shape (finds which of many same-type ops costs). */
    private final boolean byShape;
    private long opStart;
    private long opNanos;
    private long stepNanos;
    private long steps;

    public OpProfile(boolean byShape) {
        this.byShape = byShape;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        opStart = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long nanos = System.nanoTime() - opStart;
        String key = op.getOp().opName();
        if (byShape && outputs != null && outputs.length > 0 && outputs[0] != null) {
            key += " " + java.util.Arrays.toString(outputs[0].shape());
        }
        long[] row = byOp.computeIfAbsent(key, k -> new long[2]);
        row[0]++;
        row[1] += nanos;
        opNanos += nanos;
    }

    /** Adds one step's wall time, measured by the caller around the whole step. */
    public void stepDone(long wallNanos) {
        stepNanos += wallNanos;
        steps++;
    }

    public void reset() {
        byOp.clear();
        opNanos = 0;
        stepNanos = 0;
        steps = 0;
    }

    /** Rows by total kernel time, descending, averaged per step, then "outside ops" = step wall − Σ kernels. */
    public List<Row> perStep() {
        List<Row> rows = new ArrayList<>();
        long n = Math.max(1, steps);
        byOp.forEach((op, v) -> rows.add(new Row(op, v[0] / n, v[1] / n)));
        rows.sort((a, b) -> Long.compare(b.nanos(), a.nanos()));
        rows.add(new Row("(outside ops: allocation, session bookkeeping)", 0, (stepNanos - opNanos) / n));
        return rows;
    }

    public long stepNanosPerStep() {
        return stepNanos / Math.max(1, steps);
    }

    public String table() {
        StringBuilder sb = new StringBuilder();
        long total = stepNanosPerStep();
        sb.append(String.format("%-60s %7s %10s %6s%n", "op", "count", "ms/step", "share"));
        for (Row r : perStep()) {
            sb.append(String.format("%-60s %7d %10.1f %5.1f%%%n", r.op(), r.count(), r.nanos() / 1e6, 100.0 * r.nanos() / total));
        }
        sb.append(String.format("%-60s %7s %10.1f%n", "step (wall)", "", total / 1e6));
        return sb.toString();
    }
}
