package org.globmed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.globmed.data.Languages;
import org.globmed.data.Task;
import org.globmed.data.Tier;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class ReportTest {
    static final double EPS = 1e-9;
    static final Languages REGISTRY = Languages.defaults(); // en fr HIGH; sw yo LOW

    /** An MCQ result; tier null: the registry's. */
    static ItemResult result(String id, String language, String source, boolean correct, boolean invalid,
                             String error) {
        return new ItemResult(id, language, null, source, Task.MCQ, ItemResult.GENERATE, "A",
                correct ? "A" : invalid || error != null ? null : "B", correct, null, null, List.of(), List.of(),
                Double.NaN, invalid, null, null, "prompt", "output", 1.0, error);
    }

    /** {@code n} items of {@code language}, the first {@code right} of them correct. */
    static List<ItemResult> language(String language, int right, int n) {
        List<ItemResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(result("MedQA/" + language + "/" + i, language, "MedQA", i < right, false, null));
        }
        return out;
    }

    @SafeVarargs
    static List<ItemResult> concat(List<ItemResult>... parts) {
        List<ItemResult> out = new ArrayList<>();
        for (List<ItemResult> p : parts) {
            out.addAll(p);
        }
        return out;
    }

    @Test
    void perLanguageRowsCarryAccuracyWilsonIntervalAndStandardError() {
        // Expected values from the Wilson formula with z = 1.959964 (python3).
        Table t = Report.of(concat(language("sw", 0, 5), language("en", 7, 10), language("yo", 5, 5)), REGISTRY)
                .languages();
        assertEquals(List.of("language", "english", "tier", "n", "correct", "accuracy", "ci_low", "ci_high", "stderr",
                "invalid", "failed"), t.columnNames());
        assertEquals(List.of("en", "sw", "yo"), t.stringColumn("language").asList(), "registry order");
        assertEquals(List.of("English", "Swahili", "Yoruba"), t.stringColumn("english").asList());
        assertEquals(List.of("HIGH", "LOW", "LOW"), t.stringColumn("tier").asList());
        assertEquals(List.of(10, 5, 5), t.intColumn("n").asList());
        assertEquals(List.of(7, 0, 5), t.intColumn("correct").asList());
        assertEquals(0.7, t.doubleColumn("accuracy").get(0), EPS);
        assertEquals(0.39677814746114537, t.doubleColumn("ci_low").get(0), 1e-6);
        assertEquals(0.892208732593699, t.doubleColumn("ci_high").get(0), 1e-6);
        assertEquals(Math.sqrt(0.21 / 10), t.doubleColumn("stderr").get(0), EPS);
        assertEquals(0.14491376746189438, t.doubleColumn("stderr").get(0), EPS);
        // 0 of 5 and 5 of 5: the interval stays inside [0, 1] and is not degenerate; stderr is 0.
        assertEquals(0.0, t.doubleColumn("ci_low").get(1), 0.0);
        assertEquals(0.43448246478317465, t.doubleColumn("ci_high").get(1), 1e-6);
        assertEquals(0.5655175352168254, t.doubleColumn("ci_low").get(2), 1e-6);
        assertEquals(1.0, t.doubleColumn("ci_high").get(2), 0.0);
        assertEquals(0.0, t.doubleColumn("stderr").get(1), 0.0);
        assertEquals("0.7000", t.doubleColumn("accuracy").getString(0), "four decimals on display");
    }

    @Test
    void failedAndInvalidItemsAreInNCountAsWrongAndAreCountedApart() {
        List<ItemResult> results = concat(language("en", 2, 2), List.of(
                result("en/invalid", "en", "MedQA", false, true, null),
                result("en/failed", "en", "MedQA", false, false, "timeout after 30 s"),
                // inconsistent input: an erred item marked correct still counts as wrong
                result("en/failed-but-correct", "en", "MedQA", true, false, "HTTP 500")));
        Table t = Report.of(results, REGISTRY).languages();
        assertEquals(5, t.intColumn("n").get(0));
        assertEquals(2, t.intColumn("correct").get(0));
        assertEquals(0.4, t.doubleColumn("accuracy").get(0), EPS);
        assertEquals(1, t.intColumn("invalid").get(0));
        assertEquals(2, t.intColumn("failed").get(0));
    }

    @Test
    void microPoolsItemsWhileMacroWeighsLanguagesEqually() {
        Report.Summary s = Report.of(concat(language("en", 9, 10), language("sw", 1, 2)), REGISTRY).summary();
        assertEquals(12, s.items());
        assertEquals(10, s.correct());
        assertEquals(2, s.languages());
        assertEquals(10.0 / 12, s.microAccuracy(), EPS);
        assertEquals(0.7, s.macroAccuracy(), EPS);
    }

    @Test
    void tierMeansAndEveryDisparityMeasure() {
        // en 0.8, fr 0.6 (HIGH); sw 0.3, yo 0.5 (LOW).
        Report.Summary s = Report.of(concat(language("en", 8, 10), language("fr", 6, 10), language("sw", 3, 10),
                language("yo", 5, 10)), REGISTRY).summary();
        assertEquals(0.55, s.macroAccuracy(), EPS);
        assertEquals(0.55, s.microAccuracy(), EPS);
        assertEquals(0.7, s.highTierMean(), EPS);
        assertEquals(0.4, s.lowTierMean(), EPS);
        assertEquals(0.3, s.highLowGap(), EPS);
        assertEquals(0.4 / 0.7, s.lowHighRatio(), EPS);
        assertEquals(List.of("en"), s.best());
        assertEquals(0.8, s.bestAccuracy(), EPS);
        assertEquals(List.of("sw"), s.worst());
        assertEquals(0.3, s.worstAccuracy(), EPS);
        assertEquals(0.5, s.bestWorstGap(), EPS);
        // deviations ±0.25, ±0.05: population variance 0.13 / 4, SD 0.180278, over the mean 0.55
        assertEquals(0.3277773886785445, s.coefficientOfVariation(), EPS);
    }

    @Test
    void tiedLanguagesAreAllNamed() {
        Report.Summary s = Report.of(concat(language("en", 1, 2), language("fr", 2, 4), language("sw", 1, 4),
                language("yo", 1, 4)), REGISTRY).summary();
        assertEquals(List.of("en", "fr"), s.best());
        assertEquals(List.of("sw", "yo"), s.worst());
    }

    @Test
    void oneTierOnlyGivesNaNTierFiguresWithTheReasonInTheSummaryTable() {
        Report report = Report.of(concat(language("en", 1, 2), language("fr", 2, 2)), REGISTRY);
        Report.Summary s = report.summary();
        assertEquals(0.75, s.highTierMean(), EPS);
        assertTrue(Double.isNaN(s.lowTierMean()));
        assertTrue(Double.isNaN(s.highLowGap()));
        assertTrue(Double.isNaN(s.lowHighRatio()));
        Table t = report.summaryTable();
        assertEquals(List.of("measure", "value", "note"), t.columnNames());
        assertEquals(List.of("items", "correct", "languages", "micro_accuracy", "macro_accuracy", "high_tier_mean",
                "low_tier_mean", "high_low_gap", "low_high_ratio", "best_accuracy", "worst_accuracy", "best_worst_gap",
                "cv"), t.stringColumn("measure").asList());
        assertEquals("no LOW-tier language", note(t, "low_tier_mean"));
        assertEquals("needs both tiers; languages here are all HIGH", note(t, "low_high_ratio"));
        assertEquals("mean over en, fr", note(t, "high_tier_mean"));
        assertEquals(4.0, value(t, "items"), 0.0);
        assertEquals("Report: 4 items in 2 languages; micro 0.7500, macro 0.7500; HIGH 0.7500; worst en 0.5000",
                report.toString());
    }

    @Test
    void summaryTableValuesMatchTheRecord() {
        Report report = Report.of(concat(language("en", 8, 10), language("sw", 0, 10)), REGISTRY);
        Table t = report.summaryTable();
        assertEquals(0.4, value(t, "macro_accuracy"), EPS);
        assertEquals(0.8, value(t, "best_worst_gap"), EPS);
        assertEquals("en - sw", note(t, "best_worst_gap"));
        assertEquals("sw", note(t, "worst_accuracy"));
        assertEquals(0.0, value(t, "low_high_ratio"), EPS);
        assertEquals(1.0, value(t, "cv"), EPS); // accuracies 0.8 and 0: SD 0.4, mean 0.4
    }

    @Test
    void zeroAccuracyEverywhereLeavesRatioAndCvUndefined() {
        Report.Summary s = Report.of(concat(language("en", 0, 3), language("sw", 0, 3)), REGISTRY).summary();
        assertTrue(Double.isNaN(s.lowHighRatio()));
        assertTrue(Double.isNaN(s.coefficientOfVariation()));
        assertEquals(0.0, s.bestWorstGap(), 0.0);
    }

    @Test
    void breakdownByLanguageAndSource() {
        List<ItemResult> results = concat(language("en", 3, 4), List.of(
                result("PubMedQA/en/0", "en", "PubMedQA", true, false, null),
                result("PubMedQA/en/1", "en", "PubMedQA", false, false, null),
                result("PubMedQA/sw/0", "sw", "PubMedQA", false, false, null),
                result("x/sw/1", "sw", null, true, false, null)));
        Table t = Report.of(results, REGISTRY).bySource();
        assertEquals(List.of("language", "tier", "source", "n", "correct", "accuracy"), t.columnNames());
        assertEquals(List.of("en", "en", "sw", "sw"), t.stringColumn("language").asList());
        assertEquals(List.of("MedQA", "PubMedQA", "(none)", "PubMedQA"), t.stringColumn("source").asList());
        assertEquals(List.of(4, 2, 1, 1), t.intColumn("n").asList());
        assertEquals(List.of(0.75, 0.5, 1.0, 0.0), t.doubleColumn("accuracy").asList());
    }

    @Test
    void theRecordedTierWinsOverTheRegistrysAndMustBeConsistent() {
        ItemResult lowEnglish = new ItemResult("a", "en", "LOW", "MedQA", Task.MCQ, ItemResult.GENERATE, "A", "A",
                true, null, null, List.of(), List.of(), Double.NaN, false, null, null, "p", "o", 1, null);
        Report.Summary s = Report.of(List.of(lowEnglish), REGISTRY).summary();
        assertEquals(1.0, s.lowTierMean(), 0.0);
        assertTrue(Double.isNaN(s.highTierMean()));
        // Without a recorded tier, a regrouping registry decides.
        assertEquals("LOW", Report.of(language("en", 1, 1), REGISTRY.withTier("en", Tier.LOW)).languages()
                .stringColumn("tier").get(0));

        ItemResult highEnglish = new ItemResult("b", "en", "HIGH", "MedQA", Task.MCQ, ItemResult.GENERATE, "A", "A",
                true, null, null, List.of(), List.of(), Double.NaN, false, null, null, "p", "o", 1, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Report.of(List.of(lowEnglish, highEnglish), REGISTRY));
        assertEquals("results: two tiers for language 'en': LOW and HIGH (item b)", e.getMessage());
    }

    @Test
    void aTableWithTheRequiredColumnsGivesTheSameReport() {
        Table t = Table.create("results",
                StringColumn.create("id", "1", "2", "3", "4", "5"),
                StringColumn.create("language", "EN", "en", "sw", "sw", "sw"),
                BooleanColumn.create("correct", true, false, true, true, false),
                StringColumn.create("error", "", "", "", "", "timeout"),
                BooleanColumn.create("invalid", false, true, false, false, false));
        Table lang = Report.of(t, REGISTRY).languages();
        assertEquals(List.of("en", "sw"), lang.stringColumn("language").asList(), "codes normalised");
        assertEquals(List.of(1, 2), lang.intColumn("correct").asList());
        assertEquals(List.of(1, 0), lang.intColumn("invalid").asList());
        assertEquals(List.of(0, 1), lang.intColumn("failed").asList());
        assertEquals(List.of("HIGH", "LOW"), lang.stringColumn("tier").asList(), "tiers from the registry");

        Table minimal = Table.create("m", StringColumn.create("id", "1"), StringColumn.create("language", "sw"),
                BooleanColumn.create("correct", true));
        assertEquals("(none)", Report.of(minimal, REGISTRY).bySource().stringColumn("source").get(0));
    }

    @Test
    void aTableMissingColumnsNamesThem() {
        Table t = Table.create("preds", StringColumn.create("id", "1"), StringColumn.create("prediction", "A"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.of(t, REGISTRY));
        assertEquals("results: table 'preds' lacks the columns language, correct (needs id, language, correct;"
                + " optional tier, source, invalid, error or failed); it has id, prediction", e.getMessage());

        Table ints = Table.create("r", StringColumn.create("id", "1"), StringColumn.create("language", "en"),
                IntColumn.create("correct", 1));
        e = assertThrows(IllegalArgumentException.class, () -> Report.of(ints, REGISTRY));
        assertEquals("results: column 'correct' must be boolean, found integer", e.getMessage());
    }

    @Test
    void badResultsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Report.of(List.<ItemResult>of(), REGISTRY));
        assertEquals("results: no results", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Report.of(concat(language("en", 1, 2),
                language("en", 1, 1)), REGISTRY));
        assertEquals("results: item MedQA/en/0 appears twice", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Report.of(language("xx", 1, 1), REGISTRY));
        assertTrue(e.getMessage().startsWith("results: item MedQA/xx/0: unknown language code 'xx'"),
                e.getMessage());
    }

    @Test
    void rendersAsHeadlineTableAndSummary() {
        Report report = Report.of(concat(language("en", 8, 10), language("sw", 3, 10)), REGISTRY);
        assertEquals("Report: 20 items in 2 languages; micro 0.5500, macro 0.5500; HIGH 0.8000; LOW 0.3000;"
                + " worst sw 0.3000", report.toString());
        Map<String, Object> bundle = report.mimeBundle();
        String html = (String) bundle.get("text/html");
        assertTrue(html.startsWith("<p><b>Report: 20 items"), html);
        assertTrue(html.contains("<th>ci_low<br><small>double</small></th>"), html);
        assertTrue(html.contains("<td dir=\"auto\">low_high_ratio</td><td dir=\"auto\">0.375</td>"), html);
        String text = (String) bundle.get("text/plain");
        assertTrue(text.startsWith(report.toString() + "\n"), text);
        assertTrue(text.contains("Swahili"), text);
    }

    private static double value(Table t, String measure) {
        return t.doubleColumn("value").getDouble(t.stringColumn("measure").indexOf(measure));
    }

    private static String note(Table t, String measure) {
        return t.stringColumn("note").get(t.stringColumn("measure").indexOf(measure));
    }
}
