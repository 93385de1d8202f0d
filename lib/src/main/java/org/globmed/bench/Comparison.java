package org.globmed.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.globmed.bench.Outcomes.Outcome;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Tier;
import org.globmed.display.TableHtml;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Two runs on the same items (a baseline model and a candidate, say a base model and its
 * fine-tuned version): per-language gains, the paper's two headline figures, and a paired exact
 * McNemar test per language with Holm's correction across languages.
 *
 * <pre>{@code
 * Comparison cmp = Comparison.of(baseResults, tunedResults, Languages.defaults());
 * cmp.languages();                          // per language: accuracies, gains, b, c, p, p_holm
 * cmp.headline().lowResourceFactor();       // mean LOW-tier gain / mean HIGH-tier gain
 * }</pre>
 *
 * <p>Pairing. Items are paired by id; every accuracy here is over the paired items only, so that
 * both runs are measured on the same questions. Items present in one run only are counted per
 * language ({@code only_baseline}, {@code only_candidate}) and listed ({@link #onlyInBaseline()}),
 * never silently dropped. A language present in one run only, a language whose items never
 * pair, an id whose language differs between the runs, or a language with different tiers in
 * the two runs is an error. Failed and invalid items count as wrong, as in {@link Report}.
 *
 * <p>Per-language definitions, with a = baseline accuracy and c' = candidate accuracy:
 * {@code abs_gain} = c' - a (a fraction: 0.05 is 5 percentage points); {@code rel_gain} =
 * (c' - a) / a, NaN when a = 0 (undefined); {@code b} = items the baseline got right and the
 * candidate wrong, {@code c} = the reverse; {@code p_value} = exact two-sided McNemar test, the
 * binomial test of the discordant pairs at p = 0.5 (1 when b + c = 0); {@code p_holm} = Holm's
 * step-down adjustment over the languages of this comparison; {@code significant} = p_holm
 * &le; {@link #ALPHA}.
 */
public final class Comparison {
    /** The family-wise error rate the {@code significant} column controls. */
    public static final double ALPHA = 0.05;

    /**
     * The headline figures. All accuracies are over the paired items.
     *
     * @param baselineMicro              the baseline's micro accuracy (all items pooled)
     * @param candidateMicro             the candidate's micro accuracy
     * @param baselineMacro              the baseline's macro accuracy (mean over languages)
     * @param candidateMacro             the candidate's macro accuracy
     * @param averageRelativeImprovement the mean over languages of rel_gain, each language weighing
     *                                   the same (the paper's "average improvement"; 0.4 = 40%); NaN
     *                                   when a language's baseline accuracy is 0 (see note)
     * @param lowMeanGain                mean abs_gain over the LOW-tier languages
     * @param highMeanGain               mean abs_gain over the HIGH-tier languages
     * @param lowResourceFactor          the low-resource improvement factor, lowMeanGain / highMeanGain
     *                                   (the paper's "3x on low-resource languages"); NaN when
     *                                   highMeanGain &le; 0, since a ratio to a loss or to no
     *                                   change does not measure "times the improvement" (see note)
     * @param note                       why a figure is NaN, else empty
     */
    public record Headline(double baselineMicro, double candidateMicro, double baselineMacro, double candidateMacro,
                           double averageRelativeImprovement, double lowMeanGain, double highMeanGain,
                           double lowResourceFactor, String note) {
    }

    /** One language's paired counts and test. */
    record LanguagePair(Language language, Tier tier, int n, int baselineCorrect, int candidateCorrect, int b, int c,
                        double p, double pHolm, int onlyBaseline, int onlyCandidate) {
        double baselineAccuracy() {
            return (double) baselineCorrect / n;
        }

        double candidateAccuracy() {
            return (double) candidateCorrect / n;
        }

        double absoluteGain() {
            return candidateAccuracy() - baselineAccuracy();
        }

        double relativeGain() {
            return baselineCorrect == 0 ? Double.NaN : absoluteGain() / baselineAccuracy();
        }
    }

    private final List<LanguagePair> pairs;
    private final Report baseline;
    private final Report candidate;
    private final List<String> onlyBaseline;
    private final List<String> onlyCandidate;

    private Comparison(List<LanguagePair> pairs, Report baseline, Report candidate, List<String> onlyBaseline,
                       List<String> onlyCandidate) {
        this.pairs = List.copyOf(pairs);
        this.baseline = baseline;
        this.candidate = candidate;
        this.onlyBaseline = List.copyOf(onlyBaseline);
        this.onlyCandidate = List.copyOf(onlyCandidate);
    }

    /** Compares two runs' per-item results; languages are looked up in {@code registry}. */
    public static Comparison of(List<ItemResult> baseline, List<ItemResult> candidate, Languages registry) {
        return compare(Outcomes.of(baseline, registry, "baseline run"),
                Outcomes.of(candidate, registry, "candidate run"), registry);
    }

    /** Compares two per-item results tables (the columns {@link Report#of(Table, Languages)} reads). */
    public static Comparison of(Table baseline, Table candidate, Languages registry) {
        return compare(Outcomes.of(baseline, registry, "baseline run"),
                Outcomes.of(candidate, registry, "candidate run"), registry);
    }

    static Comparison compare(List<Outcome> base, List<Outcome> cand, Languages registry) {
        Map<Language, Tier> baseTiers = Outcomes.languages(base, registry, "baseline run");
        Map<Language, Tier> candTiers = Outcomes.languages(cand, registry, "candidate run");
        List<String> problems = new ArrayList<>();
        baseTiers.keySet().stream().filter(l -> !candTiers.containsKey(l)).forEach(l -> problems.add("language '"
                + l.code() + "' is only in the baseline run (" + count(base, l) + " items)"));
        candTiers.keySet().stream().filter(l -> !baseTiers.containsKey(l)).forEach(l -> problems.add("language '"
                + l.code() + "' is only in the candidate run (" + count(cand, l) + " items)"));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems)
                    + ": compare runs over the same languages (select them from the other run first)");
        }
        baseTiers.forEach((l, tier) -> {
            if (candTiers.get(l) != tier) {
                throw new IllegalArgumentException("language '" + l.code() + "' is " + tier + " in the baseline run and "
                        + candTiers.get(l) + " in the candidate run");
            }
        });

        Map<String, Outcome> candById = new HashMap<>();
        cand.forEach(o -> candById.put(o.id(), o));
        List<Outcome> pairedBase = new ArrayList<>();
        List<Outcome> pairedCand = new ArrayList<>();
        List<String> onlyBase = new ArrayList<>();
        Map<String, int[]> perLanguage = new TreeMap<>(); // n, baseline right, candidate right, b, c, onlyB, onlyC
        for (Outcome a : base) {
            int[] k = perLanguage.computeIfAbsent(a.language(), x -> new int[7]);
            Outcome z = candById.remove(a.id());
            if (z == null) {
                onlyBase.add(a.id());
                k[5]++;
                continue;
            }
            if (!z.language().equals(a.language())) {
                throw new IllegalArgumentException("item " + a.id() + " is in language '" + a.language()
                        + "' in the baseline run and '" + z.language() + "' in the candidate run");
            }
            pairedBase.add(a);
            pairedCand.add(z);
            k[0]++;
            k[1] += a.correct() ? 1 : 0;
            k[2] += z.correct() ? 1 : 0;
            k[3] += a.correct() && !z.correct() ? 1 : 0;
            k[4] += !a.correct() && z.correct() ? 1 : 0;
        }
        List<String> onlyCand = new ArrayList<>();
        for (Outcome z : cand) {
            if (candById.containsKey(z.id())) {
                onlyCand.add(z.id());
                perLanguage.computeIfAbsent(z.language(), x -> new int[7])[6]++;
            }
        }
        List<String> unpaired = perLanguage.entrySet().stream().filter(e -> e.getValue()[0] == 0)
                .map(e -> "'" + e.getKey() + "' (" + e.getValue()[5] + " baseline, " + e.getValue()[6]
                        + " candidate items)").toList();
        if (!unpaired.isEmpty()) {
            throw new IllegalArgumentException("no item id of language " + String.join(", ", unpaired)
                    + " is in both runs: were both runs made on the same items?");
        }

        List<Language> languages = new ArrayList<>(baseTiers.keySet());
        double[] p = new double[languages.size()];
        for (int i = 0; i < p.length; i++) {
            int[] k = perLanguage.get(languages.get(i).code());
            p[i] = Significance.mcnemarExact(k[3], k[4]);
        }
        double[] holm = Significance.holm(p);
        List<LanguagePair> pairs = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            Language l = languages.get(i);
            int[] k = perLanguage.get(l.code());
            pairs.add(new LanguagePair(l, baseTiers.get(l), k[0], k[1], k[2], k[3], k[4], p[i], holm[i], k[5], k[6]));
        }
        return new Comparison(pairs, Report.fromOutcomes(pairedBase, registry, "baseline run"),
                Report.fromOutcomes(pairedCand, registry, "candidate run"), onlyBase, onlyCand);
    }

    /**
     * One row per language: language, english, tier, n_paired, acc_baseline, acc_candidate,
     * abs_gain, rel_gain, b, c, p_value, p_holm, significant, only_baseline, only_candidate (see
     * the class comment for the definitions).
     */
    public Table languages() {
        StringColumn code = StringColumn.create("language");
        StringColumn english = StringColumn.create("english");
        StringColumn tier = StringColumn.create("tier");
        IntColumn n = IntColumn.create("n_paired");
        DoubleColumn accBase = DoubleColumn.create("acc_baseline");
        DoubleColumn accCand = DoubleColumn.create("acc_candidate");
        DoubleColumn absGain = DoubleColumn.create("abs_gain");
        DoubleColumn relGain = DoubleColumn.create("rel_gain");
        IntColumn b = IntColumn.create("b");
        IntColumn c = IntColumn.create("c");
        DoubleColumn p = DoubleColumn.create("p_value");
        DoubleColumn pHolm = DoubleColumn.create("p_holm");
        BooleanColumn significant = BooleanColumn.create("significant");
        IntColumn onlyBase = IntColumn.create("only_baseline");
        IntColumn onlyCand = IntColumn.create("only_candidate");
        for (LanguagePair r : pairs) {
            code.append(r.language().code());
            english.append(r.language().english());
            tier.append(r.tier().name());
            n.append(r.n());
            accBase.append(r.baselineAccuracy());
            accCand.append(r.candidateAccuracy());
            absGain.append(r.absoluteGain());
            relGain.append(r.relativeGain());
            b.append(r.b());
            c.append(r.c());
            p.append(r.p());
            pHolm.append(r.pHolm());
            significant.append(r.pHolm() <= ALPHA);
            onlyBase.append(r.onlyBaseline());
            onlyCand.append(r.onlyCandidate());
        }
        return Table.create(String.format(Locale.ROOT, "Baseline vs candidate per language: %,d paired items",
                        baseline.summary().items()), code, english, tier, n, Report.fixed(accBase),
                Report.fixed(accCand), Report.fixed(absGain), Report.fixed(relGain), b, c, p, pHolm, significant,
                onlyBase, onlyCand);
    }

    /**
     * The headline figures. An error when the comparison lacks a HIGH-tier or a LOW-tier language
     * (the low-resource factor compares the two, so it needs at least two languages).
     */
    public Headline headline() {
        String problem = tierProblem();
        if (problem != null) {
            throw new IllegalStateException("the headline figures compare the tiers: " + problem
                    + "; the per-language table, baseline() and candidate() still apply");
        }
        return figures();
    }

    /**
     * Every figure as a table of (measure, value, note): paired_items, only_in_baseline,
     * only_in_candidate, micro and macro accuracies of both runs, average_relative_improvement,
     * low_mean_gain, high_mean_gain, low_resource_factor, significant_languages. Unlike
     * {@link #headline()} it never fails: tier figures that cannot be computed are NaN with the
     * reason in the note.
     */
    public Table summary() {
        Headline h = figures();
        String problem = tierProblem();
        Report.Measures m = new Report.Measures("Baseline vs candidate");
        m.add("paired_items", baseline.summary().items(), pairs.size() + " languages");
        m.add("only_in_baseline", onlyBaseline.size(), onlyBaseline.isEmpty() ? "" : "not scored in the comparison");
        m.add("only_in_candidate", onlyCandidate.size(), onlyCandidate.isEmpty() ? "" : "not scored in the comparison");
        m.add("baseline_micro", h.baselineMicro(), "paired items pooled");
        m.add("candidate_micro", h.candidateMicro(), "paired items pooled");
        m.add("baseline_macro", h.baselineMacro(), "mean over languages");
        m.add("candidate_macro", h.candidateMacro(), "mean over languages");
        m.add("average_relative_improvement", h.averageRelativeImprovement(),
                Double.isNaN(h.averageRelativeImprovement()) ? zeroBaselines()
                        : "mean over languages of (acc_candidate - acc_baseline) / acc_baseline");
        m.add("low_mean_gain", h.lowMeanGain(), problem != null ? problem : "mean abs_gain over " + codes(Tier.LOW));
        m.add("high_mean_gain", h.highMeanGain(), problem != null ? problem : "mean abs_gain over " + codes(Tier.HIGH));
        m.add("low_resource_factor", h.lowResourceFactor(), problem != null ? problem
                : Double.isNaN(h.lowResourceFactor()) ? h.note() : "low_mean_gain / high_mean_gain");
        List<String> significant = pairs.stream().filter(r -> r.pHolm() <= ALPHA).map(r -> r.language().code()).toList();
        m.add("significant_languages", significant.size(), "Holm-adjusted McNemar p <= " + ALPHA
                + (significant.isEmpty() ? "" : ": " + String.join(", ", significant)));
        return m.table();
    }

    /** The baseline run's report over the paired items. */
    public Report baseline() {
        return baseline;
    }

    /** The candidate run's report over the paired items. */
    public Report candidate() {
        return candidate;
    }

    /** Ids of the items only the baseline run has, in its order. */
    public List<String> onlyInBaseline() {
        return onlyBaseline;
    }

    /** Ids of the items only the candidate run has, in its order. */
    public List<String> onlyInCandidate() {
        return onlyCandidate;
    }

    /** The kernel shows the headline line, the per-language table and the figures. */
    public Map<String, Object> mimeBundle() {
        Map<String, Object> bundle = new LinkedHashMap<>();
        bundle.put("text/plain", toString() + "\n" + TableHtml.text(languages(), 100) + "\n"
                + TableHtml.text(summary(), 100));
        bundle.put("text/html", "<p><b>" + TableHtml.escape(toString()) + "</b></p>"
                + TableHtml.html(languages(), 100) + TableHtml.html(summary(), 100));
        return bundle;
    }

    @Override
    public String toString() {
        Headline h = figures();
        long significant = pairs.stream().filter(r -> r.pHolm() <= ALPHA).count();
        return String.format(Locale.ROOT, "Comparison: %,d paired items in %d languages (%,d only in baseline, %,d only"
                        + " in candidate); macro %.4f -> %.4f; average relative improvement %s; low-resource factor %s;"
                        + " %d of %d languages significant after Holm", baseline.summary().items(), pairs.size(),
                onlyBaseline.size(), onlyCandidate.size(), h.baselineMacro(), h.candidateMacro(),
                Double.isNaN(h.averageRelativeImprovement()) ? "undefined"
                        : String.format(Locale.ROOT, "%+.1f%%", 100 * h.averageRelativeImprovement()),
                Double.isNaN(h.lowResourceFactor()) ? "undefined"
                        : String.format(Locale.ROOT, "%.2fx", h.lowResourceFactor()), significant, pairs.size());
    }

    private Headline figures() {
        Report.Summary a = baseline.summary();
        Report.Summary z = candidate.summary();
        double avgRel = Report.mean(pairs.stream().mapToDouble(LanguagePair::relativeGain).toArray());
        double low = meanGain(Tier.LOW);
        double high = meanGain(Tier.HIGH);
        List<String> notes = new ArrayList<>();
        if (Double.isNaN(avgRel)) {
            notes.add(zeroBaselines());
        }
        double factor = Double.NaN;
        String problem = tierProblem();
        if (problem != null) {
            notes.add("low-resource factor undefined: " + problem);
        } else if (high <= 0) {
            notes.add(String.format(Locale.ROOT, "low-resource factor undefined: the HIGH-tier mean gain is %.4f;"
                    + " a ratio to no gain or a loss does not say how many times larger the LOW-tier gain is", high));
        } else {
            factor = low / high;
        }
        return new Headline(a.microAccuracy(), z.microAccuracy(), a.macroAccuracy(), z.macroAccuracy(), avgRel, low,
                high, factor, String.join("; ", notes));
    }

    private double meanGain(Tier tier) {
        return Report.mean(pairs.stream().filter(r -> r.tier() == tier).mapToDouble(LanguagePair::absoluteGain)
                .toArray());
    }

    private String tierProblem() {
        String high = codes(Tier.HIGH);
        String low = codes(Tier.LOW);
        if (!high.isEmpty() && !low.isEmpty()) {
            return null;
        }
        return "it needs at least one HIGH-tier and one LOW-tier language, and every language here is "
                + (high.isEmpty() ? "LOW (" + low + ")" : "HIGH (" + high + ")");
    }

    private String zeroBaselines() {
        return "average relative improvement undefined: baseline accuracy 0 in "
                + pairs.stream().filter(r -> r.baselineCorrect() == 0).map(r -> r.language().code())
                .collect(Collectors.joining(", "));
    }

    private String codes(Tier tier) {
        return pairs.stream().filter(r -> r.tier() == tier).map(r -> r.language().code())
                .collect(Collectors.joining(", "));
    }

    private static long count(List<Outcome> outcomes, Language l) {
        return outcomes.stream().filter(o -> o.language().equals(l.code())).count();
    }
}
