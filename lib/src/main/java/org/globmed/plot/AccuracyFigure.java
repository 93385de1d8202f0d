package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.globmed.data.Language;
import org.globmed.data.Tier;

/** Accuracy by language: one bar trace per tier, Wilson 95% error bars, the tier means as dashed lines. */
final class AccuracyFigure {
    static final String NAME = "Plots.accuracy";

    private AccuracyFigure() {
    }

    static JsonFigure build(List<Accuracies.Row> input, String model, Plots.Options options) {
        Accuracies.requireLanguages(input.size(), input.stream().map(r -> r.language().code()).toList(), NAME,
                "accuracy by language");
        List<Accuracies.Row> rows = sorted(input, options.order());
        ArrayNode data = Parts.array();
        for (Tier tier : Tier.values()) {
            List<Accuracies.Row> inTier = rows.stream().filter(r -> r.tier() == tier).toList();
            if (inTier.isEmpty()) {
                continue;
            }
            ObjectNode bar = data.addObject();
            bar.put("type", "bar");
            bar.put("name", tier == Tier.HIGH ? "HIGH-resource" : "LOW-resource");
            bar.set("x", Parts.strings(inTier.stream().map(r -> r.language().code()).toList()));
            bar.set("y", Parts.numbers(inTier.stream().mapToDouble(Accuracies.Row::accuracy).toArray()));
            ObjectNode error = bar.putObject("error_y");
            error.put("type", "data");
            error.put("symmetric", false);
            error.set("array", Parts.numbers(inTier.stream().mapToDouble(r -> r.high() - r.accuracy()).toArray()));
            error.set("arrayminus", Parts.numbers(inTier.stream().mapToDouble(r -> r.accuracy() - r.low()).toArray()));
            error.put("color", "#333333");
            error.put("thickness", 1.2);
            error.put("width", 4);
            bar.putObject("marker").put("color", Palette.tier(tier));
            ArrayNode hover = Parts.array();
            for (Accuracies.Row r : inTier) {
                hover.add(String.format(Locale.ROOT, "%s: %s (%d of %d)<br>95%% Wilson interval %s – %s",
                        Text.plain(r.language().label()), Text.percent(r.accuracy(), 1), r.correct(), r.n(),
                        Text.percent(r.low(), 1), Text.percent(r.high(), 1)));
            }
            bar.set("hovertext", hover);
            bar.put("hoverinfo", "text");
        }

        ObjectNode layout = Parts.layout(options, "Accuracy by language" + (model == null ? "" : " — " + model),
                "bars: 95% Wilson intervals; dashed lines: tier means");
        List<Language> order = rows.stream().map(Accuracies.Row::language).toList();
        layout.set("xaxis", Parts.languageAxis(order, rows.stream().map(Accuracies.Row::tier).toList(), options, null));
        ObjectNode y = Parts.valueAxis("Accuracy", true);
        y.putArray("range").add(0).add(1.05);
        layout.set("yaxis", y);
        layout.put("bargap", 0.25);
        layout.put("barmode", "overlay"); // one bar per language: the tier traces never share a category
        ArrayNode shapes = layout.putArray("shapes");
        ArrayNode annotations = layout.putArray("annotations");
        for (Tier tier : Tier.values()) {
            double[] acc = rows.stream().filter(r -> r.tier() == tier).mapToDouble(Accuracies.Row::accuracy).toArray();
            if (acc.length == 0) {
                continue;
            }
            double mean = java.util.Arrays.stream(acc).average().orElseThrow();
            shapes.add(Parts.horizontalLine(mean, Palette.tier(tier), "y"));
            ObjectNode label = annotations.addObject();
            label.put("text", String.format(Locale.ROOT, "%s mean<br>%s", tier, Text.percent(mean, 1)));
            label.put("align", "left");
            // In the right margin, outside the bars: HIGH above its line, LOW below, so they never collide.
            label.put("xref", "paper");
            label.put("x", 1.005);
            label.put("xanchor", "left");
            label.put("yref", "y");
            label.put("y", mean);
            label.put("yanchor", tier == Tier.HIGH ? "bottom" : "top");
            label.put("showarrow", false);
            label.putObject("font").put("color", Palette.tier(tier)).put("size", 12);
        }
        ((ObjectNode) layout.get("margin")).put("r", 100); // the tier mean labels
        return new JsonFigure(options.title() == null ? "Accuracy by language" : options.title(), data, layout,
                Parts.config(options, "accuracy by language"));
    }

    static List<Accuracies.Row> sorted(List<Accuracies.Row> rows, Plots.Order order) {
        Comparator<Accuracies.Row> byCode = Comparator.comparing(r -> r.language().code());
        Comparator<Accuracies.Row> byAccuracy = Comparator.comparingDouble(Accuracies.Row::accuracy);
        List<Accuracies.Row> out = new ArrayList<>(rows);
        out.sort(switch (order) {
            case DESCENDING -> byAccuracy.reversed().thenComparing(byCode);
            case ASCENDING -> byAccuracy.thenComparing(byCode);
            case REGISTRY -> byCode;
            case TIER -> Comparator.comparing(Accuracies.Row::tier).thenComparing(byAccuracy.reversed())
                    .thenComparing(byCode);
        });
        return out;
    }
}
