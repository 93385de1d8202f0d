package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Tier;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Model × language accuracy: a Viridis heatmap with the value in every cell, rows and columns by mean. */
final class HeatmapFigure {
    static final String NAME = "Plots.heatmap";
    static final List<String> COLUMNS = List.of("model", "language", "accuracy");

    private HeatmapFigure() {
    }

    /** Rows of a long table (model, language, accuracy; optional tier, n, correct), by model. */
    static Map<String, List<Accuracies.Row>> rows(Table table, Languages registry) {
        if (table == null) {
            throw new IllegalArgumentException(NAME + ": the table is null");
        }
        List<String> missing = COLUMNS.stream().filter(c -> !table.containsColumn(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(NAME + ": table '" + table.name() + "' lacks the column"
                    + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " (needs model, language,"
                    + " accuracy: one row per model and language); it has " + String.join(", ", table.columnNames()));
        }
        if (table.rowCount() == 0) {
            throw new IllegalArgumentException(NAME + ": table '" + table.name() + "' is empty: no accuracies to plot");
        }
        Column<?> models = table.column("model");
        Column<?> codes = table.column("language");
        NumericColumn<?> accuracy = Accuracies.numeric(table, "accuracy", NAME);
        Column<?> tiers = table.containsColumn("tier") ? table.column("tier") : null;
        Map<String, List<Accuracies.Row>> out = new LinkedHashMap<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String model = models.isMissing(r) ? "" : models.getString(r).strip();
            if (model.isEmpty()) {
                throw new IllegalArgumentException(NAME + ": row " + r + " of table '" + table.name() + "' has no model");
            }
            Language language = Accuracies.language(codes.isMissing(r) ? null : codes.getString(r), registry, NAME,
                    "table '" + table.name() + "' row " + r);
            double a = accuracy.getDouble(r);
            if (Double.isNaN(a) || a < 0 || a > 1) {
                throw new IllegalArgumentException(NAME + ": row " + r + " (" + model + ", " + language.code()
                        + ") has accuracy " + a + "; expected a fraction from 0 to 1");
            }
            Tier tier = tiers == null || tiers.isMissing(r) || tiers.getString(r).isBlank() ? language.tier()
                    : Accuracies.tier(tiers.getString(r), NAME, language.code());
            List<Accuracies.Row> list = out.computeIfAbsent(model, k -> new ArrayList<>());
            if (list.stream().anyMatch(x -> x.language().equals(language))) {
                throw new IllegalArgumentException(NAME + ": model '" + model + "' has two rows for language '"
                        + language.code() + "'");
            }
            list.add(new Accuracies.Row(language, tier, 0, 0, a, Double.NaN, Double.NaN));
        }
        return out;
    }

