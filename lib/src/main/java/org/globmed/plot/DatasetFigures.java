package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.globmed.data.Language;
import org.globmed.data.Tier;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** What a dataset holds: items per language and source, and how long the items are per language. */
final class DatasetFigures {
    static final String COMPOSITION = "Plots.composition";
    static final String LENGTHS = "Plots.lengths";
    /** The text fields whose length is measured, as {@code GlobMedData.table()} names them. */
    static final List<String> TEXT_COLUMNS = List.of("question", "context", "premise", "hypothesis");

    private DatasetFigures() {
    }

    static JsonFigure composition(Table items, Plots.Options options) {
        require(items, List.of("language", "source"), COMPOSITION, "language, source (an items table as"
                + " GlobMedData.table() gives, or a per-item results table)");
        Column<?> codes = items.column("language");
        Column<?> sources = items.column("source");
        Map<Language, Map<String, Integer>> counts = new HashMap<>();
        TreeSet<String> sourceNames = new TreeSet<>();
        Map<String, Language> known = new HashMap<>();
        for (int r = 0; r < items.rowCount(); r++) {
            String code = codes.isMissing(r) ? null : codes.getString(r);
            Language l = known.computeIfAbsent(code == null ? "" : code, c -> Accuracies.language(c, options.registry(),
                    COMPOSITION, "table '" + items.name() + "'"));
            String source = sources.isMissing(r) || sources.getString(r).isBlank() ? "(none)" : sources.getString(r);
            sourceNames.add(source);
            counts.computeIfAbsent(l, k -> new TreeMap<>()).merge(source, 1, Integer::sum);
        }
        Map<Language, Tier> tiers = new HashMap<>();
        counts.keySet().forEach(l -> tiers.put(l, l.tier()));
        List<Language> languages = HeatmapFigure.order(new ArrayList<>(counts.keySet()),
                l -> (double) counts.get(l).values().stream().mapToInt(Integer::intValue).sum(), tiers, options.order());
        List<String> codeList = languages.stream().map(Language::code).toList();
        ArrayNode data = Parts.array();
        int index = 0;
        for (String source : sourceNames) {
            ObjectNode bar = data.addObject();
            bar.put("type", "bar");
            bar.put("name", Text.plain(source));
            bar.set("x", Parts.strings(codeList));
            bar.set("y", Parts.numbers(languages.stream().mapToDouble(l -> counts.get(l).getOrDefault(source, 0))
                    .toArray()));
            bar.putObject("marker").put("color", Palette.pick(options.palette(), index++));
            bar.put("hovertemplate", Text.plain(source) + ": %{y:,} items<extra></extra>");
        }
        ObjectNode layout = Parts.layout(options, "Items per language and source",
                String.format(Locale.ROOT, "%,d items in %d languages and %d sources", items.rowCount(),
                        languages.size(), sourceNames.size()));
        layout.set("xaxis", Parts.languageAxis(languages, languages.stream().map(tiers::get).toList(), options, null));
        layout.set("yaxis", Parts.valueAxis("Items", false));
        layout.put("barmode", "stack");
        ArrayNode notes = layout.putArray("annotations");
        for (Language l : languages) {
            int total = counts.get(l).values().stream().mapToInt(Integer::intValue).sum();
            ObjectNode a = notes.addObject();
            a.put("x", l.code());
            a.put("y", total);
            a.put("text", String.format(Locale.ROOT, "%,d", total));
            a.put("yanchor", "bottom");
            a.put("showarrow", false);
            a.putObject("font").put("size", 11);
        }
        return new JsonFigure(options.title() == null ? "Items per language and source" : options.title(), data, layout,
                Parts.config(options, "items per language and source"));
    }

