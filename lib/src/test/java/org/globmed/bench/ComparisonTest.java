package org.globmed.bench;

import static org.globmed.bench.ReportTest.REGISTRY;
import static org.globmed.bench.ReportTest.concat;
import static org.globmed.bench.ReportTest.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class ComparisonTest {
    static final double EPS = 1e-9;

    /** {@code n} items of {@code language}; those whose index is in {@code right} are correct. */
    static List<ItemResult> run(String language, int n, Set<Integer> right) {
        List<ItemResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(result("MedQA/" + language + "/" + i, language, "MedQA", right.contains(i), false, null));
        }
        return out;
    }

    static Set<Integer> range(int from, int to) {
        Set<Integer> s = new java.util.HashSet<>();
        for (int i = from; i < to; i++) {
            s.add(i);
        }
        return s;
    }

    // en (HIGH), 10 items: baseline right on 0-5, candidate on 1-8: b = 1 (item 0), c = 3 (6, 7, 8).
    // sw (LOW), 12 items: baseline right on 0-1, candidate on all: b = 0, c = 10.
    static final List<ItemResult> BASE = concat(run("en", 10, range(0, 6)), run("sw", 12, range(0, 2)));
    static final List<ItemResult> CAND = concat(run("en", 10, range(1, 9)), run("sw", 12, range(0, 12)));

    @Test
    void mcnemarExactTwoSided() {
        assertEquals(0.021484375, Significance.mcnemarExact(1, 9), 1e-15); // 2 * 11 / 1024
        assertEquals(0.021484375, Significance.mcnemarExact(9, 1), 1e-15);
        assertEquals(1.0, Significance.mcnemarExact(0, 0), 0.0);
        assertEquals(1.0, Significance.mcnemarExact(1, 1), 0.0); // commons-math's BinomialTest says 1.5
        assertEquals(1.0, Significance.mcnemarExact(2, 3), 0.0); // 2 * 16 / 32, capped
        assertEquals(0.625, Significance.mcnemarExact(1, 3), 1e-15);
        assertEquals(1.1102230246251565e-16, Significance.mcnemarExact(0, 54), 1e-28); // 2 / 2^54
        // 2 * (1 + 297) / 2^297, exact by python fractions; BinomialTest is off by a factor of 2 here
        assertEquals(2.340655764253956e-87, Significance.mcnemarExact(1, 296), 2.340655764253956e-87 * 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Significance.mcnemarExact(-1, 2));
    }

    @Test
    void holmStepDownIsMonotoneAndCapped() {
        // sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max 0.06
        assertArrayEquals(new double[]{0.03, 0.06, 0.06, 0.02},
                Significance.holm(new double[]{0.01, 0.04, 0.03, 0.005}), 1e-15);
        assertArrayEquals(new double[]{1, 1}, Significance.holm(new double[]{0.5, 0.6}), 0.0);
        assertArrayEquals(new double[]{0.04, 0.04}, Significance.holm(new double[]{0.02, 0.02}), 1e-15);
        assertArrayEquals(new double[]{0.3}, Significance.holm(new double[]{0.3}), 0.0);
        assertArrayEquals(new double[0], Significance.holm(new double[0]), 0.0);
        assertThrows(IllegalArgumentException.class, () -> Significance.holm(new double[]{Double.NaN}));
    }

    @Test
    void perLanguageGainsDiscordantPairsAndTests() {
        Table t = Comparison.of(BASE, CAND, REGISTRY).languages();
        assertEquals(List.of("language", "english", "tier", "n_paired", "acc_baseline", "acc_candidate", "abs_gain",
                "rel_gain", "b", "c", "p_value", "p_holm", "significant", "only_baseline", "only_candidate"),
                t.columnNames());
        assertEquals(List.of("en", "sw"), t.stringColumn("language").asList());
        assertEquals(List.of(10, 12), t.intColumn("n_paired").asList());
        assertEquals(0.6, t.doubleColumn("acc_baseline").get(0), EPS);
        assertEquals(0.8, t.doubleColumn("acc_candidate").get(0), EPS);
        assertEquals(0.2, t.doubleColumn("abs_gain").get(0), EPS);
        assertEquals(1.0 / 3, t.doubleColumn("rel_gain").get(0), EPS);
        assertEquals(5.0 / 6, t.doubleColumn("abs_gain").get(1), EPS);
        assertEquals(5.0, t.doubleColumn("rel_gain").get(1), EPS);
        assertEquals(List.of(1, 0), t.intColumn("b").asList());
        assertEquals(List.of(3, 10), t.intColumn("c").asList());
        assertEquals(0.625, t.doubleColumn("p_value").get(0), 1e-15); // 2 * 5 / 16
        assertEquals(0.001953125, t.doubleColumn("p_value").get(1), 1e-15); // 2 / 1024
        assertEquals(0.625, t.doubleColumn("p_holm").get(0), 1e-15);
        assertEquals(0.00390625, t.doubleColumn("p_holm").get(1), 1e-15);
        assertEquals(List.of(false, true), t.booleanColumn("significant").asList());
        assertEquals(List.of(0, 0), t.intColumn("only_baseline").asList());
    }

    @Test
    void headlineFigures() {
        Comparison.Headline h = Comparison.of(BASE, CAND, REGISTRY).headline();
        assertEquals((1.0 / 3 + 5) / 2, h.averageRelativeImprovement(), EPS);
        assertEquals(5.0 / 6, h.lowMeanGain(), EPS);
        assertEquals(0.2, h.highMeanGain(), EPS);
        assertEquals((5.0 / 6) / 0.2, h.lowResourceFactor(), EPS);
        assertEquals(8.0 / 22, h.baselineMicro(), EPS);
        assertEquals(20.0 / 22, h.candidateMicro(), EPS);
        assertEquals((0.6 + 2.0 / 12) / 2, h.baselineMacro(), EPS);
        assertEquals(0.9, h.candidateMacro(), EPS);
        assertEquals("", h.note());
    }

    @Test
    void unmatchedItemsAreCountedListedAndLeftOutOfTheAccuracies() {
        List<ItemResult> base = concat(BASE, List.of(result("extra/en/b", "en", "MedQA", false, false, null)));
        List<ItemResult> cand = concat(List.of(result("extra/sw/c1", "sw", "MedQA", true, false, null),
                result("extra/sw/c2", "sw", "MedQA", true, false, null)), CAND);
        Comparison cmp = Comparison.of(base, cand, REGISTRY);
        assertEquals(List.of("extra/en/b"), cmp.onlyInBaseline());
        assertEquals(List.of("extra/sw/c1", "extra/sw/c2"), cmp.onlyInCandidate());
        Table t = cmp.languages();
        assertEquals(List.of(1, 0), t.intColumn("only_baseline").asList());
        assertEquals(List.of(0, 2), t.intColumn("only_candidate").asList());
        assertEquals(List.of(10, 12), t.intColumn("n_paired").asList());
        assertEquals(0.6, t.doubleColumn("acc_baseline").get(0), EPS);
        assertEquals(22, cmp.baseline().summary().items());
        Table s = cmp.summary();
        assertEquals(1.0, value(s, "only_in_baseline"), 0.0);
        assertEquals(2.0, value(s, "only_in_candidate"), 0.0);
        assertTrue(cmp.toString().contains("(1 only in baseline, 2 only in candidate)"), cmp.toString());
    }

    @Test
    void aLanguageInOneRunOnlyIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Comparison.of(concat(BASE, run("yo", 3, Set.of())), CAND, REGISTRY));
        assertEquals("language 'yo' is only in the baseline run (3 items): compare runs over the same languages"
                + " (select them from the other run first)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Comparison.of(run("en", 2, Set.of()),
                run("fr", 2, Set.of()), REGISTRY));
        assertTrue(e.getMessage().startsWith("language 'en' is only in the baseline run (2 items); language 'fr'"
                + " is only in the candidate run (2 items)"), e.getMessage());
    }

    @Test
    void languagesWhoseItemsNeverPairOrIdsThatChangeLanguageAreErrors() {
        List<ItemResult> renamed = new ArrayList<>();
        for (ItemResult r : run("sw", 12, Set.of())) {
            renamed.add(result(r.id() + "-v2", "sw", "MedQA", false, false, null));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Comparison.of(BASE, concat(run("en", 10, Set.of()), renamed), REGISTRY));
        assertEquals("no item id of language 'sw' (12 baseline, 12 candidate items) is in both runs: were both runs"
                + " made on the same items?", e.getMessage());

        List<ItemResult> moved = concat(run("en", 10, Set.of()), run("sw", 12, Set.of()),
                List.of(result("shared", "sw", "MedQA", true, false, null)));
        e = assertThrows(IllegalArgumentException.class, () -> Comparison.of(
                concat(BASE, List.of(result("shared", "en", "MedQA", true, false, null))), moved, REGISTRY));
        assertEquals("item shared is in language 'en' in the baseline run and 'sw' in the candidate run",
                e.getMessage());
    }

    @Test
    void headlineNeedsBothTiersButTheTablesDoNot() {
        Comparison cmp = Comparison.of(run("en", 10, range(0, 5)), run("en", 10, range(0, 7)), REGISTRY);
        IllegalStateException e = assertThrows(IllegalStateException.class, cmp::headline);
        assertEquals("the headline figures compare the tiers: it needs at least one HIGH-tier and one LOW-tier"
                + " language, and every language here is HIGH (en); the per-language table, baseline() and candidate()"
                + " still apply", e.getMessage());
        assertEquals(0.2, cmp.languages().doubleColumn("abs_gain").get(0), EPS);
        Table s = cmp.summary();
        assertTrue(Double.isNaN(value(s, "low_resource_factor")));
        assertTrue(note(s, "low_resource_factor").contains("every language here is HIGH (en)"));
        assertEquals(0.4, value(s, "average_relative_improvement"), EPS);
        assertEquals(0.7, value(s, "candidate_macro"), EPS);
        assertTrue(cmp.toString().contains("average relative improvement +40.0%; low-resource factor undefined;"),
                cmp.toString());
    }

    @Test
    void noHighTierGainLeavesTheFactorUndefinedWithTheReason() {
        List<ItemResult> base = concat(run("en", 10, range(0, 8)), run("sw", 10, range(0, 2)));
        List<ItemResult> cand = concat(run("en", 10, range(0, 7)), run("sw", 10, range(0, 6)));
        Comparison.Headline h = Comparison.of(base, cand, REGISTRY).headline();
        assertEquals(-0.1, h.highMeanGain(), EPS);
        assertEquals(0.4, h.lowMeanGain(), EPS);
        assertTrue(Double.isNaN(h.lowResourceFactor()));
        assertTrue(h.note().startsWith("low-resource factor undefined: the HIGH-tier mean gain is -0.1000"), h.note());
        assertEquals((-0.125 + 2.0) / 2, h.averageRelativeImprovement(), EPS);
    }

    @Test
    void aZeroBaselineMakesItsRelativeGainAndTheAverageUndefined() {
        List<ItemResult> base = concat(run("en", 4, range(0, 2)), run("sw", 4, Set.of()));
        List<ItemResult> cand = concat(run("en", 4, range(0, 3)), run("sw", 4, range(0, 1)));
        Comparison cmp = Comparison.of(base, cand, REGISTRY);
        assertTrue(Double.isNaN(cmp.languages().doubleColumn("rel_gain").getDouble(1)));
        Comparison.Headline h = cmp.headline();
        assertTrue(Double.isNaN(h.averageRelativeImprovement()));
        assertEquals("average relative improvement undefined: baseline accuracy 0 in sw", h.note());
        assertEquals(0.25 / 0.25, h.lowResourceFactor(), EPS);
    }

    @Test
    void tablesCompareLikeLists() {
        Table base = Table.create("base", StringColumn.create("id", "a", "b", "c", "d"),
                StringColumn.create("language", "en", "en", "sw", "sw"),
                BooleanColumn.create("correct", true, false, false, false));
        Table cand = Table.create("cand", StringColumn.create("id", "d", "c", "b", "a"),
                StringColumn.create("language", "sw", "sw", "en", "en"),
                BooleanColumn.create("correct", true, true, true, true));
        Comparison.Headline h = Comparison.of(base, cand, REGISTRY).headline();
        assertEquals(0.5, h.highMeanGain(), EPS);
        assertEquals(1.0, h.lowMeanGain(), EPS);
        assertEquals(2.0, h.lowResourceFactor(), EPS);

        Table noCorrect = base.copy().removeColumns("correct");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Comparison.of(base, noCorrect, REGISTRY));
        assertTrue(e.getMessage().startsWith("candidate run: table 'base' lacks the column correct"), e.getMessage());
    }

    @Test
    void differentTiersForOneLanguageAcrossRunsIsAnError() {
        Table base = Table.create("base", StringColumn.create("id", "a"), StringColumn.create("language", "en"),
                StringColumn.create("tier", "HIGH"), BooleanColumn.create("correct", true));
        Table cand = Table.create("cand", StringColumn.create("id", "a"), StringColumn.create("language", "en"),
                StringColumn.create("tier", "LOW"), BooleanColumn.create("correct", true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Comparison.of(base, cand, REGISTRY));
        assertEquals("language 'en' is HIGH in the baseline run and LOW in the candidate run", e.getMessage());
    }

    @Test
    void rendersAsHeadlineTableAndFigures() {
        Comparison cmp = Comparison.of(BASE, CAND, REGISTRY);
        assertEquals("Comparison: 22 paired items in 2 languages (0 only in baseline, 0 only in candidate);"
                + " macro 0.3833 -> 0.9000; average relative improvement +266.7%; low-resource factor 4.17x;"
                + " 1 of 2 languages significant after Holm", cmp.toString());
        String html = (String) cmp.mimeBundle().get("text/html");
        assertTrue(html.contains("<th>p_holm<br><small>double</small></th>"), html);
        assertTrue(html.contains("low_resource_factor"), html);
        Table s = cmp.summary();
        assertEquals("Holm-adjusted McNemar p <= 0.05: sw", note(s, "significant_languages"));
        assertFalse(note(s, "low_resource_factor").isEmpty());
    }

    private static double value(Table t, String measure) {
        return t.doubleColumn("value").getDouble(t.stringColumn("measure").indexOf(measure));
    }

    private static String note(Table t, String measure) {
        return t.stringColumn("note").get(t.stringColumn("measure").indexOf(measure));
    }
}
