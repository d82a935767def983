package io.sparklora.jobs.score;

import io.sparklora.jobs.io.SerializableHadoopConf;
import io.sparklora.jobs.train.FaultInjection;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One partition of a scoring job, on an executor: each input row (id columns, the scorer's input columns as strings,
 * the reader's problem) becomes exactly one output row (id columns, the scorer's output columns, error), in the same
 * order, streaming in batches of the scorer's size. A row the reader could not parse gets its error without going
 * near the model.
 */
final class ScoreTask implements FlatMapFunction<Iterator<Row>, Row> {
    private final RowScorer scorer;
    private final int ids;
    private final Broadcast<SerializableHadoopConf> conf;
    private final FaultInjection faults;
    private final LongAccumulator rowsIn;

    ScoreTask(RowScorer scorer, int ids, Broadcast<SerializableHadoopConf> conf, FaultInjection faults,
              LongAccumulator rowsIn) {
        this.scorer = scorer;
        this.ids = ids;
        this.conf = conf;
        this.faults = faults;
        this.rowsIn = rowsIn;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        faults.beforeScoreTask();
        if (!rows.hasNext()) {
            return java.util.Collections.emptyIterator(); // no model load for an empty partition
        }
        RowScorer.Session session = scorer.open(conf.value().get());
        TaskContext ctx = TaskContext.get();
        if (ctx != null) {
            ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> session.close());
        }
        return new Scoring(rows, session);
    }

    private final class Scoring implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final RowScorer.Session session;
        private final Deque<Row> ready = new ArrayDeque<>();
        private final int inputs = scorer.inputColumns().size();
        private final int outputs = scorer.outputFields().size();

        Scoring(Iterator<Row> rows, RowScorer.Session session) {
            this.rows = rows;
            this.session = session;
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && rows.hasNext()) {
                scoreBatch();
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.removeFirst();
        }

        private void scoreBatch() {
            List<Row> batch = new ArrayList<>();
            List<String[]> values = new ArrayList<>();
            while (batch.size() < scorer.batchRows() && rows.hasNext()) {
                Row r = rows.next();
                batch.add(r);
                if (r.isNullAt(ids + inputs)) {
                    String[] v = new String[inputs];
                    for (int i = 0; i < inputs; i++) {
                        v[i] = r.isNullAt(ids + i) ? null : r.getString(ids + i);
                    }
                    values.add(v);
                }
            }
            rowsIn.add(batch.size());
            List<Scored> scored = values.isEmpty() ? List.of() : session.score(values);
            if (scored.size() != values.size()) {
                throw new IllegalStateException("the scorer returned " + scored.size() + " results for "
                        + values.size() + " rows");
            }
            int next = 0;
            for (Row r : batch) {
                Scored s = r.isNullAt(ids + inputs) ? scored.get(next++)
                        : Scored.failed(r.getString(ids + inputs) + " row: the reader could not parse it");
                Object[] out = new Object[ids + outputs + 1];
                for (int i = 0; i < ids; i++) {
                    out[i] = r.get(i);
                }
                if (s.values() != null) {
                    System.arraycopy(s.values(), 0, out, ids, outputs);
                }
                out[ids + outputs] = s.error();
                ready.addLast(RowFactory.create(out));
            }
        }
    }
}
