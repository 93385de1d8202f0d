package org.globmed.plot;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.globmed.bench.Comparison;
import org.globmed.bench.HarnessFormat;
import org.globmed.bench.ItemResult;
import org.globmed.bench.Results;
import org.globmed.data.Languages;

/**
 * Result folders on disk. An evaluation results folder is what {@code globmed evaluate --out}
 * writes: {@code results.jsonl} (one result per item), {@code report.txt} and the
 * lm-evaluation-harness files ({@code results_<date>.json} names the model); a folder of harness
 * files alone ({@code samples_<task>_<date>.jsonl}) is read too. A training run
 * folder has {@code train-log.csv}, maybe {@code dev-log.csv}, and {@code before/} and
 * {@code after/} evaluation folders when the run evaluated.
 */
final class RunFolders {
    static final String RESULTS = "results.jsonl";
    static final String BEFORE = "before";
    static final String AFTER = "after";

    /** Evaluation and training folders found among the ones given. */
    record Found(List<Path> evaluations, List<Path> trainings) {
    }

    private RunFolders() {
    }

    static boolean isEvaluation(Path dir) {
        return Files.isRegularFile(dir.resolve(RESULTS)) || hasSamples(dir);
    }

    private static boolean hasSamples(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("samples_.*\\.jsonl"));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isTraining(Path dir) {
        return Files.isRegularFile(dir.resolve(RunLogs.TRAIN));
    }

    /**
     * Sorts {@code folders} into evaluation and training folders; a folder that is neither is
     * searched one level down (a folder of runs). A folder with nothing in it is an error.
     */
    static Found find(List<Path> folders) {
        if (folders == null || folders.isEmpty()) {
            throw new IllegalArgumentException("no result folders given: pass evaluation results folders (globmed"
                    + " evaluate --out) or training run folders (with train-log.csv), or a folder holding them");
        }
        List<Path> evaluations = new ArrayList<>();
        List<Path> trainings = new ArrayList<>();
        for (Path dir : folders) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + " is not a folder; expected an evaluation results folder"
                        + " (with " + RESULTS + ") or a training run folder (with " + RunLogs.TRAIN + ")");
            }
            if (classify(dir, evaluations, trainings)) {
                continue;
            }
            boolean any = false;
            try (Stream<Path> children = Files.list(dir)) {
                for (Path child : children.filter(Files::isDirectory).sorted().toList()) {
                    any |= classify(child, evaluations, trainings);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            if (!any) {
                throw new IllegalArgumentException(dir + " holds no results: neither it nor a folder in it has "
                        + RESULTS + " (an evaluation, globmed evaluate --out) or " + RunLogs.TRAIN
                        + " (a training run)");
            }
        }
        return new Found(evaluations, trainings);
    }

    private static boolean classify(Path dir, List<Path> evaluations, List<Path> trainings) {
        if (isTraining(dir)) {
            trainings.add(dir);
            return true;
        }
        if (isEvaluation(dir)) {
            evaluations.add(dir);
            return true;
        }
        return false;
    }

    /**
     * The per-item results of an evaluation folder: results.jsonl, else its harness samples files;
     * an error naming the folder when it has neither or they are empty.
     */
    static List<ItemResult> results(Path dir, Languages registry) {
        Path file = dir.resolve(RESULTS);
        List<ItemResult> items;
        if (Files.isRegularFile(file)) {
            try {
                items = Results.readJsonl(file, registry).items();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        } else if (hasSamples(dir)) {
            items = HarnessFormat.readSamples(dir);
        } else {
            throw new IllegalArgumentException(dir + " is not an evaluation results folder: it has no " + RESULTS
                    + " (globmed evaluate --out DIR writes one) and no lm-evaluation-harness samples_*.jsonl");
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException(dir + " has no results (" + (Files.isRegularFile(file) ? RESULTS
                    + " is empty" : "its samples files are empty") + "): nothing to plot");
        }
        return items;
    }

    /** The model an evaluation folder names in its harness results file, else the folder's name. */
    static String model(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            Path newest = files.filter(f -> f.getFileName().toString().matches("results_.*\\.json"))
                    .max(Comparator.comparing(f -> f.getFileName().toString())).orElse(null);
            if (newest != null) {
                JsonNode root = JsonFigure.JSON.readTree(newest.toFile());
                String name = root.path("model_name").asText("");
                if (!name.isBlank()) {
                    return name;
                }
            }
        } catch (IOException e) {
            // unreadable harness file: fall back to the folder's name
        }
        return name(dir);
    }

    /** The name of a run folder: its last path element. */
    static String name(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        return abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
    }

    /** The comparison of a training run's {@code before/} and {@code after/} evaluations. */
    static Comparison comparison(Path runDir, Languages registry) {
        if (runDir == null) {
            throw new IllegalArgumentException(FinetuneFigure.NAME + ": the run folder is null");
        }
        List<String> missing = Stream.of(BEFORE, AFTER).filter(s -> !isEvaluation(runDir.resolve(s))).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(FinetuneFigure.NAME + ": " + runDir + " lacks the evaluation folder"
                    + (missing.size() == 1 ? " " : "s ") + String.join(" and ", missing.stream().map(m -> m + "/")
                    .toList()) + " (each with " + RESULTS + " or harness samples files): the run did not evaluate"
                    + " before and after training");
        }
        List<ItemResult> before = results(runDir.resolve(BEFORE), registry);
        List<ItemResult> after = results(runDir.resolve(AFTER), registry);
        try {
            return Comparison.of(before, after, registry);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(FinetuneFigure.NAME + ": " + runDir + ": " + e.getMessage(), e);
        }
    }

    static boolean hasBeforeAndAfter(Path runDir) {
        return isEvaluation(runDir.resolve(BEFORE)) && isEvaluation(runDir.resolve(AFTER));
    }
}
