package io.sparklora.core.train;

/** The optimizer's resumable state: steps taken and both moment vectors. */
public record AdamWState(long step, float[] firstMoment, float[] secondMoment) {
    public AdamWState {
        if (step < 0) {
            throw new IllegalArgumentException("optimizer step must be >= 0, got " + step);
        }
        if (firstMoment.length != secondMoment.length) {
            throw new IllegalArgumentException("moment vectors differ in length: " + firstMoment.length + " vs "
                    + secondMoment.length);
        }
    }
}
