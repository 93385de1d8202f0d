package org.globmed.kernel.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * A command's arguments, parsed once against what the command offers: {@code --name value}
 * options, {@code --switch}es without a value, and positional arguments. Every problem (an unknown
 * option, a missing value, a number that is not one) is a {@link UsageException} naming it, which
 * the command prints above its usage line.
 */
final class Options {
    /** What the user typed wrong; the message names it. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> switches = new ArrayList<>();
    private final List<String> positional = new ArrayList<>();

    private Options() {
    }

    /** {@code valued}: the options that take a value; {@code switched}: those that take none. */
    static Options parse(List<String> args, Set<String> valued, Set<String> switched) throws UsageException {
        Options o = new Options();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (switched.contains(a)) {
                o.switches.add(a);
            } else if (valued.contains(a)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("missing value after " + a);
                }
                o.values.computeIfAbsent(a, k -> new ArrayList<>()).add(args.get(++i));
            } else if (a.startsWith("--")) {
                throw new UsageException("unknown option " + a);
            } else {
                o.positional.add(a);
            }
        }
        return o;
    }

    boolean has(String name) {
        return values.containsKey(name) || switches.contains(name);
    }

    List<String> positional() {
        return positional;
    }

    /** The option's value (the last, when given twice), or {@code fallback}. */
    String text(String name, String fallback) {
        List<String> given = values.get(name);
        return given == null ? fallback : given.get(given.size() - 1);
    }

    Path path(String name) {
        String value = text(name, null);
        return value == null ? null : Path.of(value);
    }

    /** Every value of the option, each split at commas: {@code --languages en,sw --languages yo}. */
    List<String> list(String name) {
        List<String> out = new ArrayList<>();
        values.getOrDefault(name, List.of()).forEach(v -> out.addAll(List.of(v.split(","))));
        return out;
    }

    int integer(String name, int fallback) throws UsageException {
        return parsed(name, fallback, Integer::valueOf, "a whole number");
    }

    long longInteger(String name, long fallback) throws UsageException {
        return parsed(name, fallback, Long::valueOf, "a whole number");
    }

    double number(String name, double fallback) throws UsageException {
        return parsed(name, fallback, Double::valueOf, "a number");
    }

    private <T> T parsed(String name, T fallback, Function<String, T> parse, String expected) throws UsageException {
        String value = text(name, null);
        try {
            return value == null ? fallback : parse.apply(value);
        } catch (NumberFormatException e) {
            throw new UsageException(name + " expects " + expected + ", not '" + value + "'");
        }
    }

    /** Hands the option's value to {@code setter} when it was given. */
    void ifInteger(String name, IntConsumer setter) throws UsageException {
        if (has(name)) {
            setter.accept(integer(name, 0));
        }
    }

    void ifNumber(String name, DoubleConsumer setter) throws UsageException {
        if (has(name)) {
            setter.accept(number(name, 0));
        }
    }

    void ifText(String name, Consumer<String> setter) {
        if (has(name)) {
            setter.accept(text(name, null));
        }
    }
}
