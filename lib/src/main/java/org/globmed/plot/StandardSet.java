package org.globmed.plot;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.globmed.bench.Report;
import org.globmed.data.GlobMedData;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * The figures {@code globmed figures} writes, by file name (without extension):
 * <ul>
 *   <li>{@code accuracy-<model>} for every evaluation, including a training run's before and after;</li>
 *   <li>{@code heatmap} and {@code disparity} across all evaluations;</li>
 *   <li>{@code training-<run>} for every training run, and {@code finetuning-<run>} when it has
 *       {@code before/} and {@code after/};</li>
 *   <li>{@code fertility} when a fertility table is given, {@code composition} and {@code lengths}
 *       when data is given.</li>
 * </ul>
 */
final class StandardSet {
    private StandardSet() {
    }

    static Map<String, Figure> figures(List<Path> folders, GlobMedData data, Table fertility, Plots.Options options) {
        RunFolders.Found found = RunFolders.find(folders);
        Map<String, Report> reports = new LinkedHashMap<>();
        Map<String, Path> sources = new LinkedHashMap<>();
        for (Path dir : found.evaluations()) {
            add(reports, sources, RunFolders.model(dir), dir, options);
        }
        for (Path run : found.trainings()) {
            if (RunFolders.hasBeforeAndAfter(run)) {
                String name = RunFolders.name(run);
                add(reports, sources, name + " before", run.resolve(RunFolders.BEFORE), options);
                add(reports, sources, name + " after", run.resolve(RunFolders.AFTER), options);
            }
        }
        Map<String, Figure> figures = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        reports.forEach((model, report) -> put(figures, names, "accuracy-" + Text.slug(model),
                () -> options.title("Accuracy by language — " + model).accuracy(report), sources.get(model)));
        if (!reports.isEmpty()) {
            put(figures, names, "heatmap", () -> options.heatmap(reports), null);
            put(figures, names, "disparity", () -> options.disparity(reports), null);
            if (fertility != null) {
                put(figures, names, "fertility", () -> options.fertility(fertility, reports), null);
            }
        }
        for (Path run : found.trainings()) {
            String name = Text.slug(RunFolders.name(run));
            put(figures, names, "training-" + name, () -> options.trainingCurves(run), run);
            if (RunFolders.hasBeforeAndAfter(run)) {
                put(figures, names, "finetuning-" + name, () -> options.finetuning(run), run);
            }
        }
        if (data != null) {
            put(figures, names, "composition", () -> options.composition(data), null);
            put(figures, names, "lengths", () -> options.lengths(data), null);
        }
        return figures;
    }

    private static void add(Map<String, Report> reports, Map<String, Path> sources, String model, Path dir,
                            Plots.Options options) {
        String name = model;
        for (int i = 2; reports.containsKey(name); i++) {
            name = model + " (" + i + ")"; // two folders of the same model: keep both
        }
        try {
            reports.put(name, Report.of(RunFolders.results(dir, options.registry()), options.registry()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
        sources.put(name, dir);
    }

    private static void put(Map<String, Figure> figures, Set<String> names, String name,
                            java.util.function.Supplier<Figure> figure, Path source) {
        String unique = name;
        for (int i = 2; !names.add(unique); i++) {
            unique = name + "-" + i;
        }
        try {
            figures.put(unique, figure.get());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((source == null ? "" : source + ": ") + e.getMessage(), e);
        }
    }
}
