package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.globmed.bench.Comparison;
import org.globmed.data.Language;
import org.globmed.data.Tier;
import tech.tablesaw.api.Table;

/**
 * Before and after fine-tuning per language: a dumbbell (a line from the baseline accuracy to the
 * fine-tuned one) or grouped bars, each language labelled with its relative gain, and the paper's
 * headline figures (average relative improvement, low-resource improvement factor) under the title.
 */
final class FinetuneFigure {
    static final String NAME = "Plots.finetuning";
    static final String BEFORE = "Before fine-tuning";
    static final String AFTER = "After fine-tuning";

    /** One language's pair of accuracies. */
    record Pair(Language language, Tier tier, int n, double before, double after, double relative,
                boolean significant) {
    }

    private FinetuneFigure() {
    }

    static JsonFigure build(Comparison comparison, String run, Plots.Options options) {
        Objects.requireNonNull(comparison, NAME + ": the comparison is null");
        List<Pair> pairs = pairs(comparison.languages(), options);
        Accuracies.requireLanguages(pairs.size(), pairs.stream().map(p -> p.language().code()).toList(), NAME,
                "the before/after chart");
        pairs = sorted(pairs, options.order());
        Table summary = comparison.summary();
        double averageRelative = measure(summary, "average_relative_improvement");
        double factor = measure(summary, "low_resource_factor");
        double lowGain = measure(summary, "low_mean_gain");
        double highGain = measure(summary, "high_mean_gain");
        String headline = headline(pairs, averageRelative, factor, lowGain, highGain);

        List<String> codes = pairs.stream().map(p -> p.language().code()).toList();
        String beforeColour = Palette.pick(options.palette(), 4);
        String afterColour = Palette.pick(options.palette(), 0);
        ArrayNode labels = Parts.strings(pairs.stream().map(p -> Text.signedPercent(p.relative(), 0)
                + (p.significant() ? "*" : "")).toList());
        ArrayNode data = Parts.array();
        if (options.grouped()) {
            data.add(bars(BEFORE, codes, pairs.stream().mapToDouble(Pair::before).toArray(), beforeColour, null));
            data.add(bars(AFTER, codes, pairs.stream().mapToDouble(Pair::after).toArray(), afterColour, labels));
        } else {
            ObjectNode line = data.addObject();
            line.put("type", "scatter");
            line.put("mode", "lines");
            line.put("name", "change");
            line.put("showlegend", false);
            line.put("hoverinfo", "skip");
            ArrayNode x = line.putArray("x");
            ArrayNode y = line.putArray("y");
            for (Pair p : pairs) {
                x.add(p.language().code()).add(p.language().code()).addNull();
                y.add(p.before()).add(p.after()).addNull();
            }
            line.putObject("line").put("color", Palette.GREY).put("width", 3);
            data.add(markers(BEFORE, codes, pairs.stream().mapToDouble(Pair::before).toArray(), beforeColour, null,
                    null));
            ArrayNode positions = Parts.strings(pairs.stream().map(p -> p.after() >= p.before() ? "top center"
                    : "bottom center").toList());
            data.add(markers(AFTER, codes, pairs.stream().mapToDouble(Pair::after).toArray(), afterColour, labels,
                    positions));
        }
        for (int t = options.grouped() ? 0 : 1; t < data.size(); t++) {
            ObjectNode trace = (ObjectNode) data.get(t);
            ArrayNode hover = trace.putArray("hovertext");
            for (Pair p : pairs) {
                hover.add(String.format(Locale.ROOT, "%s (%d paired items)<br>before %s, after %s<br>relative gain %s%s",
                        Text.plain(p.language().label()), p.n(), Text.percent(p.before(), 1),
                        Text.percent(p.after(), 1), Text.signedPercent(p.relative(), 1),
                        p.significant() ? " (significant, Holm-adjusted McNemar)" : ""));
            }
            trace.put("hoverinfo", "text");
        }

        String title = run == null ? "Before and after fine-tuning" : "Before and after fine-tuning — " + run;
        ObjectNode layout = Parts.layout(options, title, headline);
        layout.set("xaxis", Parts.languageAxis(pairs.stream().map(Pair::language).toList(),
                pairs.stream().map(Pair::tier).toList(), options, null));
        ObjectNode yAxis = Parts.valueAxis("Accuracy", true);
        double top = pairs.stream().mapToDouble(p -> Math.max(p.before(), p.after())).max().orElse(1);
        yAxis.putArray("range").add(0).add(Math.min(1.12, top + 0.12));
        layout.set("yaxis", yAxis);
        if (options.grouped()) {
            layout.put("barmode", "group");
        }
        layout.putArray("annotations").add(Parts.note("labels: relative gain; * Holm-adjusted McNemar p ≤ "
                + Comparison.ALPHA + ". " + "<i><span style=\"color:" + Palette.VERMILLION + "\">Italic vermillion"
                + "</span></i>: LOW-resource languages", 1, -0.3, "right"));
        layout.putObject("margin").put("l", 70).put("r", 30).put("t", 100).put("b", 120);
        return new JsonFigure(options.title() == null ? title : options.title(), data, layout,
                Parts.config(options, "before and after fine-tuning"));
    }

