package io.sparklora.jobs.report;

import io.sparklora.core.text.TextExample;

import java.io.Serializable;
import java.util.Optional;

/**
 * A validation example as the report's generations use it: the prompt the model continues and the reference
 * completion it should produce. Plain text is split near its middle, at the whitespace closest to it (the
 * whitespace starts the reference); text without whitespace is split at its middle character.
 */
public record ReportExample(String prompt, String reference) implements Serializable {
    public static Optional<ReportExample> of(TextExample ex) {
        if (ex.hasPrompt()) {
            return Optional.of(new ReportExample(ex.prompt(), ex.completion()));
        }
        String text = ex.completion().strip();
        if (text.length() < 2) {
            return Optional.empty();
        }
        int mid = text.length() / 2;
        int cut = -1;
        for (int d = 0; d < text.length(); d++) {
            int left = mid - d;
            int right = mid + d;
            if (left > 0 && Character.isWhitespace(text.charAt(left))) {
                cut = left;
                break;
            }
            if (right > 0 && right < text.length() && Character.isWhitespace(text.charAt(right))) {
                cut = right;
                break;
            }
            if (left <= 0 && right >= text.length()) {
                break;
            }
        }
        if (cut < 0) {
            cut = mid;
        }
        String prompt = text.substring(0, cut);
        String reference = text.substring(cut);
        if (prompt.isBlank() || reference.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new ReportExample(prompt, reference));
    }
}
