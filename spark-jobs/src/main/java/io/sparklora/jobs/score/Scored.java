package io.sparklora.jobs.score;

/**
 * One row's result: the values of the scorer's output columns, or why the row could not be scored.
 *
 * @param values one per {@link RowScorer#outputFields}, in order (each may be null); null when failed
 * @param error  null when scored
 */
public record Scored(Object[] values, String error) {
    public Scored {
        if ((values == null) == (error == null)) {
            throw new IllegalArgumentException("a result has either values or an error");
        }
    }

    public static Scored of(Object... values) {
        return new Scored(values, null);
    }

    public static Scored failed(String error) {
        return new Scored(null, error);
    }
}
