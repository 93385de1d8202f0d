package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.globmed.data.Language;
import org.globmed.data.Tier;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Accuracy against tokenizer fertility: one point per language and model, x = tokens per word of
 * the model's tokenizer in that language, y = the model's accuracy there; circles HIGH, diamonds
 * LOW; each model's Pearson r in the legend.
 */
final class FertilityFigure {
    static final String NAME = "Plots.fertility";
    static final List<String> COLUMNS = List.of("language", "tokens_per_word");

    private FertilityFigure() {
    }

    static JsonFigure build(Table fertility, Map<String, List<Accuracies.Row>> byModel, Plots.Options options) {
        Map<String, Map<String, Double>> tokensPerWord = fertility(fertility);
        boolean perModel = fertility.containsColumn("model");
        Set<String> allLanguages = new LinkedHashSet<>();
        byModel.values().forEach(rows -> rows.forEach(r -> allLanguages.add(r.language().code())));
        Accuracies.requireLanguages(allLanguages.size(), new ArrayList<>(allLanguages), NAME,
                "accuracy against fertility");
        ArrayNode data = Parts.array();
        int index = 0;
        for (Map.Entry<String, List<Accuracies.Row>> e : byModel.entrySet()) {
            String model = e.getKey();
            Map<String, Double> fert = tokensPerWord.get(perModel ? model : "");
            if (fert == null) {
                throw new IllegalArgumentException(NAME + ": the fertility table '" + fertility.name() + "' has no rows"
                        + " for model '" + model + "'; its models are " + String.join(", ", tokensPerWord.keySet()));
            }
            List<String> missing = e.getValue().stream().map(r -> r.language().code())
                    .filter(c -> !fert.containsKey(c)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(NAME + ": the fertility table '" + fertility.name() + "' lacks"
                        + " tokens_per_word for language" + (missing.size() == 1 ? " " : "s ")
                        + String.join(", ", missing) + (perModel ? " of model '" + model + "'" : "")
                        + "; measure fertility on the same languages (GlobMedData.fertility(tokenizer))");
            }
            List<Accuracies.Row> rows = e.getValue();
            double[] x = rows.stream().mapToDouble(r -> fert.get(r.language().code())).toArray();
            double[] y = rows.stream().mapToDouble(Accuracies.Row::accuracy).toArray();
            ObjectNode t = data.addObject();
            t.put("type", "scatter");
            t.put("mode", "markers+text");
            String name = Text.plain(model);
            if (rows.size() >= 3) {
                double r = new PearsonsCorrelation().correlation(x, y);
                name += Double.isNaN(r) ? "" : String.format(Locale.ROOT, " (r = %.2f)", r);
            }
            t.put("name", name);
            t.set("x", Parts.numbers(x));
            t.set("y", Parts.numbers(y));
            t.set("text", Parts.strings(rows.stream().map(r -> r.language().code()).toList()));
            t.put("textposition", "top center");
            t.putObject("textfont").put("size", 10).put("color", Palette.pick(options.palette(), index));
            ObjectNode marker = t.putObject("marker");
            marker.put("color", Palette.pick(options.palette(), index));
            marker.put("size", 11);
            marker.set("symbol", Parts.strings(rows.stream().map(r -> r.tier() == Tier.LOW ? "diamond" : "circle")
                    .toList()));
            ArrayNode hover = t.putArray("hovertext");
            for (int i = 0; i < rows.size(); i++) {
                Language l = rows.get(i).language();
                hover.add(String.format(Locale.ROOT, "%s — %s (%s)<br>%.2f tokens per word, accuracy %s",
                        Text.plain(model), Text.plain(l.label()), rows.get(i).tier(), x[i],
                        Text.percent(y[i], 1)));
            }
            t.put("hoverinfo", "text");
            index++;
        }
        ObjectNode layout = Parts.layout(options, "Accuracy against tokenizer fertility",
                "one point per language and model; circles HIGH-, diamonds LOW-resource languages");
        ObjectNode x = Parts.valueAxis("Tokens per word (tokenizer fertility)", false);
        layout.set("xaxis", x);
        ObjectNode y = Parts.valueAxis("Accuracy", true);
        layout.set("yaxis", y);
        return new JsonFigure(options.title() == null ? "Accuracy against tokenizer fertility" : options.title(), data,
                layout, Parts.config(options, "accuracy against fertility"));
    }

    /** tokens_per_word by model ("" when the table has no model column) and language code. */
    private static Map<String, Map<String, Double>> fertility(Table table) {
        if (table == null) {
            throw new IllegalArgumentException(NAME + ": the fertility table is null");
        }
        List<String> missing = COLUMNS.stream().filter(c -> !table.containsColumn(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(NAME + ": the fertility table '" + table.name() + "' lacks the column"
                    + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " (needs language,"
                    + " tokens_per_word, optional model, as GlobMedData.fertility gives); it has "
                    + String.join(", ", table.columnNames()));
        }
        if (table.rowCount() == 0) {
            throw new IllegalArgumentException(NAME + ": the fertility table '" + table.name() + "' is empty");
        }
        NumericColumn<?> tpw = Accuracies.numeric(table, "tokens_per_word", NAME);
        Column<?> codes = table.column("language");
        Column<?> models = table.containsColumn("model") ? table.column("model") : null;
        Map<String, Map<String, Double>> out = new HashMap<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String code = codes.isMissing(r) ? "" : codes.getString(r).strip().toLowerCase(Locale.ROOT);
            double v = tpw.getDouble(r);
            if (Double.isNaN(v)) {
                continue; // a language without words (Fertility leaves it missing): it cannot be placed
            }
            String model = models == null ? "" : models.getString(r);
            out.computeIfAbsent(model, k -> new HashMap<>()).put(code, v);
        }
        return out;
    }
}
