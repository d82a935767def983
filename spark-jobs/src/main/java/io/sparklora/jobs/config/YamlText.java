package io.sparklora.jobs.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * YAML to plain values (maps, lists, strings, numbers, booleans) through snakeyaml's SafeConstructor: a job file can
 * never make the loader instantiate arbitrary Java types.
 */
final class YamlText {
    /** Job files are a few dozen lines; anything much larger is not a job file. */
    private static final int MAX_CODE_POINTS = 1 << 20;

    private YamlText() {
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setCodePointLimit(MAX_CODE_POINTS);
        return new Yaml(new SafeConstructor(options));
    }

    /** The document's root value; syntax errors name the origin with line and column (1-based). */
    static Object load(String text, String origin) {
        try {
            return yaml().load(text);
        } catch (MarkedYAMLException e) {
            throw new JobConfigException("YAML syntax error in " + origin + at(e) + ": " + problem(e));
        } catch (YAMLException e) {
            throw new JobConfigException("YAML error in " + origin + ": " + e.getMessage());
        }
    }

    /** A {@code --set} value, read as a YAML scalar or flow collection: "16" is an integer, "[a, b]" a list. */
    static Object value(String text, String origin) {
        try {
            return yaml().load(text);
        } catch (YAMLException e) {
            String why = e instanceof MarkedYAMLException m ? problem(m) : e.getMessage();
            throw new JobConfigException(origin + ": the value is not valid YAML (" + why
                    + "); quote it if it is meant as text");
        }
    }

    private static String at(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        return mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    private static String problem(MarkedYAMLException e) {
        String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
        return problem == null ? "unreadable YAML" : problem.strip();
    }
}