    static JsonFigure build(Map<String, List<Accuracies.Row>> byModel, Plots.Options options) {
        Map<Language, Tier> tiers = new TreeMap<>(Comparator.comparing(Language::code));
        byModel.forEach((model, rows) -> rows.forEach(r -> {
            Tier before = tiers.putIfAbsent(r.language(), r.tier());
            if (before != null && before != r.tier()) {
                throw new IllegalArgumentException(NAME + ": language '" + r.language().code() + "' is " + before
                        + " in one run and " + r.tier() + " in '" + model + "'; give every run the same tiers");
            }
        }));
        Accuracies.requireLanguages(tiers.size(), tiers.keySet().stream().map(Language::code).toList(), NAME,
                "the model × language heatmap");
        Map<String, Map<Language, Double>> cells = new LinkedHashMap<>();
        byModel.forEach((model, rows) -> {
            Map<Language, Double> m = new LinkedHashMap<>();
            rows.forEach(r -> m.put(r.language(), r.accuracy()));
            cells.put(model, m);
        });
        List<Language> languages = order(new ArrayList<>(tiers.keySet()), l -> mean(cells.values().stream()
                .map(m -> m.get(l)).toList()), tiers, options.order());
        List<String> models = orderModels(new ArrayList<>(cells.keySet()), cells, options.order());

        ArrayNode z = Parts.array();
        ArrayNode text = Parts.array();
        ArrayNode hover = Parts.array();
        for (String model : models) {
            ArrayNode zRow = z.addArray();
            ArrayNode tRow = text.addArray();
            ArrayNode hRow = hover.addArray();
            for (Language l : languages) {
                Double a = cells.get(model).get(l);
                if (a == null) {
                    zRow.addNull();
                    tRow.add("–");
                    hRow.add(Text.plain(model) + "<br>" + Text.plain(l.label()) + ": not evaluated");
                } else {
                    zRow.add(a);
                    tRow.add(Text.fixed(100 * a, 1));
                    hRow.add(Text.plain(model) + "<br>" + Text.plain(l.label()) + ": " + Text.percent(a, 1));
                }
            }
        }
        ArrayNode data = Parts.array();
        ObjectNode heat = data.addObject();
        heat.put("type", "heatmap");
        heat.put("name", "accuracy");
        heat.set("x", Parts.strings(languages.stream().map(Language::code).toList()));
        heat.set("y", Parts.strings(models.stream().map(Text::plain).toList()));
        heat.set("z", z);
        heat.set("text", text);
        heat.put("texttemplate", "%{text}");
        heat.set("hovertext", hover);
        heat.put("hoverinfo", "text");
        heat.put("colorscale", Palette.SEQUENTIAL);
        heat.put("zmin", 0);
        heat.put("zmax", 1);
        heat.put("xgap", 2);
        heat.put("ygap", 2);
        ObjectNode bar = heat.putObject("colorbar");
        bar.putObject("title").put("text", "Accuracy");
        bar.put("tickformat", ".0%");

        ObjectNode layout = Parts.layout(options, "Accuracy by model and language",
                "cells: accuracy (%); models and languages ordered by mean accuracy");
        layout.set("xaxis", Parts.languageAxis(languages, languages.stream().map(tiers::get).toList(), options, null));
        ObjectNode y = Parts.object();
        y.put("type", "category");
        y.put("autorange", "reversed"); // the first model (highest mean) on top
        y.put("automargin", true);
        layout.set("yaxis", y);
        layout.putArray("annotations").add(Parts.tierNote(-0.18));
        return new JsonFigure(options.title() == null ? "Accuracy by model and language" : options.title(), data,
                layout, Parts.config(options, "accuracy heatmap"));
    }

    static double mean(List<Double> values) {
        return values.stream().filter(v -> v != null && !Double.isNaN(v)).mapToDouble(Double::doubleValue).average()
                .orElse(Double.NaN);
    }

    /** Languages ordered as {@code order} says, by {@code value} (highest first unless ASCENDING). */
    static List<Language> order(List<Language> languages, java.util.function.Function<Language, Double> value,
                                Map<Language, Tier> tiers, Plots.Order order) {
        Comparator<Language> byCode = Comparator.comparing(Language::code);
        Comparator<Language> byValue = Comparator.comparingDouble(l -> value.apply(l));
        languages.sort(switch (order) {
            case DESCENDING -> byValue.reversed().thenComparing(byCode);
            case ASCENDING -> byValue.thenComparing(byCode);
            case REGISTRY -> byCode;
            case TIER -> Comparator.comparing((Language l) -> tiers.get(l)).thenComparing(byValue.reversed())
                    .thenComparing(byCode);
        });
        return languages;
    }

    private static List<String> orderModels(List<String> models, Map<String, Map<Language, Double>> cells,
                                            Plots.Order order) {
        Comparator<String> byMean = Comparator.comparingDouble(m -> mean(new ArrayList<>(cells.get(m).values())));
        switch (order) {
            case ASCENDING -> models.sort(byMean);
            case REGISTRY -> {
                // as given
            }
            default -> models.sort(byMean.reversed());
        }
        return models;
    }
}