    /** The headline line: average relative improvement and the low-resource improvement factor. */
    static String headline(List<Pair> pairs, double averageRelative, double factor, double lowGain, double highGain) {
        boolean bothTiers = pairs.stream().anyMatch(p -> p.tier() == Tier.HIGH)
                && pairs.stream().anyMatch(p -> p.tier() == Tier.LOW);
        String first = Double.isNaN(averageRelative) ? "average relative improvement n/a (a baseline accuracy is 0)"
                : "average relative improvement " + Text.signedPercent(averageRelative, 1);
        String second;
        if (!bothTiers) {
            second = "low-resource improvement factor n/a (needs HIGH- and LOW-tier languages)";
        } else if (Double.isNaN(factor)) {
            second = String.format(Locale.ROOT, "low-resource improvement factor n/a (HIGH-tier mean gain %+.1f points)",
                    100 * highGain);
        } else {
            second = String.format(Locale.ROOT, "low-resource improvement factor %.2f× (mean gain %+.1f vs %+.1f points)",
                    factor, 100 * lowGain, 100 * highGain);
        }
        return first + "; " + second;
    }

    private static ObjectNode markers(String name, List<String> x, double[] y, String colour, ArrayNode text,
                                      ArrayNode positions) {
        ObjectNode t = Parts.object();
        t.put("type", "scatter");
        t.put("mode", text == null ? "markers" : "markers+text");
        t.put("name", name);
        t.set("x", Parts.strings(x));
        t.set("y", Parts.numbers(y));
        t.putObject("marker").put("color", colour).put("size", 12).putObject("line").put("color", "#FFFFFF")
                .put("width", 1);
        if (text != null) {
            t.set("text", text);
            t.set("textposition", positions);
            t.putObject("textfont").put("size", 11);
        }
        return t;
    }

    private static ObjectNode bars(String name, List<String> x, double[] y, String colour, ArrayNode text) {
        ObjectNode t = Parts.object();
        t.put("type", "bar");
        t.put("name", name);
        t.set("x", Parts.strings(x));
        t.set("y", Parts.numbers(y));
        t.putObject("marker").put("color", colour);
        if (text != null) {
            t.set("text", text);
            t.put("textposition", "outside");
            t.put("cliponaxis", false);
        }
        return t;
    }

    static List<Pair> pairs(Table languages, Plots.Options options) {
        List<Pair> out = new ArrayList<>();
        for (int r = 0; r < languages.rowCount(); r++) {
            String code = languages.stringColumn("language").get(r);
            Language l = Accuracies.language(code, options.registry(), NAME, "the comparison");
            out.add(new Pair(l, Accuracies.tier(languages.stringColumn("tier").get(r), NAME, code),
                    languages.intColumn("n_paired").get(r), languages.doubleColumn("acc_baseline").getDouble(r),
                    languages.doubleColumn("acc_candidate").getDouble(r),
                    languages.doubleColumn("rel_gain").getDouble(r),
                    Boolean.TRUE.equals(languages.booleanColumn("significant").get(r))));
        }
        return out;
    }

    private static List<Pair> sorted(List<Pair> pairs, Plots.Order order) {
        Comparator<Pair> byCode = Comparator.comparing(p -> p.language().code());
        Comparator<Pair> byBefore = Comparator.comparingDouble(Pair::before);
        List<Pair> out = new ArrayList<>(pairs);
        out.sort(switch (order) {
            case DESCENDING -> byBefore.reversed().thenComparing(byCode);
            case ASCENDING -> byBefore.thenComparing(byCode);
            case REGISTRY -> byCode;
            case TIER -> Comparator.comparing(Pair::tier).thenComparing(byBefore.reversed()).thenComparing(byCode);
        });
        return out;
    }

    private static double measure(Table summary, String name) {
        for (int r = 0; r < summary.rowCount(); r++) {
            if (summary.stringColumn("measure").get(r).equals(name)) {
                return summary.doubleColumn("value").getDouble(r);
            }
        }
        throw new IllegalStateException("the comparison's summary has no " + name);
    }
}
