package io.sparklora.jobs.score;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.types.StructField;

import java.util.List;
import java.util.Map;

/**
 * What a model brings to a scoring job ({@link ScoreJob}): the input columns it reads, the output columns it writes,
 * and, on an executor, a {@link Session} that scores rows in batches. The job does everything else the same for
 * every model: reading the source, the id columns, one output row per input row, rows the reader could not parse,
 * the error column and the atomic publish. A causal LM's per-row loss and completion are {@link DecoderScorer}; a
 * sequence classifier plugs in as another implementation (input columns text and optionally text_pair; output
 * columns such as the predicted label and the class probabilities), loading its model once per executor JVM.
 */
public interface RowScorer extends java.io.Serializable {
    /** Columns read from each input row, as strings (other types are cast), in this order. */
    List<String> inputColumns();

    /** Columns written for each row, after the id columns and before the error column; all nullable. */
    List<StructField> outputFields();

    /** Most rows given to one {@link Session#score} call. */
    int batchRows();

    /** What _score.json records about the scoring (settings, model kind), JSON-serializable values only. */
    Map<String, Object> describe();

    /** Opens the executor's model for one task; the task closes the session when it ends, however it ends. */
    Session open(Configuration hadoop);

    /** One task's use of the executor's model. */
    interface Session extends AutoCloseable {
        /**
         * One result per input, in the same order. A row the model cannot score (an empty text, too long, ...) is
         * a {@link Scored#failed} result naming why, never an exception: exceptions are for the model itself
         * (unreadable, not the adapter's base) and fail the task.
         *
         * @param inputs each row's {@link #inputColumns} values, null where the value is null
         */
        List<Scored> score(List<String[]> inputs);

        @Override
        void close();
    }

    /**
     * On an executor, once the base is loaded: refuses an adapter trained on another base (its recorded fingerprint
     * differs; empty when there is no adapter).
     */
    static void checkAdapterFits(String adapterFingerprint, String baseFingerprint, String adapterUri, String modelUri) {
        if (!adapterFingerprint.isEmpty() && !adapterFingerprint.equals(baseFingerprint)) {
            throw new ScoreException("the adapter in " + adapterUri + " does not fit the model in " + modelUri
                    + ": it was trained on a different base model (fingerprint " + adapterFingerprint + ", this "
                    + "base is " + baseFingerprint + "); give --model the model the adapter was trained on");
        }
    }
}
