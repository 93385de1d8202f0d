package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.globmed.data.Tier;

/**
 * The disparity of each model as two bars: the gap between its best and worst language, and the
 * gap between its HIGH-tier and LOW-tier mean accuracy (the measures of {@code Report.Summary}).
 */
final class DisparityFigure {
    static final String NAME = "Plots.disparity";

    /** One model's gaps. */
    record Gaps(String model, double bestWorst, String best, double bestAccuracy, String worst, double worstAccuracy,
                double highLow, double highMean, double lowMean, int languages) {
    }

    private DisparityFigure() {
    }

    static Gaps gaps(String model, List<Accuracies.Row> rows) {
        Accuracies.requireLanguages(rows.size(), rows.stream().map(r -> r.language().code()).toList(),
                NAME + " (" + model + ")", "the best−worst gap");
        Accuracies.Row best = rows.stream().max(Comparator.comparingDouble(Accuracies.Row::accuracy)).orElseThrow();
        Accuracies.Row worst = rows.stream().min(Comparator.comparingDouble(Accuracies.Row::accuracy)).orElseThrow();
        double high = rows.stream().filter(r -> r.tier() == Tier.HIGH).mapToDouble(Accuracies.Row::accuracy).average()
                .orElse(Double.NaN);
        double low = rows.stream().filter(r -> r.tier() == Tier.LOW).mapToDouble(Accuracies.Row::accuracy).average()
                .orElse(Double.NaN);
        return new Gaps(model, best.accuracy() - worst.accuracy(), best.language().code(), best.accuracy(),
                worst.language().code(), worst.accuracy(), high - low, high, low, rows.size());
    }

    static JsonFigure build(Map<String, List<Accuracies.Row>> byModel, Plots.Options options) {
        List<Gaps> gaps = new ArrayList<>();
        byModel.forEach((model, rows) -> gaps.add(gaps(model, rows)));
        Comparator<Gaps> byGap = Comparator.comparingDouble(Gaps::bestWorst);
        switch (options.order()) {
            case ASCENDING -> gaps.sort(byGap);
            case REGISTRY -> {
                // as given
            }
            default -> gaps.sort(byGap.reversed());
        }
        List<String> models = gaps.stream().map(g -> Text.plain(g.model())).toList();
        ArrayNode data = Parts.array();
        ObjectNode spread = bar("best − worst language", models, gaps.stream().mapToDouble(Gaps::bestWorst).toArray(),
                Palette.pick(options.palette(), 0));
        ArrayNode hover = spread.putArray("hovertext");
        gaps.forEach(g -> hover.add(String.format(Locale.ROOT, "%s: best %s %s, worst %s %s (%d languages)",
                Text.plain(g.model()), g.best(), Text.percent(g.bestAccuracy(), 1), g.worst(),
                Text.percent(g.worstAccuracy(), 1), g.languages())));
        data.add(spread);
        boolean anyTierGap = gaps.stream().anyMatch(g -> !Double.isNaN(g.highLow()));
        if (anyTierGap) {
            ObjectNode tiers = bar("HIGH − LOW tier mean", models, gaps.stream().mapToDouble(Gaps::highLow).toArray(),
                    Palette.pick(options.palette(), 1));
            ArrayNode tierHover = tiers.putArray("hovertext");
            gaps.forEach(g -> tierHover.add(Double.isNaN(g.highLow())
                    ? Text.plain(g.model()) + ": needs HIGH- and LOW-tier languages"
                    : String.format(Locale.ROOT, "%s: HIGH mean %s, LOW mean %s", Text.plain(g.model()),
                    Text.percent(g.highMean(), 1), Text.percent(g.lowMean(), 1))));
            data.add(tiers);
        }
        ObjectNode layout = Parts.layout(options, "Disparity across languages per model",
                "gaps in accuracy, percentage points");
        ObjectNode x = Parts.object();
        x.put("type", "category");
        x.put("automargin", true);
        layout.set("xaxis", x);
        layout.set("yaxis", Parts.valueAxis("Gap (percentage points)", false));
        layout.put("barmode", "group");
        ArrayNode notes = layout.putArray("annotations");
        if (!anyTierGap) {
            notes.add(Parts.note("HIGH − LOW tier gap not shown: no run has both HIGH- and LOW-tier languages", 0, -0.3,
                    "left"));
        }
        return new JsonFigure(options.title() == null ? "Disparity across languages per model" : options.title(), data,
                layout, Parts.config(options, "disparity per model"));
    }

    private static ObjectNode bar(String name, List<String> models, double[] gaps, String colour) {
        ObjectNode t = Parts.object();
        t.put("type", "bar");
        t.put("name", name);
        t.set("x", Parts.strings(models));
        double[] points = new double[gaps.length];
        ArrayNode text = Parts.array();
        for (int i = 0; i < gaps.length; i++) {
            points[i] = 100 * gaps[i];
            text.add(Double.isNaN(gaps[i]) ? "n/a" : String.format(Locale.ROOT, "%.1f", 100 * gaps[i]));
        }
        t.set("y", Parts.numbers(points));
        t.set("text", text);
        t.put("textposition", "outside");
        t.put("cliponaxis", false);
        t.put("hoverinfo", "text");
        t.putObject("marker").put("color", colour);
        return t;
    }
}
