package org.globmed.plot;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.globmed.bench.Comparison;
import org.globmed.bench.Report;
import org.globmed.bench.Results;
import org.globmed.data.GlobMedData;
import org.globmed.data.Languages;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * The paper's figures in one call each: per-language accuracy and its disparities, before and
 * after fine-tuning, across models, against tokenizer fertility, the dataset's composition and
 * training curves. Every method returns a Tablesaw {@link Figure}, which the kernel draws inline
 * and {@link Figures} saves as HTML, PNG or SVG.
 *
 * <pre>{@code
 * Plots.accuracy(results)                                       // bars with Wilson intervals, tier means
 * Plots.heatmap(Map.of("Qwen3-1.7B", a.report(), "Llama-3.1-8B", b.report()))
 * Plots.finetuning(Comparison.of(before.items(), after.items(), registry))
 * Plots.trainingCurves(Path.of("runs/qwen3-sft"))                // loss, learning rate, dev accuracy
 * Plots.options().title("Zero-shot").size(1000, 500).order(Plots.Order.ASCENDING).accuracy(results)
 * }</pre>
 *
 * <p>Languages are labelled with their English and native names from the registry
 * ({@link Languages#defaults()} unless {@link Options#languages} says otherwise), LOW-tier labels
 * in italics; colours come from the Okabe–Ito palette ({@link #OKABE_ITO}). Input that cannot make
 * a meaningful figure is an {@link IllegalArgumentException} that names what is missing: a table
 * without the needed columns, an empty table, a language code the registry does not know, or a
 * single language where the figure compares languages.
 */
public final class Plots {
    /** The colour-blind-safe series palette (Okabe and Ito), as CSS colours; see {@link Options#palette}. */
    public static final List<String> OKABE_ITO = Palette.OKABE_ITO;

    /** How languages (or models) are ordered along an axis. */
    public enum Order {
        /**
         * Highest value first: accuracy (before fine-tuning, for the before/after chart), mean accuracy
         * (heatmap), best−worst gap (disparity), items (composition), median length (lengths).
         */
        DESCENDING,
        /** Lowest value first. */
        ASCENDING,
        /** By language code, as the registry lists them (models: as given). */
        REGISTRY,
        /** HIGH-tier languages first, then LOW, each by value, highest first. */
        TIER
    }

    private static final Options DEFAULTS = new Options();

    private Plots() {
    }

    /** Default options, to change and then draw with: {@code Plots.options().title("...").accuracy(r)}. */
    public static Options options() {
        return DEFAULTS;
    }

    /** Accuracy by language: bars by accuracy with 95% Wilson intervals, coloured by tier, tier means as lines. */
    public static Figure accuracy(Results results) {
        return DEFAULTS.accuracy(results);
    }

    /** Accuracy by language of a report. */
    public static Figure accuracy(Report report) {
        return DEFAULTS.accuracy(report);
    }

    /** Accuracy by language of a per-item results table or a per-language table (language, n, correct). */
    public static Figure accuracy(Table table) {
        return DEFAULTS.accuracy(table);
    }

    /** Model × language accuracy with the values in the cells; both ordered by mean accuracy. */
    public static Figure heatmap(Map<String, Report> reportsByModel) {
        return DEFAULTS.heatmap(reportsByModel);
    }

    /** Model × language accuracy from a long table with the columns model, language, accuracy. */
    public static Figure heatmap(Table table) {
        return DEFAULTS.heatmap(table);
    }

    /** Before and after fine-tuning per language, with relative gains and the headline figures. */
    public static Figure finetuning(Comparison comparison) {
        return DEFAULTS.finetuning(comparison);
    }

    /** Before and after fine-tuning of a training run folder (its {@code before/} and {@code after/} results). */
    public static Figure finetuning(Path runDir) {
        return DEFAULTS.finetuning(runDir);
    }

    /** Best−worst language gap and HIGH−LOW tier gap per model. */
    public static Figure disparity(Map<String, Report> reportsByModel) {
        return DEFAULTS.disparity(reportsByModel);
    }

    /**
     * Accuracy against tokenizer fertility (tokens per word), one point per language and model.
     *
     * @param fertility a table with language and tokens_per_word (as {@link GlobMedData#fertility} gives),
     *                  and optionally model, when each model has its own tokenizer
     */
    public static Figure fertility(Table fertility, Map<String, Report> reportsByModel) {
        return DEFAULTS.fertility(fertility, reportsByModel);
    }

    /** Items per language, stacked by source dataset. */
    public static Figure composition(GlobMedData data) {
        return DEFAULTS.composition(data);
    }

    /** Items per language, stacked by source, of an items or results table (columns language, source). */
    public static Figure composition(Table items) {
        return DEFAULTS.composition(items);
    }

    /** The distribution of item lengths (characters of the item's text) per language. */
    public static Figure lengths(GlobMedData data) {
        return DEFAULTS.lengths(data);
    }

    /** Length distributions of an items table (language and the text columns of {@link GlobMedData#table()}). */
    public static Figure lengths(Table items) {
        return DEFAULTS.lengths(items);
    }

    /** Loss, learning rate and per-language dev accuracy over steps, from a training run folder. */
    public static Figure trainingCurves(Path runDir) {
        return DEFAULTS.trainingCurves(runDir);
    }

    /** Follows a training run folder while it is written; see {@link TrainingMonitor}. */
    public static TrainingMonitor monitor(Path runDir) {
        return DEFAULTS.monitor(runDir);
    }

    /**
     * The standard set of figures of evaluation result folders and training run folders (or
     * folders holding them), by name: accuracy per run, heatmap and disparity across runs,
     * training curves and before/after per training run; names as {@code globmed figures} gives
     * its files ({@code accuracy-<model>}, {@code heatmap}, {@code training-<run>}, ...).
     */
    public static Map<String, Figure> standardSet(List<Path> folders) {
        return DEFAULTS.standardSet(folders, null, null);
    }

    /**
     * Options shared by all figures. Immutable: every method returns a changed copy, so a set of
     * options can be kept and reused. Each figure method draws with these options.
     */
    public static final class Options {
        private final String title;
        private final int width;
        private final int height;
        private final Order order;
        private final List<String> palette;
        private final Languages languages;
        private final boolean nativeNames;
        private final boolean grouped;

        private Options() {
            this(null, 0, 480, Order.DESCENDING, Palette.OKABE_ITO, Languages.defaults(), true, false);
        }

        private Options(String title, int width, int height, Order order, List<String> palette, Languages languages,
                        boolean nativeNames, boolean grouped) {
            this.title = title;
            this.width = width;
            this.height = height;
            this.order = order;
            this.palette = palette;
            this.languages = languages;
            this.nativeNames = nativeNames;
            this.grouped = grouped;
        }

        /** The main title, instead of the figure's own; computed figures (headline, model) stay as a subtitle. */
        public Options title(String title) {
            return new Options(Objects.requireNonNull(title, "title"), width, height, order, palette, languages,
                    nativeNames, grouped);
        }

        /** Width and height in CSS pixels (default: the width of the notebook cell, 480 high). */
        public Options size(int width, int height) {
            if (width < 100 || height < 100 || width > 10_000 || height > 10_000) {
                throw new IllegalArgumentException("figure size " + width + " x " + height
                        + " px: expected 100 to 10000 each");
            }
            return new Options(title, width, height, order, palette, languages, nativeNames, grouped);
        }

        /** How languages (and models) are ordered; default {@link Order#DESCENDING}. */
        public Options order(Order order) {
            return new Options(title, width, height, Objects.requireNonNull(order, "order"), palette, languages,
                    nativeNames, grouped);
        }

        /** Series colours as CSS colours (default {@link #OKABE_ITO}); tiers keep blue and vermillion. */
        public Options palette(List<String> colours) {
            if (colours == null || colours.isEmpty()) {
                throw new IllegalArgumentException("a palette needs at least one colour");
            }
            return new Options(title, width, height, order, List.copyOf(colours), languages, nativeNames, grouped);
        }

        /** The language registry for names and default tiers (default {@link Languages#defaults()}). */
        public Options languages(Languages registry) {
            return new Options(title, width, height, order, palette, Objects.requireNonNull(registry, "registry"),
                    nativeNames, grouped);
        }

        /** Whether language labels add the native name under the English one (default true). */
        public Options nativeNames(boolean show) {
            return new Options(title, width, height, order, palette, languages, show, grouped);
        }

        /** Before/after fine-tuning as grouped bars instead of a dumbbell chart (default false). */
        public Options grouped(boolean bars) {
            return new Options(title, width, height, order, palette, languages, nativeNames, bars);
        }

        String title() {
            return title;
        }

        int width() {
            return width;
        }

        int height() {
            return height;
        }

        /** Whether {@link #size} was given (figures that need more room grow only when it was not). */
        boolean hasSize() {
            return width > 0;
        }

        Order order() {
            return order;
        }

        List<String> palette() {
            return palette;
        }

        Languages registry() {
            return languages;
        }

        boolean nativeNames() {
            return nativeNames;
        }

        boolean grouped() {
            return grouped;
        }

        public Figure accuracy(Results results) {
            Objects.requireNonNull(results, AccuracyFigure.NAME + ": the results are null");
            return AccuracyFigure.build(Accuracies.of(results, languages, AccuracyFigure.NAME), results.model(), this);
        }

        public Figure accuracy(Report report) {
            return AccuracyFigure.build(Accuracies.of(report, languages, AccuracyFigure.NAME), null, this);
        }

        public Figure accuracy(Table table) {
            Objects.requireNonNull(table, AccuracyFigure.NAME + ": the table is null");
            return AccuracyFigure.build(Accuracies.of(table, languages, AccuracyFigure.NAME), null, this);
        }

        public Figure heatmap(Map<String, Report> reportsByModel) {
            return HeatmapFigure.build(rowsByModel(reportsByModel, HeatmapFigure.NAME), this);
        }

        public Figure heatmap(Table table) {
            return HeatmapFigure.build(HeatmapFigure.rows(table, languages), this);
        }

        public Figure finetuning(Comparison comparison) {
            return FinetuneFigure.build(comparison, null, this);
        }

        public Figure finetuning(Path runDir) {
            return FinetuneFigure.build(RunFolders.comparison(runDir, languages), RunFolders.name(runDir), this);
        }

        public Figure disparity(Map<String, Report> reportsByModel) {
            return DisparityFigure.build(rowsByModel(reportsByModel, DisparityFigure.NAME), this);
        }

        public Figure fertility(Table fertility, Map<String, Report> reportsByModel) {
            return FertilityFigure.build(fertility, rowsByModel(reportsByModel, FertilityFigure.NAME), this);
        }

        public Figure composition(GlobMedData data) {
            Objects.requireNonNull(data, DatasetFigures.COMPOSITION + ": the data is null");
            return DatasetFigures.composition(data.table(), this);
        }

        public Figure composition(Table items) {
            return DatasetFigures.composition(items, this);
        }

        public Figure lengths(GlobMedData data) {
            Objects.requireNonNull(data, DatasetFigures.LENGTHS + ": the data is null");
            return DatasetFigures.lengths(data.table(), this);
        }

        public Figure lengths(Table items) {
            return DatasetFigures.lengths(items, this);
        }

        public Figure trainingCurves(Path runDir) {
            return TrainingFigure.build(RunLogs.read(runDir, languages), this);
        }

        public TrainingMonitor monitor(Path runDir) {
            return new TrainingMonitor(runDir, this);
        }

        /**
         * The standard set (see {@link Plots#standardSet(List)}), plus the dataset's composition and
         * lengths when {@code data} is given and accuracy against fertility when {@code fertility}
         * is (both may be null).
         */
        public Map<String, Figure> standardSet(List<Path> folders, GlobMedData data, Table fertility) {
            return StandardSet.figures(folders, data, fertility, this);
        }

        private Map<String, List<Accuracies.Row>> rowsByModel(Map<String, Report> reports, String figure) {
            if (reports == null || reports.isEmpty()) {
                throw new IllegalArgumentException(figure + ": no runs given; pass model name -> report,"
                        + " e.g. Map.of(\"model\", results.report())");
            }
            Map<String, List<Accuracies.Row>> rows = new LinkedHashMap<>();
            reports.forEach((model, report) -> {
                if (model == null || model.isBlank()) {
                    throw new IllegalArgumentException(figure + ": a run has no model name");
                }
                rows.put(model, Accuracies.of(report, languages, figure + " (" + model + ")"));
            });
            return rows;
        }
    }
}
