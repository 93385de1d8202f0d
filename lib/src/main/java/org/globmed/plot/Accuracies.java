package org.globmed.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.commons.math3.stat.interval.ConfidenceInterval;
import org.apache.commons.math3.stat.interval.WilsonScoreInterval;
import org.globmed.bench.Report;
import org.globmed.bench.Results;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Tier;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Per-language accuracy, whatever the figure was given: a {@link Report}, {@link Results}, a
 * per-item results table (the columns {@link Report#of(Table, Languages)} reads) or a
 * per-language table (at least {@code language}, {@code n} and {@code correct}, as
 * {@link Report#languages()} has them). Every problem is an error that names what is missing.
 */
final class Accuracies {
    static final List<String> ITEM_COLUMNS = List.of("id", "language", "correct");
    static final List<String> LANGUAGE_COLUMNS = List.of("language", "n", "correct");

    /**
     * One language's accuracy with its 95% Wilson score interval.
     *
     * @param tier the tier recorded with the results, else the registry's
     */
    record Row(Language language, Tier tier, int n, int correct, double accuracy, double low, double high) {
    }

    private Accuracies() {
    }

    static List<Row> of(Report report, Languages registry, String figure) {
        Objects.requireNonNull(report, figure + ": the report is null");
        return fromLanguageTable(report.languages(), registry, figure);
    }

    static List<Row> of(Results results, Languages registry, String figure) {
        Objects.requireNonNull(results, figure + ": the results are null");
        if (results.items().isEmpty()) {
            throw new IllegalArgumentException(figure + ": the results of " + results.model() + " have no items");
        }
        return of(results.report(), registry, figure);
    }

    static List<Row> of(Table table, Languages registry, String figure) {
        Objects.requireNonNull(table, figure + ": the table is null");
        boolean perItem = table.containsColumn("id") && table.containsColumn("correct")
                && table.column("correct").type() == ColumnType.BOOLEAN;
        if (perItem) {
            if (table.rowCount() == 0) {
                throw new IllegalArgumentException(figure + ": table '" + table.name() + "' is empty: no results to plot");
            }
            try {
                return of(Report.of(table, registry), registry, figure);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(figure + ": " + e.getMessage(), e);
            }
        }
        List<String> missing = LANGUAGE_COLUMNS.stream().filter(c -> !table.containsColumn(c)).toList();
        if (!missing.isEmpty()) {
            List<String> missingPerItem = ITEM_COLUMNS.stream().filter(c -> !table.containsColumn(c)).toList();
            throw new IllegalArgumentException(figure + ": table '" + table.name() + "' is neither per-item results"
                    + " (columns id, language, boolean correct; missing " + describe(missingPerItem, table) + ")"
                    + " nor per-language accuracy (columns language, n, correct; missing "
                    + String.join(", ", missing) + "); it has the columns " + String.join(", ", table.columnNames()));
        }
        return fromLanguageTable(table, registry, figure);
    }

    private static String describe(List<String> missing, Table table) {
        if (missing.isEmpty()) {
            return "none, but 'correct' is " + table.column("correct").type().name().toLowerCase(Locale.ROOT)
                    + ", not boolean";
        }
        return String.join(", ", missing);
    }

    /** Rows of a table with language, n, correct and, when present, tier, ci_low and ci_high. */
    static List<Row> fromLanguageTable(Table table, Languages registry, String figure) {
        if (table.rowCount() == 0) {
            throw new IllegalArgumentException(figure + ": table '" + table.name() + "' is empty: no languages to plot");
        }
        NumericColumn<?> n = numeric(table, "n", figure);
        NumericColumn<?> correct = numeric(table, "correct", figure);
        Column<?> codes = table.column("language");
        Column<?> tiers = table.containsColumn("tier") ? table.column("tier") : null;
        boolean hasInterval = table.containsColumn("ci_low") && table.containsColumn("ci_high");
        WilsonScoreInterval wilson = new WilsonScoreInterval();
        List<Row> rows = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String code = codes.isMissing(r) ? "" : codes.getString(r).strip();
            Language language = language(code, registry, figure, "table '" + table.name() + "' row " + r);
            if (seen.contains(language.code())) {
                throw new IllegalArgumentException(figure + ": language '" + language.code() + "' has two rows in table '"
                        + table.name() + "'; give one row per language");
            }
            seen.add(language.code());
            int items = (int) n.getDouble(r);
            int right = (int) correct.getDouble(r);
            if (items <= 0 || right < 0 || right > items) {
                throw new IllegalArgumentException(figure + ": language '" + code + "' has n = " + items + " and correct = "
                        + right + "; expected 0 <= correct <= n and n > 0");
            }
            Tier tier = language.tier();
            if (tiers != null && !tiers.isMissing(r) && !tiers.getString(r).isBlank()) {
                tier = tier(tiers.getString(r), figure, code);
            }
            double low;
            double high;
            if (hasInterval) {
                low = table.numberColumn("ci_low").getDouble(r);
                high = table.numberColumn("ci_high").getDouble(r);
            } else {
                ConfidenceInterval ci = wilson.createInterval(items, right, 0.95);
                low = right == 0 ? 0 : ci.getLowerBound();
                high = right == items ? 1 : ci.getUpperBound();
            }
            rows.add(new Row(language, tier, items, right, (double) right / items, low, high));
        }
        return rows;
    }

    /** The registry's language of {@code code}; an unknown code is an error naming where it was found. */
    static Language language(String code, Languages registry, String figure, String where) {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException(figure + ": " + where + " has no language code");
        }
        try {
            return registry.get(code);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(figure + ": " + where + ": " + e.getMessage(), e);
        }
    }

    static Tier tier(String tier, String figure, String code) {
        try {
            return Tier.valueOf(tier.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(figure + ": language '" + code + "' has tier '" + tier
                    + "', expected HIGH or LOW", e);
        }
    }

    /** A comparison between languages needs two of them. */
    static void requireLanguages(int count, List<String> codes, String figure, String what) {
        if (count < 2) {
            throw new IllegalArgumentException(figure + ": " + what + " compares languages and needs at least two; the"
                    + " input has " + (codes.isEmpty() ? "none" : "only '" + String.join("', '", codes) + "'")
                    + ". Evaluate more languages (e.g. GlobMed.load().languages(\"en\", \"sw\"))");
        }
    }

    static NumericColumn<?> numeric(Table table, String name, String figure) {
        if (!table.containsColumn(name)) {
            throw new IllegalArgumentException(figure + ": table '" + table.name() + "' lacks the column '" + name
                    + "'; it has " + String.join(", ", table.columnNames()));
        }
        Column<?> c = table.column(name);
        if (!(c instanceof NumericColumn<?> numeric)) {
            throw new IllegalArgumentException(figure + ": column '" + name + "' of table '" + table.name()
                    + "' must be numeric, found " + c.type().name().toLowerCase(Locale.ROOT));
        }
        return numeric;
    }
}