    /**
     * Box plots of item length per language: characters (Unicode code points that are not white
     * space) of the item's question, context, premise and hypothesis together, or of the prompt
     * for a results table. The boxes are computed here (quartiles, whiskers at the most extreme
     * length within 1.5 IQR of the box), so a large corpus makes a small figure.
     */
    static JsonFigure lengths(Table items, Plots.Options options) {
        require(items, List.of("language"), LENGTHS, "language and text columns (an items table as GlobMedData.table()"
                + " gives)");
        List<String> text = TEXT_COLUMNS.stream().filter(items::containsColumn).toList();
        String measured = "the item's text (" + String.join(", ", text) + ")";
        if (text.isEmpty()) {
            if (!items.containsColumn("prompt")) {
                throw new IllegalArgumentException(LENGTHS + ": table '" + items.name() + "' has none of the text columns "
                        + String.join(", ", TEXT_COLUMNS) + " (nor a results table's prompt); it has "
                        + String.join(", ", items.columnNames()));
            }
            text = List.of("prompt");
            measured = "the prompt";
        }
        Column<?> codes = items.column("language");
        List<Column<?>> columns = text.stream().<Column<?>>map(items::column).toList();
        Map<Language, List<Integer>> byLanguage = new HashMap<>();
        Map<String, Language> known = new HashMap<>();
        for (int r = 0; r < items.rowCount(); r++) {
            String code = codes.isMissing(r) ? "" : codes.getString(r);
            Language l = known.computeIfAbsent(code, c -> Accuracies.language(c, options.registry(), LENGTHS,
                    "table '" + items.name() + "'"));
            int length = 0;
            for (Column<?> c : columns) {
                if (!c.isMissing(r)) {
                    length += (int) c.getString(r).codePoints().filter(cp -> !Character.isWhitespace(cp)
                            && !Character.isSpaceChar(cp)).count();
                }
            }
            byLanguage.computeIfAbsent(l, k -> new ArrayList<>()).add(length);
        }
        Map<Language, double[]> boxes = new HashMap<>();
        byLanguage.forEach((l, values) -> boxes.put(l, box(values)));
        Map<Language, Tier> tiers = new HashMap<>();
        boxes.keySet().forEach(l -> tiers.put(l, l.tier()));
        List<Language> languages = HeatmapFigure.order(new ArrayList<>(boxes.keySet()), l -> boxes.get(l)[2], tiers,
                options.order());
        ArrayNode data = Parts.array();
        for (Tier tier : Tier.values()) {
            List<Language> inTier = languages.stream().filter(l -> l.tier() == tier).toList();
            if (inTier.isEmpty()) {
                continue;
            }
            ObjectNode t = data.addObject();
            t.put("type", "box");
            t.put("name", tier == Tier.HIGH ? "HIGH-resource" : "LOW-resource");
            t.set("x", Parts.strings(inTier.stream().map(Language::code).toList()));
            String[] keys = {"lowerfence", "q1", "median", "q3", "upperfence", "mean"};
            for (int k = 0; k < keys.length; k++) {
                int at = k;
                t.set(keys[k], Parts.numbers(inTier.stream().mapToDouble(l -> boxes.get(l)[at]).toArray()));
            }
            t.put("boxpoints", false);
            t.putObject("marker").put("color", Palette.tier(tier));
            t.putObject("line").put("color", Palette.tier(tier));
        }
        ObjectNode layout = Parts.layout(options, "Item length per language",
                "characters of " + measured + ", white space excluded; whiskers at 1.5 IQR");
        layout.set("xaxis", Parts.languageAxis(languages, languages.stream().map(tiers::get).toList(), options, null));
        layout.set("yaxis", Parts.valueAxis("Characters per item", false));
        layout.put("boxmode", "overlay");
        return new JsonFigure(options.title() == null ? "Item length per language" : options.title(), data, layout,
                Parts.config(options, "item length per language"));
    }

    /** lower whisker, q1, median, q3, upper whisker, mean (quartiles by linear interpolation). */
    static double[] box(List<Integer> values) {
        double[] v = values.stream().mapToDouble(Integer::doubleValue).sorted().toArray();
        double q1 = quantile(v, 0.25);
        double median = quantile(v, 0.5);
        double q3 = quantile(v, 0.75);
        double iqr = q3 - q1;
        double low = v[0];
        double high = v[v.length - 1];
        for (double x : v) {
            if (x >= q1 - 1.5 * iqr) {
                low = x;
                break;
            }
        }
        for (int i = v.length - 1; i >= 0; i--) {
            if (v[i] <= q3 + 1.5 * iqr) {
                high = v[i];
                break;
            }
        }
        return new double[]{low, q1, median, q3, high, Arrays.stream(v).average().orElseThrow()};
    }

    static double quantile(double[] sorted, double p) {
        double at = p * (sorted.length - 1);
        int i = (int) Math.floor(at);
        int j = Math.min(i + 1, sorted.length - 1);
        return sorted[i] + (at - i) * (sorted[j] - sorted[i]);
    }

    private static void require(Table table, List<String> columns, String figure, String needs) {
        if (table == null) {
            throw new IllegalArgumentException(figure + ": the table is null");
        }
        List<String> missing = columns.stream().filter(c -> !table.containsColumn(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(figure + ": table '" + table.name() + "' lacks the column"
                    + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " (needs " + needs + "); it has "
                    + String.join(", ", table.columnNames()));
        }
        if (table.rowCount() == 0) {
            throw new IllegalArgumentException(figure + ": table '" + table.name() + "' is empty: no items to plot");
        }
    }
}
