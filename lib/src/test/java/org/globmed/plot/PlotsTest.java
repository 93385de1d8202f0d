package org.globmed.plot;

import static org.globmed.plot.PlotFixtures.counts;
import static org.globmed.plot.PlotFixtures.items;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.globmed.bench.Comparison;
import org.globmed.bench.ItemResult;
import org.globmed.bench.Report;
import org.globmed.data.Languages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

class PlotsTest {
    static final Languages REGISTRY = Languages.defaults();
    static final double EPS = 1e-12;

    /** en 8/10, fr 6/10 (HIGH); sw 3/10, yo 5/12 (LOW). */
    static Report report() {
        return Report.of(items(counts("en", 8, 10, "fr", 6, 10, "sw", 3, 10, "yo", 5, 12)), REGISTRY);
    }

    static ObjectNode layout(Figure f) {
        return ((JsonFigure) f).layout();
    }

    static ArrayNode data(Figure f) {
        return ((JsonFigure) f).data();
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isNull() ? null : n.asText()));
        return out;
    }

    static List<Double> doubles(JsonNode array) {
        List<Double> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isNull() ? null : n.asDouble()));
        return out;
    }

    /** Wilson's 95% score interval, written out here independently of commons-math. */
    static double[] wilson(int correct, int n) {
        double z = 1.959963984540054;
        double p = (double) correct / n;
        double denominator = 1 + z * z / n;
        double centre = (p + z * z / (2 * n)) / denominator;
        double half = z / denominator * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n));
        return new double[]{centre - half, centre + half};
    }

    // --- accuracy by language ------------------------------------------------------------------

    @Test
    void accuracyBarsAreSortedByAccuracyOneTracePerTierColouredByTier() {
        Figure f = Plots.accuracy(report());
        ArrayNode data = data(f);
        assertEquals(2, data.size(), "one bar trace per tier");
        assertEquals("bar", data.get(0).get("type").asText());
        assertEquals("HIGH-resource", data.get(0).get("name").asText());
        assertEquals(List.of("en", "fr"), strings(data.get(0).get("x")));
        assertEquals(List.of(0.8, 0.6), doubles(data.get(0).get("y")));
        assertEquals(Palette.BLUE, data.get(0).at("/marker/color").asText());
        assertEquals("LOW-resource", data.get(1).get("name").asText());
        assertEquals(List.of("yo", "sw"), strings(data.get(1).get("x")));
        assertEquals(5 / 12.0, data.get(1).get("y").get(0).asDouble(), EPS);
        assertEquals(Palette.VERMILLION, data.get(1).at("/marker/color").asText());
        ObjectNode layout = layout(f);
        assertEquals(List.of("en", "fr", "yo", "sw"), strings(layout.at("/xaxis/categoryarray")),
                "highest accuracy first");
        assertEquals("overlay", layout.get("barmode").asText(), "one bar per language, not offset per tier");
    }

    @Test
    void accuracyErrorBarsAreWilsonIntervals() {
        // 0 of 7 and 7 of 7 too: the interval is [0, upper] and [lower, 1].
        Report r = Report.of(items(counts("en", 8, 10, "de", 7, 7, "sw", 0, 7, "yo", 5, 12)), REGISTRY);
        ArrayNode data = data(Plots.options().order(Plots.Order.REGISTRY).accuracy(r));
        Map<String, int[]> expected = counts("de", 7, 7, "en", 8, 10, "sw", 0, 7, "yo", 5, 12);
        for (JsonNode trace : data) {
            List<String> x = strings(trace.get("x"));
            for (int i = 0; i < x.size(); i++) {
                int[] c = expected.get(x.get(i));
                double p = (double) c[0] / c[1];
                double[] ci = wilson(c[0], c[1]);
                double low = c[0] == 0 ? 0 : ci[0];
                double high = c[0] == c[1] ? 1 : ci[1];
                assertEquals(p, trace.get("y").get(i).asDouble(), EPS, x.get(i));
                assertEquals(high - p, trace.at("/error_y/array").get(i).asDouble(), 1e-9, x.get(i) + " upper");
                assertEquals(p - low, trace.at("/error_y/arrayminus").get(i).asDouble(), 1e-9, x.get(i) + " lower");
                assertFalse(trace.at("/error_y/symmetric").asBoolean());
            }
        }
        // en: 8 of 10 has the interval [0.4902, 0.9433] (Wilson, z = 1.96).
        double[] en = wilson(8, 10);
        assertEquals(0.4901624, en[0], 1e-6);
        assertEquals(0.9433178, en[1], 1e-6);
    }

    @Test
    void accuracyTierMeansAreDashedReferenceLines() {
        ObjectNode layout = layout(Plots.accuracy(report()));
        ArrayNode shapes = (ArrayNode) layout.get("shapes");
        assertEquals(2, shapes.size());
        assertEquals((0.8 + 0.6) / 2, shapes.get(0).get("y0").asDouble(), EPS);
        assertEquals(shapes.get(0).get("y0"), shapes.get(0).get("y1"));
        assertEquals(Palette.BLUE, shapes.get(0).at("/line/color").asText());
        assertEquals("dash", shapes.get(0).at("/line/dash").asText());
        assertEquals((0.3 + 5 / 12.0) / 2, shapes.get(1).get("y0").asDouble(), EPS);
        assertEquals(Palette.VERMILLION, shapes.get(1).at("/line/color").asText());
        assertEquals("HIGH mean<br>70.0%", layout.at("/annotations/0/text").asText());
        assertEquals("LOW mean<br>35.8%", layout.at("/annotations/1/text").asText());
    }

    @Test
    void languageLabelsShowEnglishAndNativeNamesAndMarkTheLowTier() {
        ObjectNode axis = (ObjectNode) layout(Plots.options().order(Plots.Order.REGISTRY).accuracy(report())).get("xaxis");
        assertEquals(List.of("en", "fr", "sw", "yo"), strings(axis.get("tickvals")));
        List<String> text = strings(axis.get("ticktext"));
        assertEquals("English", text.get(0), "no native line when it is the English name");
        assertEquals("French<br>Français", text.get(1));
        assertEquals("<i><span style=\"color:" + Palette.VERMILLION + "\">Swahili<br>Kiswahili</span></i>", text.get(2));
        assertEquals("<i><span style=\"color:" + Palette.VERMILLION + "\">Yoruba<br>Yorùbá</span></i>", text.get(3));
        List<String> english = strings(layout(Plots.options().nativeNames(false).order(Plots.Order.REGISTRY)
                .accuracy(report())).at("/xaxis/ticktext"));
        assertEquals("French", english.get(1));
    }

    @Test
    void accuracyOfPerItemAndPerLanguageTablesEqualsTheReports() {
        List<ItemResult> results = items(counts("en", 8, 10, "fr", 6, 10, "sw", 3, 10, "yo", 5, 12));
        Table perItem = Table.create("per item", StringColumn.create("id", results.stream().map(ItemResult::id).toList()),
                StringColumn.create("language", results.stream().map(ItemResult::language).toList()),
                BooleanColumn.create("correct", results.stream().map(ItemResult::correct).toList()));
        ArrayNode expected = data(Plots.accuracy(report()));
        assertEquals(expected, data(Plots.accuracy(perItem)));
        assertEquals(expected, data(Plots.accuracy(report().languages())), "Report.languages() is a per-language table");
        // A per-language table of counts only: Wilson intervals computed from n and correct.
        Table counts = Table.create("counts", StringColumn.create("language", "en", "fr", "sw", "yo"),
                IntColumn.create("n", 10, 10, 10, 12), IntColumn.create("correct", 8, 6, 3, 5));
        ArrayNode fromCounts = data(Plots.accuracy(counts));
        for (int t = 0; t < 2; t++) {
            for (String key : List.of("array", "arrayminus")) {
                List<Double> a = doubles(expected.get(t).at("/error_y/" + key));
                List<Double> b = doubles(fromCounts.get(t).at("/error_y/" + key));
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(a.get(i), b.get(i), 1e-9);
                }
            }
        }
    }

    @Test
    void orderOptions() {
        Report r = report();
        assertEquals(List.of("sw", "yo", "fr", "en"), strings(layout(Plots.options().order(Plots.Order.ASCENDING)
                .accuracy(r)).at("/xaxis/categoryarray")));
        assertEquals(List.of("en", "fr", "sw", "yo"), strings(layout(Plots.options().order(Plots.Order.REGISTRY)
                .accuracy(r)).at("/xaxis/categoryarray")));
        // TIER: HIGH first; a LOW language more accurate than a HIGH one stays after it.
        Report mixed = Report.of(items(counts("en", 5, 10, "fr", 4, 10, "sw", 9, 10)), REGISTRY);
        assertEquals(List.of("en", "fr", "sw"), strings(layout(Plots.options().order(Plots.Order.TIER).accuracy(mixed))
                .at("/xaxis/categoryarray")));
        assertEquals(List.of("sw", "en", "fr"), strings(layout(Plots.accuracy(mixed)).at("/xaxis/categoryarray")));
    }

    @Test
    void optionsSetTitleSizeAndPaletteAndAreImmutable() {
        Plots.Options base = Plots.options();
        Plots.Options sized = base.size(900, 400);
        assertNotSame(base, sized);
        ObjectNode defaults = layout(base.accuracy(report()));
        assertNull(defaults.get("width"), "the default width is the cell's");
        assertTrue(defaults.get("autosize").asBoolean());
        assertEquals(480, defaults.get("height").asInt());
        ObjectNode layout = layout(sized.title("Zero-shot").accuracy(report()));
        assertEquals(900, layout.get("width").asInt());
        assertEquals(400, layout.get("height").asInt());
        assertTrue(layout.at("/title/text").asText().startsWith("Zero-shot<br><sup>"), layout.at("/title/text").asText());
        assertNull(layout(base.accuracy(report())).get("width"), "the base options did not change");
        Figure grey = Plots.options().palette(List.of("#111111", "#222222")).disparity(Map.of("m", report()));
        assertEquals("#111111", data(grey).get(0).at("/marker/color").asText());
        assertEquals("#222222", data(grey).get(1).at("/marker/color").asText());
        assertThrows(IllegalArgumentException.class, () -> Plots.options().size(20, 400));
        assertThrows(IllegalArgumentException.class, () -> Plots.options().palette(List.of()));
    }

    @Test
    void titlesAndLabelsAreEscapedOnceAndNeverBreakTheScript() {
        Figure f = Plots.options().title("Accuracy & calibration: \"it's\" </script>").accuracy(report());
        String title = layout(f).at("/title/text").asText();
        assertTrue(title.startsWith("Accuracy & calibration: \"it's\" &lt;/script&gt;<br>"), title);
        String js = f.asJavascript("div1");
        assertTrue(js.contains("Accuracy & calibration"), "the & is written as is, for plotly.js to show");
        assertFalse(js.contains("&amp;"), "never &amp;: plotly.js would show it as typed");
        assertFalse(js.contains("&amp;amp;"));
        assertEquals(1, js.split("</script>", -1).length - 1, "only the closing tag of the script element");
        assertTrue(js.contains("document.getElementById(\"div1\")"));
        // An entity typed on purpose stays what was typed.
        assertTrue(Text.plain("a &lt; b & c").equals("a &amp;lt; b & c"));
        // Model names are data, not markup.
        Figure heat = Plots.heatmap(Map.of("model <base> & co", report()));
        assertEquals(List.of("model &lt;base&gt; & co"), strings(data(heat).get(0).get("y")));
    }

    // --- heatmap -------------------------------------------------------------------------------

    static Map<String, Report> threeModels() {
        Map<String, Report> m = new LinkedHashMap<>();
        m.put("small", Report.of(items(counts("en", 5, 10, "fr", 4, 10, "sw", 1, 10, "yo", 2, 10)), REGISTRY));
        m.put("large", Report.of(items(counts("en", 9, 10, "fr", 8, 10, "sw", 6, 10, "yo", 5, 10)), REGISTRY));
        m.put("partial", Report.of(items(counts("en", 7, 10, "sw", 3, 10)), REGISTRY));
        return m;
    }

    @Test
    void heatmapCellsHoldTheAccuraciesAndAxesAreOrderedByMean() {
        Figure f = Plots.heatmap(threeModels());
        ArrayNode data = data(f);
        assertEquals(1, data.size());
        JsonNode heat = data.get(0);
        assertEquals("heatmap", heat.get("type").asText());
        // Models by mean over their languages: large 0.7, partial 0.5, small 0.3.
        assertEquals(List.of("large", "partial", "small"), strings(heat.get("y")));
        // Languages by mean over models: en (0.7), fr (0.6), sw (1/3), yo (0.35) -> en fr yo sw.
        assertEquals(List.of("en", "fr", "yo", "sw"), strings(heat.get("x")));
        assertEquals(List.of(0.9, 0.8, 0.5, 0.6), doubles(heat.get("z").get(0)));
        assertEquals(Arrays.asList(0.7, null, null, 0.3), doubles(heat.get("z").get(1)), "not evaluated: a gap");
        assertEquals(List.of(0.5, 0.4, 0.2, 0.1), doubles(heat.get("z").get(2)));
        assertEquals(List.of("90.0", "80.0", "50.0", "60.0"), strings(heat.get("text").get(0)));
        assertEquals(List.of("70.0", "–", "–", "30.0"), strings(heat.get("text").get(1)));
        assertEquals("%{text}", heat.get("texttemplate").asText(), "the values are written in the cells");
        assertEquals("Viridis", heat.get("colorscale").asText());
        ObjectNode layout = layout(f);
        assertEquals("reversed", layout.at("/yaxis/autorange").asText(), "the best model on top");
        assertTrue(strings(layout.at("/xaxis/ticktext")).get(3).startsWith("<i><span"), "sw is marked LOW");
        assertTrue(layout.at("/annotations/0/text").asText().contains("LOW-resource"), "the marking is explained");
    }

    @Test
    void heatmapOfALongTable() {
        Table t = Table.create("long", StringColumn.create("model", "a", "a", "b", "b"),
                StringColumn.create("language", "en", "sw", "en", "sw"), DoubleColumn.create("accuracy", 0.5, 0.25, 0.75,
                        0.5));
        JsonNode heat = data(Plots.heatmap(t)).get(0);
        assertEquals(List.of("b", "a"), strings(heat.get("y")));
        assertEquals(List.of("en", "sw"), strings(heat.get("x")));
        assertEquals(List.of(0.75, 0.5), doubles(heat.get("z").get(0)));
    }

    // --- before / after fine-tuning ------------------------------------------------------------

    /** Baseline en 6/10 fr 5/10 sw 2/10 yo 1/10; candidate en 7/10 fr 6/10 sw 6/10 yo 4/10. */
    static Comparison comparison() {
        return Comparison.of(items(counts("en", 6, 10, "fr", 5, 10, "sw", 2, 10, "yo", 1, 10)),
                items(counts("en", 7, 10, "fr", 6, 10, "sw", 6, 10, "yo", 4, 10)), REGISTRY);
    }

    @Test
    void finetuningDumbbellLabelsRelativeGainsAndStatesTheHeadline() {
        Figure f = Plots.finetuning(comparison());
        ArrayNode data = data(f);
        assertEquals(3, data.size(), "connectors, before, after");
        assertEquals("lines", data.get(0).get("mode").asText());
        assertEquals(Arrays.asList("en", "en", null, "fr", "fr", null, "sw", "sw", null, "yo", "yo", null),
                strings(data.get(0).get("x")));
        assertEquals(FinetuneFigure.BEFORE, data.get(1).get("name").asText());
        assertEquals(List.of(0.6, 0.5, 0.2, 0.1), doubles(data.get(1).get("y")));
        assertEquals(FinetuneFigure.AFTER, data.get(2).get("name").asText());
        assertEquals(List.of(0.7, 0.6, 0.6, 0.4), doubles(data.get(2).get("y")));
        // Relative gains: en 1/6, fr 1/5, sw 2, yo 3; none significant at n = 10.
        assertEquals(List.of("+17%", "+20%", "+200%", "+300%"), strings(data.get(2).get("text")));
        // Headline: mean relative gain (1/6 + 1/5 + 2 + 3) / 4; factor = mean LOW gain / mean HIGH gain.
        double average = (1 / 6.0 + 1 / 5.0 + 2 + 3) / 4;
        double factor = ((0.4 + 0.3) / 2) / ((0.1 + 0.1) / 2);
        String title = layout(f).at("/title/text").asText();
        assertTrue(title.contains(String.format(java.util.Locale.ROOT, "average relative improvement +%.1f%%",
                100 * average)), title);
        assertTrue(title.contains(String.format(java.util.Locale.ROOT, "low-resource improvement factor %.2f×", factor)),
                title);
        assertTrue(title.contains("3.50×"), title);
    }

    @Test
    void finetuningAsGroupedBarsAndFromARunFolder(@TempDir Path tmp) throws Exception {
        Figure bars = Plots.options().grouped(true).finetuning(comparison());
        ArrayNode data = data(bars);
        assertEquals(2, data.size());
        assertEquals(List.of("bar", "bar"), List.of(data.get(0).get("type").asText(), data.get(1).get("type").asText()));
        assertEquals("group", layout(bars).get("barmode").asText());
        assertEquals(List.of("+17%", "+20%", "+200%", "+300%"), strings(data.get(1).get("text")));

        Path run = PlotFixtures.trainingRun(tmp.resolve("qwen-sft"), 10,
                items(counts("en", 6, 10, "fr", 5, 10, "sw", 2, 10, "yo", 1, 10)),
                items(counts("en", 7, 10, "fr", 6, 10, "sw", 6, 10, "yo", 4, 10)));
        Figure fromRun = Plots.finetuning(run);
        assertEquals(data(Plots.finetuning(comparison())), data(fromRun));
        assertTrue(layout(fromRun).at("/title/text").asText().startsWith("Before and after fine-tuning — qwen-sft<br>"));
    }

    @Test
    void finetuningWithoutBothTiersSaysWhyTheFactorIsMissing() {
        Comparison high = Comparison.of(items(counts("en", 6, 10, "fr", 5, 10)), items(counts("en", 7, 10, "fr", 6, 10)),
                REGISTRY);
        String title = layout(Plots.finetuning(high)).at("/title/text").asText();
        assertTrue(title.contains("low-resource improvement factor n/a (needs HIGH- and LOW-tier languages)"), title);
    }

    // --- disparity, fertility, dataset ---------------------------------------------------------

    @Test
    void disparityShowsBestWorstAndTierGapsInPoints() {
        Figure f = Plots.disparity(threeModels());
        ArrayNode data = data(f);
        assertEquals(2, data.size());
        // By best-worst gap: large 0.9-0.5, partial 0.7-0.3, small 0.5-0.1 (all 0.4): ties keep the order given.
        List<String> models = strings(data.get(0).get("x"));
        assertEquals(3, models.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(40.0, data.get(0).get("y").get(i).asDouble(), 1e-9, models.get(i));
        }
        Map<String, Double> tierGap = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            tierGap.put(models.get(i), data.get(1).get("y").get(i).asDouble());
        }
        assertEquals(100 * ((0.9 + 0.8) / 2 - (0.6 + 0.5) / 2), tierGap.get("large"), 1e-9);
        assertEquals(100 * (0.7 - 0.3), tierGap.get("partial"), 1e-9);
        assertEquals(100 * ((0.5 + 0.4) / 2 - (0.1 + 0.2) / 2), tierGap.get("small"), 1e-9);
        assertEquals("30.0", data.get(1).get("text").get(models.indexOf("small")).asText());
    }

    @Test
    void fertilityPlacesEveryLanguageOfEveryModel() {
        Table fertility = Table.create("fertility", StringColumn.create("language", "en", "fr", "sw", "yo", "zh"),
                DoubleColumn.create("tokens_per_word", 1.3, 1.6, 2.4, 3.1, 1.9));
        Figure f = Plots.fertility(fertility, threeModels());
        ArrayNode data = data(f);
        assertEquals(3, data.size(), "one trace per model");
        JsonNode small = data.get(0);
        assertEquals(List.of("en", "fr", "sw", "yo"), strings(small.get("text")));
        assertEquals(List.of(1.3, 1.6, 2.4, 3.1), doubles(small.get("x")));
        assertEquals(List.of(0.5, 0.4, 0.1, 0.2), doubles(small.get("y")));
        assertEquals(List.of("circle", "circle", "diamond", "diamond"), strings(small.at("/marker/symbol")));
        double r = new org.apache.commons.math3.stat.correlation.PearsonsCorrelation()
                .correlation(new double[]{1.3, 1.6, 2.4, 3.1}, new double[]{0.5, 0.4, 0.1, 0.2});
        assertEquals(String.format(java.util.Locale.ROOT, "small (r = %.2f)", r), small.get("name").asText());
        assertEquals("partial", data.get(2).get("name").asText(), "two points: no correlation shown");
    }

    static Table itemsTable() {
        return Table.create("items", StringColumn.create("language", "en", "en", "en", "sw", "sw"),
                StringColumn.create("source", "MedQA", "MedQA", "PubMedQA", "MedQA", "BioNLI"),
                StringColumn.create("question", "one two", "three", "four five six", "saba", ""),
                StringColumn.create("premise", "", "", "", "", "premise text"));
    }

    @Test
    void compositionStacksItemsPerSource() {
        Figure f = Plots.composition(itemsTable());
        ArrayNode data = data(f);
        assertEquals(List.of("BioNLI", "MedQA", "PubMedQA"), List.of(data.get(0).get("name").asText(),
                data.get(1).get("name").asText(), data.get(2).get("name").asText()));
        assertEquals(List.of("en", "sw"), strings(data.get(1).get("x")));
        assertEquals(List.of(0.0, 1.0), doubles(data.get(0).get("y")));
        assertEquals(List.of(2.0, 1.0), doubles(data.get(1).get("y")));
        assertEquals(List.of(1.0, 0.0), doubles(data.get(2).get("y")));
        assertEquals("stack", layout(f).get("barmode").asText());
        assertEquals("3", layout(f).at("/annotations/0/text").asText(), "totals above the bars");
    }

    @Test
    void lengthsAreBoxesOfCharactersPerItem() {
        ArrayNode data = data(Plots.lengths(itemsTable()));
        assertEquals(2, data.size(), "one box trace per tier");
        JsonNode en = data.get(0);
        assertEquals(List.of("en"), strings(en.get("x")));
        // en lengths without spaces: 6, 5, 11 -> median 6, q1 5.5, q3 8.5 (linear interpolation), mean 22/3.
        assertEquals(6.0, en.get("median").get(0).asDouble(), EPS);
        assertEquals(5.5, en.get("q1").get(0).asDouble(), EPS);
        assertEquals(8.5, en.get("q3").get(0).asDouble(), EPS);
        assertEquals(22 / 3.0, en.get("mean").get(0).asDouble(), 1e-9);
        assertEquals(5.0, en.get("lowerfence").get(0).asDouble(), EPS);
        assertEquals(11.0, en.get("upperfence").get(0).asDouble(), EPS);
        JsonNode sw = data.get(1);
        assertEquals(List.of(4.0), doubles(sw.get("lowerfence")), "saba");
        assertEquals(List.of(11.0), doubles(sw.get("upperfence")), "premise text");
    }

    // --- bad input -----------------------------------------------------------------------------

    static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void aTableWithoutTheNeededColumnsIsAnErrorNamingThem() {
        Table t = Table.create("scores", StringColumn.create("lang", "en"), DoubleColumn.create("score", 0.5));
        String m = message(() -> Plots.accuracy(t));
        assertTrue(m.startsWith("Plots.accuracy: table 'scores'"), m);
        assertTrue(m.contains("missing id, language, correct") && m.contains("missing language, n, correct")
                && m.contains("it has the columns lang, score"), m);
        m = message(() -> Plots.heatmap(t));
        assertTrue(m.contains("lacks the columns model, language, accuracy") && m.contains("it has lang, score"), m);
        m = message(() -> Plots.fertility(t, threeModels()));
        assertTrue(m.contains("lacks the columns language, tokens_per_word"), m);
        m = message(() -> Plots.composition(t));
        assertTrue(m.contains("lacks the columns language, source"), m);
        m = message(() -> Plots.lengths(Table.create("x", StringColumn.create("language", "en"))));
        assertTrue(m.contains("has none of the text columns question, context, premise, hypothesis"), m);
        Table notBoolean = Table.create("t", StringColumn.create("id", "a"), StringColumn.create("language", "en"),
                StringColumn.create("correct", "yes"));
        m = message(() -> Plots.accuracy(notBoolean));
        assertTrue(m.contains("'correct' is string, not boolean"), m);
    }

    @Test
    void anEmptyTableIsAnError() {
        Table perItem = Table.create("nothing", StringColumn.create("id"), StringColumn.create("language"),
                BooleanColumn.create("correct"));
        assertTrue(message(() -> Plots.accuracy(perItem)).contains("table 'nothing' is empty"));
        Table perLanguage = Table.create("nothing", StringColumn.create("language"), IntColumn.create("n"),
                IntColumn.create("correct"));
        assertTrue(message(() -> Plots.accuracy(perLanguage)).contains("table 'nothing' is empty"));
        Table heat = Table.create("nothing", StringColumn.create("model"), StringColumn.create("language"),
                DoubleColumn.create("accuracy"));
        assertTrue(message(() -> Plots.heatmap(heat)).contains("table 'nothing' is empty"));
        Table items = Table.create("nothing", StringColumn.create("language"), StringColumn.create("source"));
        assertTrue(message(() -> Plots.composition(items)).contains("is empty"));
        assertTrue(message(() -> Plots.heatmap(Map.of())).contains("no runs given"));
    }

    @Test
    void aLanguageCodeNotInTheRegistryIsAnErrorNamingIt() {
        Table t = Table.create("counts", StringColumn.create("language", "en", "xx"), IntColumn.create("n", 10, 10),
                IntColumn.create("correct", 5, 5));
        String m = message(() -> Plots.accuracy(t));
        assertTrue(m.contains("unknown language code 'xx'") && m.contains("row 1"), m);
        Table heat = Table.create("long", StringColumn.create("model", "a", "a"), StringColumn.create("language", "en",
                "klingon"), DoubleColumn.create("accuracy", 0.5, 0.5));
        assertTrue(message(() -> Plots.heatmap(heat)).contains("unknown language code 'klingon'"));
        Table items = Table.create("items", StringColumn.create("language", "qq"), StringColumn.create("source", "MedQA"));
        assertTrue(message(() -> Plots.composition(items)).contains("unknown language code 'qq'"));
    }

    @Test
    void aSingleLanguageWhereAComparisonNeedsTwoIsAnError() {
        Report one = Report.of(items(counts("sw", 3, 10)), REGISTRY);
        String m = message(() -> Plots.accuracy(one));
        assertTrue(m.contains("needs at least two") && m.contains("only 'sw'"), m);
        assertTrue(message(() -> Plots.heatmap(Map.of("a", one, "b", one))).contains("only 'sw'"));
        assertTrue(message(() -> Plots.disparity(Map.of("a", one))).contains("only 'sw'"));
        Table fertility = Table.create("f", StringColumn.create("language", "sw"), DoubleColumn.create("tokens_per_word",
                2.0));
        assertTrue(message(() -> Plots.fertility(fertility, Map.of("a", one))).contains("only 'sw'"));
        Comparison c = Comparison.of(items(counts("sw", 3, 10)), items(counts("sw", 5, 10)), REGISTRY);
        assertTrue(message(() -> Plots.finetuning(c)).contains("only 'sw'"));
    }

    @Test
    void fertilityMissingALanguageOfTheResultsIsAnError() {
        Table fertility = Table.create("f", StringColumn.create("language", "en", "fr"),
                DoubleColumn.create("tokens_per_word", 1.2, 1.4));
        String m = message(() -> Plots.fertility(fertility, threeModels()));
        assertTrue(m.contains("lacks tokens_per_word for languages sw, yo"), m);
    }
}
