package io.sparklora.core.lora;

import io.sparklora.core.model.LinearModule;
import io.sparklora.core.model.ModelFamily;
import io.sparklora.core.model.ModelLayout;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Which linear modules get LoRA adapters, matched exactly as PEFT matches {@code target_modules}. */
public sealed interface TargetModules extends java.io.Serializable {
    String ALL_LINEAR = "all-linear";

    /** The modules of this layout that match, in model order; an entry matching nothing is an error. */
    List<LinearModule> select(ModelLayout layout);

    /** The value PEFT's adapter_config.json holds: a list of names, or a string. */
    Object peftValue();

    /** A list: an entry matches a module whose path equals it or ends with "." + entry. */
    record Names(List<String> names) implements TargetModules {
        public Names {
            if (names == null || names.isEmpty()) {
                throw new IllegalArgumentException("target_modules must not be empty; e.g. [\"q_proj\", \"v_proj\"]");
            }
            names = List.copyOf(names);
        }

        @Override
        public List<LinearModule> select(ModelLayout layout) {
            List<LinearModule> chosen = new ArrayList<>();
            Set<String> unmatched = new LinkedHashSet<>(names);
            for (LinearModule m : layout.linearModules()) {
                for (String n : names) {
                    if (m.path().equals(n) || m.path().endsWith("." + n)) {
                        chosen.add(m);
                        unmatched.remove(n);
                        break;
                    }
                }
            }
            if (!unmatched.isEmpty()) {
                throw new IllegalArgumentException("target_modules " + unmatched + " match no linear module of this "
                        + layout.config().modelType() + " model; its modules are " + moduleNames(layout)
                        + " (full paths like " + layout.linearModules().get(0).path() + " also work)");
            }
            return chosen;
        }

        @Override
        public Object peftValue() {
            return names;
        }
    }

    /** A single string: a regular expression that must match the whole module path. */
    record Regex(String pattern) implements TargetModules {
        public Regex {
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("target_modules regex \"" + pattern + "\" is invalid: " + e.getDescription());
            }
        }

        @Override
        public List<LinearModule> select(ModelLayout layout) {
            Pattern p = Pattern.compile(pattern);
            List<LinearModule> chosen = layout.linearModules().stream().filter(m -> p.matcher(m.path()).matches()).toList();
            if (chosen.isEmpty()) {
                throw new IllegalArgumentException("target_modules regex \"" + pattern + "\" matches no module path; paths look like "
                        + layout.linearModules().get(0).path() + " and the module names are " + moduleNames(layout));
            }
            return chosen;
        }

        @Override
        public Object peftValue() {
            return pattern;
        }
    }

    /** PEFT's "all-linear": every linear layer except the output head. */
    record AllLinear() implements TargetModules {
        @Override
        public List<LinearModule> select(ModelLayout layout) {
            return layout.linearModules();
        }

        @Override
        public Object peftValue() {
            return ALL_LINEAR;
        }
    }

    /** A target list as PEFT's JSON holds it: a list, "all-linear", or a regex string. */
    static TargetModules parse(Object value) {
        if (value instanceof List<?> list) {
            return new Names(list.stream().map(String::valueOf).toList());
        }
        if (value instanceof String s) {
            return s.equals(ALL_LINEAR) ? new AllLinear() : new Regex(s);
        }
        throw new IllegalArgumentException("target_modules must be a list of names or a string, got " + value);
    }

    /** PEFT's defaults per model type: the attention query and value projections. */
    static TargetModules defaultsFor(ModelFamily family) {
        return switch (family) {
            case GPT2 -> new Names(List.of("c_attn"));
            case LLAMA -> new Names(List.of("q_proj", "v_proj"));
            case BERT, ROBERTA -> new Names(List.of("query", "value"));
            case DEBERTA_V2 -> new Names(List.of("query_proj", "value_proj"));
        };
    }

    private static Set<String> moduleNames(ModelLayout layout) {
        Set<String> names = new LinkedHashSet<>();
        layout.linearModules().forEach(m -> names.add(m.shortName()));
        return names;
    }
}
