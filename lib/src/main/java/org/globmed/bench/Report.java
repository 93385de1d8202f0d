package org.globmed.bench;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.commons.math3.stat.interval.ConfidenceInterval;
import org.apache.commons.math3.stat.interval.WilsonScoreInterval;
import org.globmed.bench.Outcomes.Outcome;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Tier;
import org.globmed.display.TableHtml;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * Accuracy per language with its uncertainty, the averages over languages and the disparity
 * between them. Renders in the kernel as the per-language table and the summary.
 *
 * <pre>{@code
 * Report report = Report.of(results, Languages.defaults());
 * report.languages();           // one row per language: n, accuracy, Wilson interval, ...
 * report.summary().worst();     // the languages with the lowest accuracy
 * report.summaryTable();        // every summary measure as (measure, value, note)
 * }</pre>
 *
 * <p>Definitions. Every item counts in n, its language's item count: an invalid answer (no label
 * could be extracted) and a failed item (the backend erred) count as wrong, and are also counted
 * in the columns {@code invalid} and {@code failed} so that a low accuracy caused by failures is
 * visible. Accuracy is correct / n; the 95% interval is Wilson's score interval; the standard
 * error is {@code sqrt(p (1 - p) / n)} (lm-evaluation-harness's {@code acc_stderr} divides by
 * n - 1 instead). Languages appear in the registry's order (by code). A language's tier is the
 * one recorded with its results, else the registry's: to regroup languages, pass results without
 * a tier (drop the table's {@code tier} column) and a registry with the tiers you want.
 *
 * <p>An undefined value is NaN, which Tablesaw stores as a missing value: in a table, read it
 * with {@code getDouble} (NaN), since {@code get} returns null.
 */
public final class Report {
    static final double CONFIDENCE = 0.95;

    /** One language's counts. */
    record LanguageStats(Language language, Tier tier, int n, int correct, int invalid, int failed) {
        double accuracy() {
            return (double) correct / n;
        }
    }

    /**
     * The averages and disparity measures over languages. Means over languages weight every
     * language equally, whatever its item count. NaN where a measure is undefined: a tier mean
     * when the tier has no language, the ratio when the HIGH-tier mean is 0, the coefficient of
     * variation when the macro average is 0.
     *
     * @param items                  items, all languages
     * @param correct                correct items, all languages
     * @param languages              number of languages
     * @param microAccuracy          correct / items over all languages (large languages weigh more)
     * @param macroAccuracy          mean of the per-language accuracies
     * @param highTierMean           mean accuracy of the HIGH-tier languages (macro within the tier)
     * @param lowTierMean            mean accuracy of the LOW-tier languages (macro within the tier)
     * @param highLowGap             highTierMean - lowTierMean
     * @param lowHighRatio           lowTierMean / highTierMean
     * @param best                   the languages with the highest accuracy (several when tied)
     * @param bestAccuracy           the highest accuracy
     * @param worst                  the languages with the lowest accuracy (several when tied)
     * @param worstAccuracy          the lowest accuracy
     * @param bestWorstGap           bestAccuracy - worstAccuracy
     * @param coefficientOfVariation population standard deviation (divisor: the number of languages,
     *                               which are the whole set studied, not a sample) of the per-language
     *                               accuracies over their mean
     */
    public record Summary(int items, int correct, int languages, double microAccuracy, double macroAccuracy,
                          double highTierMean, double lowTierMean, double highLowGap, double lowHighRatio,
                          List<String> best, double bestAccuracy, List<String> worst, double worstAccuracy,
                          double bestWorstGap, double coefficientOfVariation) {
        public Summary {
            best = List.copyOf(best);
            worst = List.copyOf(worst);
        }
    }

    private final List<Outcome> outcomes;
    private final List<LanguageStats> stats;
    private final Summary summary;

    private Report(List<Outcome> outcomes, List<LanguageStats> stats) {
        this.outcomes = List.copyOf(outcomes);
        this.stats = List.copyOf(stats);
        this.summary = summarise(stats);
    }

    /** The report of per-item results; languages are looked up (names, default tiers) in {@code registry}. */
    public static Report of(List<ItemResult> results, Languages registry) {
        return fromOutcomes(Outcomes.of(results, registry, "results"), registry, "results");
    }

    /**
     * The report of a per-item results table with at least the columns {@code id}, {@code language}
     * and boolean {@code correct}; read when present: {@code tier}, {@code source}, boolean
     * {@code invalid}, and {@code error} (text) or boolean {@code failed}.
     */
    public static Report of(Table results, Languages registry) {
        return fromOutcomes(Outcomes.of(results, registry, "results"), registry, "results");
    }

    static Report fromOutcomes(List<Outcome> outcomes, Languages registry, String run) {
        Map<Language, Tier> tiers = Outcomes.languages(outcomes, registry, run);
        Map<String, int[]> counts = new TreeMap<>(); // correct, n, invalid, failed
        for (Outcome o : outcomes) {
            int[] c = counts.computeIfAbsent(o.language(), k -> new int[4]);
            c[0] += o.correct() ? 1 : 0;
            c[1]++;
            c[2] += o.invalid() ? 1 : 0;
            c[3] += o.failed() ? 1 : 0;
        }
        List<LanguageStats> stats = new ArrayList<>();
        tiers.forEach((l, tier) -> {
            int[] c = counts.get(l.code());
            stats.add(new LanguageStats(l, tier, c[1], c[0], c[2], c[3]));
        });
        return new Report(outcomes, stats);
    }

    /**
     * One row per language: language, english, tier, n, correct, accuracy, ci_low, ci_high (95%
     * Wilson score interval), stderr, invalid, failed.
     */
    public Table languages() {
        StringColumn code = StringColumn.create("language");
        StringColumn english = StringColumn.create("english");
        StringColumn tier = StringColumn.create("tier");
        IntColumn n = IntColumn.create("n");
        IntColumn correct = IntColumn.create("correct");
        DoubleColumn accuracy = DoubleColumn.create("accuracy");
        DoubleColumn low = DoubleColumn.create("ci_low");
        DoubleColumn high = DoubleColumn.create("ci_high");
        DoubleColumn stderr = DoubleColumn.create("stderr");
        IntColumn invalid = IntColumn.create("invalid");
        IntColumn failed = IntColumn.create("failed");
        WilsonScoreInterval wilson = new WilsonScoreInterval();
        for (LanguageStats s : stats) {
            double p = s.accuracy();
            ConfidenceInterval ci = wilson.createInterval(s.n(), s.correct(), CONFIDENCE);
            code.append(s.language().code());
            english.append(s.language().english());
            tier.append(s.tier().name());
            n.append(s.n());
            correct.append(s.correct());
            accuracy.append(p);
            // Wilson's bounds at 0 of n and n of n are exactly 0 and 1; the formula leaves rounding errors.
            low.append(s.correct() == 0 ? 0 : ci.getLowerBound());
            high.append(s.correct() == s.n() ? 1 : ci.getUpperBound());
            stderr.append(Math.sqrt(p * (1 - p) / s.n()));
            invalid.append(s.invalid());
            failed.append(s.failed());
        }
        return Table.create(String.format(Locale.ROOT, "Accuracy per language: %,d items", summary.items()),
                code, english, tier, n, correct, fixed(accuracy), fixed(low), fixed(high), fixed(stderr), invalid,
                failed);
    }

    /**
     * One row per language and source dataset (lm-evaluation-harness's groups): language, tier,
     * source, n, correct, accuracy. Items without a source are grouped as {@code (none)}.
     */
    public Table bySource() {
        Map<String, Map<String, int[]>> counts = new LinkedHashMap<>();
        stats.forEach(s -> counts.put(s.language().code(), new TreeMap<>()));
        for (Outcome o : outcomes) {
            int[] c = counts.get(o.language()).computeIfAbsent(o.source() == null ? "(none)" : o.source(),
                    k -> new int[2]);
            c[0] += o.correct() ? 1 : 0;
            c[1]++;
        }
        StringColumn code = StringColumn.create("language");
        StringColumn tier = StringColumn.create("tier");
        StringColumn source = StringColumn.create("source");
        IntColumn n = IntColumn.create("n");
        IntColumn correct = IntColumn.create("correct");
        DoubleColumn accuracy = DoubleColumn.create("accuracy");
        for (LanguageStats s : stats) {
            counts.get(s.language().code()).forEach((src, c) -> {
                code.append(s.language().code());
                tier.append(s.tier().name());
                source.append(src);
                n.append(c[1]);
                correct.append(c[0]);
                accuracy.append((double) c[0] / c[1]);
            });
        }
        return Table.create("Accuracy per language and source", code, tier, source, n, correct, fixed(accuracy));
    }

    /** The averages and disparity measures. */
    public Summary summary() {
        return summary;
    }

    /**
     * The summary as a table of (measure, value, note): items, correct, languages, micro_accuracy,
     * macro_accuracy, high_tier_mean, low_tier_mean, high_low_gap, low_high_ratio, best_accuracy,
     * worst_accuracy, best_worst_gap, cv. The note names the languages concerned, or why a value
     * is NaN.
     */
    public Table summaryTable() {
        Summary s = summary;
        String high = tierLanguages(Tier.HIGH);
        String low = tierLanguages(Tier.LOW);
        boolean both = !high.isEmpty() && !low.isEmpty();
        String needsBoth = "needs both tiers; languages here are all " + (high.isEmpty() ? "LOW" : "HIGH");
        Measures m = new Measures("Summary over languages");
        m.add("items", s.items(), "");
        m.add("correct", s.correct(), "");
        m.add("languages", s.languages(), "");
        m.add("micro_accuracy", s.microAccuracy(), "correct / items, all languages pooled");
        m.add("macro_accuracy", s.macroAccuracy(), "mean of the per-language accuracies");
        m.add("high_tier_mean", s.highTierMean(), high.isEmpty() ? "no HIGH-tier language" : "mean over " + high);
        m.add("low_tier_mean", s.lowTierMean(), low.isEmpty() ? "no LOW-tier language" : "mean over " + low);
        m.add("high_low_gap", s.highLowGap(), both ? "high_tier_mean - low_tier_mean" : needsBoth);
        m.add("low_high_ratio", s.lowHighRatio(), !both ? needsBoth
                : s.highTierMean() == 0 ? "undefined: the HIGH-tier mean is 0" : "low_tier_mean / high_tier_mean");
        m.add("best_accuracy", s.bestAccuracy(), String.join(", ", s.best()));
        m.add("worst_accuracy", s.worstAccuracy(), String.join(", ", s.worst()));
        m.add("best_worst_gap", s.bestWorstGap(), String.join(", ", s.best()) + " - " + String.join(", ", s.worst()));
        m.add("cv", s.coefficientOfVariation(), s.macroAccuracy() == 0 ? "undefined: the macro accuracy is 0"
                : "population SD / mean of the per-language accuracies");
        return m.table();
    }

    /** The headline line, the per-language table and the summary, as plain text (report.txt). */
    public String printAll() {
        return this + "\n" + languages().printAll() + "\n" + summaryTable().printAll();
    }

    /** The kernel shows the headline line, the per-language table and the summary. */
    public Map<String, Object> mimeBundle() {
        Map<String, Object> bundle = new LinkedHashMap<>();
        bundle.put("text/plain", toString() + "\n" + TableHtml.text(languages(), 100) + "\n"
                + TableHtml.text(summaryTable(), 100));
        bundle.put("text/html", "<p><b>" + TableHtml.escape(toString()) + "</b></p>"
                + TableHtml.html(languages(), 100) + TableHtml.html(summaryTable(), 100));
        return bundle;
    }

    @Override
    public String toString() {
        Summary s = summary;
        return String.format(Locale.ROOT, "Report: %,d items in %d languages; micro %.4f, macro %.4f;%s%s worst %s %.4f",
                s.items(), s.languages(), s.microAccuracy(), s.macroAccuracy(), tierPart("HIGH", s.highTierMean()),
                tierPart("LOW", s.lowTierMean()), String.join(", ", s.worst()), s.worstAccuracy());
    }

    private static String tierPart(String tier, double mean) {
        return Double.isNaN(mean) ? "" : String.format(Locale.ROOT, " %s %.4f;", tier, mean);
    }

    private String tierLanguages(Tier tier) {
        return stats.stream().filter(s -> s.tier() == tier).map(s -> s.language().code())
                .collect(Collectors.joining(", "));
    }

    private static Summary summarise(List<LanguageStats> stats) {
        int items = 0;
        int correct = 0;
        double[] acc = new double[stats.size()];
        for (int i = 0; i < acc.length; i++) {
            LanguageStats s = stats.get(i);
            items += s.n();
            correct += s.correct();
            acc[i] = s.accuracy();
        }
        double macro = mean(acc);
        double high = tierMean(stats, Tier.HIGH);
        double low = tierMean(stats, Tier.LOW);
        double best = Double.NEGATIVE_INFINITY;
        double worst = Double.POSITIVE_INFINITY;
        double squares = 0;
        for (double a : acc) {
            best = Math.max(best, a);
            worst = Math.min(worst, a);
            squares += (a - macro) * (a - macro);
        }
        double sd = Math.sqrt(squares / acc.length);
        List<String> bestCodes = new ArrayList<>();
        List<String> worstCodes = new ArrayList<>();
        for (int i = 0; i < acc.length; i++) {
            // Equal fractions divide to the same double, so ties are found exactly.
            if (acc[i] == best) {
                bestCodes.add(stats.get(i).language().code());
            }
            if (acc[i] == worst) {
                worstCodes.add(stats.get(i).language().code());
            }
        }
        return new Summary(items, correct, acc.length, (double) correct / items, macro, high, low, high - low,
                high == 0 ? Double.NaN : low / high, bestCodes, best, worstCodes, worst, best - worst,
                macro == 0 ? Double.NaN : sd / macro);
    }

    private static double tierMean(List<LanguageStats> stats, Tier tier) {
        return mean(stats.stream().filter(s -> s.tier() == tier).mapToDouble(LanguageStats::accuracy).toArray());
    }

    static double mean(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** Four decimals on display; the values keep full precision. */
    static DoubleColumn fixed(DoubleColumn column) {
        column.setPrintFormatter(new NumberColumnFormatter(new DecimalFormat("0.0000",
                DecimalFormatSymbols.getInstance(Locale.ROOT))));
        return column;
    }

    /** A (measure, value, note) table built row by row. */
    static final class Measures {
        private final StringColumn measure = StringColumn.create("measure");
        private final DoubleColumn value = DoubleColumn.create("value");
        private final StringColumn note = StringColumn.create("note");
        private final String name;

        Measures(String name) {
            this.name = name;
        }

        void add(String name, double v, String why) {
            measure.append(name);
            value.append(v);
            note.append(why);
        }

        Table table() {
            // Counts and fractions share the column: up to four decimals, no trailing zeros.
            value.setPrintFormatter(new NumberColumnFormatter(new DecimalFormat("0.####",
                    DecimalFormatSymbols.getInstance(Locale.ROOT))));
            return Table.create(name, measure, value, note);
        }
    }
}
