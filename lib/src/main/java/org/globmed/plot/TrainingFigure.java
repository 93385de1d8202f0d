package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.globmed.data.Language;
import org.globmed.data.Tier;

/**
 * Training curves on one step axis: the loss on top, the learning rate below it and, when the run
 * has dev evaluations, the dev accuracy of every language at the bottom (solid HIGH, dotted LOW).
 */
final class TrainingFigure {
    private TrainingFigure() {
    }

    static JsonFigure build(RunLogs log, Plots.Options options) {
        List<RunLogs.Step> steps = log.steps();
        boolean withDev = !log.dev().isEmpty();
        ArrayNode data = Parts.array();
        double[] x = steps.stream().mapToDouble(RunLogs.Step::step).toArray();
        ObjectNode loss = data.addObject();
        loss.put("type", "scatter");
        loss.put("mode", steps.size() == 1 ? "markers" : "lines");
        loss.put("name", "training loss");
        loss.set("x", Parts.numbers(x));
        loss.set("y", Parts.numbers(steps.stream().mapToDouble(RunLogs.Step::loss).toArray()));
        // Loss and learning rate have their own panels, named by their axes: black and grey, out of
        // the legend, which is left to the languages.
        loss.put("showlegend", false);
        loss.putObject("line").put("color", Palette.BLACK).put("width", 1.5);
        loss.putObject("marker").put("color", Palette.BLACK);
        loss.put("xaxis", "x");
        loss.put("yaxis", "y");
        ObjectNode rate = data.addObject();
        rate.put("type", "scatter");
        rate.put("mode", steps.size() == 1 ? "markers" : "lines");
        rate.put("name", "learning rate");
        rate.set("x", Parts.numbers(x));
        rate.set("y", Parts.numbers(steps.stream().mapToDouble(RunLogs.Step::learningRate).toArray()));
        rate.put("showlegend", false);
        rate.putObject("line").put("color", Palette.GREY).put("width", 1.5);
        rate.putObject("marker").put("color", Palette.GREY);
        rate.put("xaxis", "x");
        rate.put("yaxis", "y2");

        Map<Language, Tier> tiers = new LinkedHashMap<>();
        log.dev().forEach(d -> tiers.put(d.language(), d.tier()));
        // HIGH languages first, then LOW; colours counted within each tier, LOW lines dotted.
        Map<Language, TreeMap<Long, Double>> byLanguage = new TreeMap<>(java.util.Comparator
                .comparing((Language l) -> tiers.get(l)).thenComparing(Language::code));
        for (RunLogs.Dev d : log.dev()) {
            byLanguage.computeIfAbsent(d.language(), k -> new TreeMap<>()).put(d.step(), d.accuracy());
        }
        Map<Tier, Integer> colours = new java.util.EnumMap<>(Tier.class);
        for (Map.Entry<Language, TreeMap<Long, Double>> e : byLanguage.entrySet()) {
            Language l = e.getKey();
            int index = colours.merge(tiers.get(l), 1, Integer::sum) - 1;
            ObjectNode t = data.addObject();
            t.put("type", "scatter");
            t.put("mode", e.getValue().size() == 1 ? "markers" : "lines+markers");
            t.put("name", Text.plain(l.label()) + (tiers.get(l) == Tier.LOW ? " · LOW" : ""));
            t.set("x", Parts.numbers(e.getValue().keySet().stream().mapToDouble(Long::doubleValue).toArray()));
            t.set("y", Parts.numbers(new ArrayList<>(e.getValue().values())));
            String colour = Palette.pick(options.palette(), index);
            t.putObject("line").put("color", colour).put("width", 1.5)
                    .put("dash", tiers.get(l) == Tier.LOW ? "dot" : "solid");
            t.putObject("marker").put("color", colour).put("size", 5)
                    .put("symbol", tiers.get(l) == Tier.LOW ? "diamond" : "circle");
            t.put("xaxis", "x");
            t.put("yaxis", "y3");
        }

        RunLogs.Step last = steps.get(steps.size() - 1);
        double epoch = last.epoch();
        String subtitle = String.format(Locale.ROOT, "step %,d, epoch %s, loss %s, %s tokens, %s elapsed", last.step(),
                epoch == Math.rint(epoch) ? String.valueOf((long) epoch) : String.format(Locale.ROOT, "%.2f", epoch), Text.fixed(last.loss(), 4), tokens(last.tokens()), elapsed(last.seconds()));
        if (withDev) {
            long devStep = log.dev().get(log.dev().size() - 1).step();
            double mean = log.dev().stream().filter(d -> d.step() == devStep)
                    .mapToDouble(RunLogs.Dev::accuracy).average().orElse(Double.NaN);
            subtitle += String.format(Locale.ROOT, "; dev accuracy at step %,d: mean %s", devStep, Text.percent(mean, 1));
        } else {
            subtitle += "; no dev evaluation yet";
        }
        String title = "Training run " + log.name();
        ObjectNode layout = Parts.layout(options, title, subtitle);
        ObjectNode xAxis = Parts.valueAxis("Optimizer step", false);
        xAxis.put("anchor", withDev ? "y3" : "y2");
        layout.set("xaxis", xAxis);
        ObjectNode yLoss = Parts.valueAxis("Loss", false);
        ObjectNode yRate = Parts.valueAxis("Learning rate", false);
        yRate.put("exponentformat", "e");
        if (withDev) {
            yLoss.putArray("domain").add(0.70).add(1.0);
            yRate.putArray("domain").add(0.42).add(0.62);
            ObjectNode yDev = Parts.valueAxis("Dev accuracy", true);
            yDev.putArray("domain").add(0.0).add(0.34);
            yDev.putArray("range").add(0.0).add(1.0); // accuracy: 0-100%, also when every value is the same
            yDev.put("anchor", "x");
            layout.set("yaxis3", yDev);
        } else {
            yLoss.putArray("domain").add(0.45).add(1.0);
            yRate.putArray("domain").add(0.0).add(0.35);
        }
        yLoss.put("anchor", "x");
        yRate.put("anchor", "x");
        layout.set("yaxis", yLoss);
        layout.set("yaxis2", yRate);
        if (!options.hasSize()) {
            layout.put("height", withDev ? 760 : 520);
        }
        ObjectNode legend = layout.putObject("legend");
        legend.put("orientation", "v");
        legend.put("x", 1.02);
        legend.put("y", 1);
        legend.put("yanchor", "top");
        legend.putObject("font").put("size", 11);
        layout.putObject("margin").put("l", 80).put("r", 20).put("t", 90).put("b", 60);
        return new JsonFigure(options.title() == null ? title : options.title(), data, layout,
                Parts.config(options, title));
    }

    private static String tokens(double tokens) {
        if (Double.isNaN(tokens)) {
            return "n/a";
        }
        if (tokens >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", tokens / 1e6);
        }
        return tokens >= 1e3 ? String.format(Locale.ROOT, "%.1fk", tokens / 1e3) : String.format(Locale.ROOT, "%.0f",
                tokens);
    }

    private static String elapsed(double seconds) {
        if (Double.isNaN(seconds)) {
            return "n/a";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
