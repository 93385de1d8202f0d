package org.globmed.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Tier;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * What the statistics need of a per-item result, read from {@link ItemResult}s or from a results
 * table, with the language code normalised by the registry. A failed or invalid item is never
 * correct, whatever the input says.
 */
final class Outcomes {
    /**
     * @param tier   the tier recorded with the result, or null when none was
     * @param source the source dataset, or null when the input has none
     */
    record Outcome(String id, String language, Tier tier, String source, boolean correct, boolean invalid,
                   boolean failed) {
    }

    private Outcomes() {
    }

    static List<Outcome> of(List<ItemResult> results, Languages registry, String run) {
        if (results == null || results.isEmpty()) {
            throw new IllegalArgumentException(run + ": no results");
        }
        List<Outcome> out = new ArrayList<>(results.size());
        for (ItemResult r : results) {
            String id = requireId(r.id(), run, out.size());
            boolean failed = r.failed();
            out.add(new Outcome(id, code(r.language(), registry, run, id), tier(r.tier(), run, id), r.source(),
                    r.correct() && !failed && !r.invalid(), r.invalid(), failed));
        }
        return checkUnique(out, run);
    }

    /**
     * Rows of a results table: {@code id}, {@code language} and boolean {@code correct} are required;
     * {@code tier}, {@code source}, boolean {@code invalid}, and {@code error} (text, empty when the
     * item did not fail) or boolean {@code failed} are read when present.
     */
    static List<Outcome> of(Table table, Languages registry, String run) {
        if (table == null) {
            throw new IllegalArgumentException(run + ": the table is null");
        }
        List<String> missing = new ArrayList<>();
        for (String name : List.of("id", "language", "correct")) {
            if (!table.containsColumn(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(run + ": table '" + table.name() + "' lacks the column"
                    + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing)
                    + " (needs id, language, correct; optional tier, source, invalid, error or failed); it has "
                    + String.join(", ", table.columnNames()));
        }
        if (table.rowCount() == 0) {
            throw new IllegalArgumentException(run + ": no results (table '" + table.name() + "' is empty)");
        }
        Column<?> ids = table.column("id");
        Column<?> languages = table.column("language");
        BooleanColumn correct = booleans(table, "correct", run);
        BooleanColumn invalid = table.containsColumn("invalid") ? booleans(table, "invalid", run) : null;
        BooleanColumn failedFlags = table.containsColumn("failed") ? booleans(table, "failed", run) : null;
        Column<?> errors = table.containsColumn("error") ? table.column("error") : null;
        Column<?> tiers = table.containsColumn("tier") ? table.column("tier") : null;
        Column<?> sources = table.containsColumn("source") ? table.column("source") : null;
        List<Outcome> out = new ArrayList<>(table.rowCount());
        for (int r = 0; r < table.rowCount(); r++) {
            String id = requireId(ids.isMissing(r) ? null : ids.getString(r), run, r);
            Boolean right = correct.get(r);
            if (right == null) {
                throw new IllegalArgumentException(run + ": row " + r + " (" + id
                        + ") has no value for 'correct'");
            }
            boolean bad = invalid != null && Boolean.TRUE.equals(invalid.get(r));
            boolean failed = (failedFlags != null && Boolean.TRUE.equals(failedFlags.get(r)))
                    || (errors != null && !errors.isMissing(r) && !errors.getString(r).isBlank());
            String source = sources == null || sources.isMissing(r) ? null : sources.getString(r);
            out.add(new Outcome(id, code(languages.isMissing(r) ? null : languages.getString(r), registry, run, id),
                    tiers == null || tiers.isMissing(r) ? null : tier(tiers.getString(r), run, id), source,
                    right && !failed && !bad, bad, failed));
        }
        return checkUnique(out, run);
    }

    /**
     * The languages of {@code outcomes} in the registry's order, each with its tier: the one its
     * results recorded, else the registry's.
     */
    static Map<Language, Tier> languages(List<Outcome> outcomes, Languages registry, String run) {
        Map<String, Tier> recorded = new TreeMap<>();
        Map<String, String> firstId = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            firstId.putIfAbsent(o.language(), o.id());
            if (o.tier() == null) {
                continue;
            }
            Tier before = recorded.putIfAbsent(o.language(), o.tier());
            if (before != null && before != o.tier()) {
                throw new IllegalArgumentException(run + ": two tiers for language '" + o.language()
                        + "': " + before + " and " + o.tier() + " (item " + o.id() + ")");
            }
        }
        Map<Language, Tier> out = new LinkedHashMap<>();
        for (Language l : registry.all()) {
            if (firstId.containsKey(l.code())) {
                out.put(l, recorded.getOrDefault(l.code(), l.tier()));
            }
        }
        return out;
    }

    private static String requireId(String id, String run, int index) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException(run + ": result " + index + " has no id");
        }
        return id;
    }

    private static String code(String language, Languages registry, String run, String id) {
        if (language == null || language.isBlank()) {
            throw new IllegalArgumentException(run + ": item " + id + " has no language");
        }
        try {
            return registry.get(language).code();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(run + ": item " + id + ": " + e.getMessage(), e);
        }
    }

    private static Tier tier(String tier, String run, String id) {
        if (tier == null || tier.isBlank()) {
            return null;
        }
        try {
            return Tier.valueOf(tier.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(run + ": item " + id + ": tier '" + tier
                    + "' is not HIGH or LOW", e);
        }
    }

    private static BooleanColumn booleans(Table table, String name, String run) {
        Column<?> c = table.column(name);
        if (c.type() != ColumnType.BOOLEAN) {
            throw new IllegalArgumentException(run + ": column '" + name + "' must be boolean, found "
                    + c.type().name().toLowerCase(Locale.ROOT));
        }
        return (BooleanColumn) c;
    }

    // A repeated id would count an item twice and make pairing ambiguous.
    private static List<Outcome> checkUnique(List<Outcome> outcomes, String run) {
        Set<String> seen = new HashSet<>();
        for (Outcome o : outcomes) {
            if (!seen.add(o.id())) {
                throw new IllegalArgumentException(run + ": item " + o.id() + " appears twice");
            }
        }
        return outcomes;
    }
}
