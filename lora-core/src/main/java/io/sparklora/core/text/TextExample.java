package io.sparklora.core.text;

/**
 * One training example: plain text (empty prompt) or a prompt whose tokens are masked out of the
 * loss followed by the completion the model learns to produce.
 *
 * @param prompt context shown to the model but not trained on; empty for plain text
 * @param completion text trained on; must be non-empty so the example contributes to the loss
 */
public record TextExample(String prompt, String completion) {

  public TextExample {
    if (prompt == null) {
      throw new IllegalArgumentException("prompt must not be null (use \"\" for plain text)");
    }
    if (completion == null || completion.isEmpty()) {
      throw new IllegalArgumentException("completion must be a non-empty string");
    }
  }

  public static TextExample plain(String text) {
    return new TextExample("", text);
  }

  public boolean hasPrompt() {
    return !prompt.isEmpty();
  }
}
