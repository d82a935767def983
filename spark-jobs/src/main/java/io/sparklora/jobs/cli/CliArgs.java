package io.sparklora.jobs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The options of one subcommand: {@code --name value}, {@code --name=value}, flags, and positional arguments.
 * Every mistake becomes a {@link CliException} (exit 2) that names the option and the fix.
 */
final class CliArgs {
    /** Whether an option takes a value, may repeat, and an example value used in error messages. */
    record Option(String name, boolean takesValue, boolean repeatable, String example) {
        static Option value(String name, String example) {
            return new Option(name, true, false, example);
        }

        static Option repeated(String name, String example) {
            return new Option(name, true, true, example);
        }

        static Option flag(String name) {
            return new Option(name, false, false, "");
        }
    }

    private final String command;
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positionals = new ArrayList<>();

    private CliArgs(String command) {
        this.command = command;
    }

    /** True when the arguments ask for help anywhere: the usage is printed and nothing else happens. */
    static boolean wantsHelp(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses args[from..] against the options; at most {@code maxPositionals} arguments that are not options.
     */
    static CliArgs parse(String command, String[] args, int from, List<Option> options, int maxPositionals) {
        Map<String, Option> byName = new LinkedHashMap<>();
        options.forEach(o -> byName.put(o.name(), o));
        CliArgs parsed = new CliArgs(command);
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.equals("--")) {
                if (parsed.positionals.size() >= maxPositionals) {
                    throw parsed.error("unexpected argument \"" + arg + "\""
                            + (maxPositionals == 0 ? "; every input is given with an option" : ""));
                }
                parsed.positionals.add(arg);
                continue;
            }
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            Option o = byName.get(name);
            if (o == null) {
                String suggestion = closest(name, byName.keySet()).map(s -> "; did you mean " + s + "?").orElse("");
                throw parsed.error("unknown option " + name + suggestion);
            }
            String value;
            if (!o.takesValue()) {
                if (inline != null) {
                    throw parsed.error(name + " is a flag and takes no value; write just " + name);
                }
                value = "true";
            } else if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length && !isOption(args[i + 1], byName)) {
                value = args[++i];
            } else {
                throw parsed.error(name + " needs a value, e.g. " + name + " " + o.example());
            }
            List<String> list = parsed.values.computeIfAbsent(name, k -> new ArrayList<>());
            if (!list.isEmpty() && !o.repeatable()) {
                throw parsed.error(name + " is given twice; give it once");
            }
            list.add(value);
        }
        return parsed;
    }

    /** A following argument is a value unless it is one of this command's options (values may start with "-"). */
    private static boolean isOption(String arg, Map<String, Option> byName) {
        int eq = arg.indexOf('=');
        return byName.containsKey(eq > 0 ? arg.substring(0, eq) : arg) || arg.equals("--help");
    }

    CliException error(String message) {
        return CliException.usage(command + ": " + message + " (see sparklora " + command + " --help)");
    }

    List<String> positionals() {
        return positionals;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return has(name);
    }

    Optional<String> optional(String name) {
        List<String> v = values.get(name);
        return v == null ? Optional.empty() : Optional.of(v.get(0));
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String required(String name, String example) {
        return optional(name).orElseThrow(() -> error(name + " is required, e.g. " + name + " " + example));
    }

    int intValue(String name, int defaultValue, int min) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        int n;
        try {
            n = Integer.parseInt(v.get().strip());
        } catch (NumberFormatException e) {
            throw error(name + " must be a whole number >= " + min + ", got \"" + v.get() + "\"");
        }
        if (n < min) {
            throw error(name + " must be >= " + min + ", got " + n);
        }
        return n;
    }

    long longValue(String name, long defaultValue) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(v.get().strip());
        } catch (NumberFormatException e) {
            throw error(name + " must be a whole number, got \"" + v.get() + "\"");
        }
    }

    /** A finite number in [min, max] ({@code minInclusive} false: strictly above min). */
    double doubleValue(String name, double defaultValue, double min, boolean minInclusive, double max, String range) {
        Optional<String> v = optional(name);
        if (v.isEmpty()) {
            return defaultValue;
        }
        double d;
        try {
            d = Double.parseDouble(v.get().strip());
        } catch (NumberFormatException e) {
            throw error(name + " must be a number " + range + ", got \"" + v.get() + "\"");
        }
        if (!Double.isFinite(d) || (minInclusive ? d < min : d <= min) || d > max) {
            throw error(name + " must be " + range + ", got " + v.get());
        }
        return d;
    }

    /** One of the allowed values (case-insensitive), lower-cased. */
    String choice(String name, String defaultValue, List<String> allowed) {
        String v = optional(name).orElse(defaultValue).strip().toLowerCase(java.util.Locale.ROOT);
        if (!allowed.contains(v)) {
            throw error(name + " must be one of " + String.join(", ", allowed) + ", got \"" + optional(name).orElse("")
                    + "\"");
        }
        return v;
    }

    private static Optional<String> closest(String typed, Iterable<String> known) {
        String best = null;
        int bestDistance = 4;
        for (String k : known) {
            int d = levenshtein(typed, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
