package io.sparklora.jobs.data;

import io.sparklora.core.text.TokenizedExample;

/**
 * A tokenized example on its way to its packing block (its number is the shuffle key): whether it is a validation
 * example and, for the first few validation examples only, its text for the run report.
 *
 * @param prompt null unless the text is kept; "" for plain text
 */
record NumberedExample(boolean validation, TokenizedExample example, String prompt, String completion)
        implements java.io.Serializable {
}
