package io.sparklora.jobs.testing;

/** Byte-level searches for the tests that scan outputs for secrets. */
public final class Bytes {
    private Bytes() {
    }

    /** The first index of needle in haystack, or -1. */
    public static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
