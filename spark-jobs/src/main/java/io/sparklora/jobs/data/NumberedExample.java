package io.sparklora.jobs.data;

import io.sparklora.core.text.ClassificationRow;
import io.sparklora.core.text.TokenizedExample;

/**
 * A tokenized example on its way to its packing block (its number is the shuffle key): whether it is a validation
 * example and, for the first few validation examples only, its text for the run report.
 *
 * @param example    a decoder's tokens; null for a classification example
 * @param classified a classification example's row; null for a decoder
 * @param prompt     null unless the text is kept; "" for plain text
 */
record NumberedExample(boolean validation, TokenizedExample example, ClassificationRow classified, String prompt,
                       String completion) implements java.io.Serializable {
}
