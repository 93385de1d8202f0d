package org.globmed.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.globmed.data.Languages;
import org.globmed.io.AtomicFiles;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * What an evaluation produced: one {@link ItemResult} per item, in item order, as a list, a
 * Tablesaw table and JSON Lines, with the per-language {@link Report} over them.
 */
public final class Results {
    private final List<ItemResult> items;
    private final Languages registry;
    private final String model;
    private final String settings;
    private final int cached;

    Results(List<ItemResult> items, Languages registry, String model, String settings, int cached) {
        this.items = List.copyOf(items);
        this.registry = registry;
        this.model = model;
        this.settings = settings;
        this.cached = cached;
    }

    public List<ItemResult> items() {
        return items;
    }

    /** The model or backend evaluated. */
    public String model() {
        return model;
    }

    /** The prompt and decoding settings of the run (shots, seed, chat, …). */
    /** The language registry the results were read with. */
    public Languages registry() {
        return registry;
    }

    public String settings() {
        return settings;
    }

    /** How many results came from the cache of an earlier run. */
    public int cached() {
        return cached;
    }

    /** Per-language accuracy with 95% Wilson intervals, averages, tier means and disparity measures. */
    public Report report() {
        return Report.of(items, registry);
    }

    /**
     * One row per item: id, language, tier, source, task, mode, gold, prediction, correct,
     * correct_norm, correct_bytes, invalid, margin, f1, rouge_l, latency_ms, error, prompt, output,
     * option_scores (the options' log-likelihoods, "A=-1.23 B=-4.56").
     */
    public Table table() {
        Table t = Table.create("results of " + model);
        StringColumn id = StringColumn.create("id");
        StringColumn language = StringColumn.create("language");
        StringColumn tier = StringColumn.create("tier");
        StringColumn source = StringColumn.create("source");
        StringColumn task = StringColumn.create("task");
        StringColumn mode = StringColumn.create("mode");
        StringColumn gold = StringColumn.create("gold");
        StringColumn prediction = StringColumn.create("prediction");
        BooleanColumn correct = BooleanColumn.create("correct");
        BooleanColumn correctNorm = BooleanColumn.create("correct_norm");
        BooleanColumn correctBytes = BooleanColumn.create("correct_bytes");
        BooleanColumn invalid = BooleanColumn.create("invalid");
        DoubleColumn margin = DoubleColumn.create("margin");
        DoubleColumn f1 = DoubleColumn.create("f1");
        DoubleColumn rouge = DoubleColumn.create("rouge_l");
        DoubleColumn latency = DoubleColumn.create("latency_ms");
        StringColumn error = StringColumn.create("error");
        StringColumn prompt = StringColumn.create("prompt");
        StringColumn output = StringColumn.create("output");
        StringColumn scores = StringColumn.create("option_scores");
        for (ItemResult r : items) {
            id.append(r.id());
            language.append(r.language());
            tier.append(r.tier());
            source.append(r.source());
            task.append(r.task().name());
            mode.append(r.mode());
            gold.append(r.gold());
            prediction.append(r.prediction() == null ? "" : r.prediction());
            correct.append(r.correct());
            appendNullable(correctNorm, r.correctNorm());
            appendNullable(correctBytes, r.correctBytes());
            invalid.append(r.invalid());
            margin.append(r.margin());
            f1.append(r.f1() == null ? Double.NaN : r.f1());
            rouge.append(r.rougeL() == null ? Double.NaN : r.rougeL());
            latency.append(r.latencyMs());
            error.append(r.error() == null ? "" : r.error());
            prompt.append(r.prompt());
            output.append(r.output() == null ? "" : r.output());
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < r.optionScores().size(); i++) {
                s.append(i == 0 ? "" : " ").append(r.optionLabels().get(i)).append('=')
                        .append(String.format(java.util.Locale.ROOT, "%.4f", r.optionScores().get(i)));
            }
            scores.append(s.toString());
        }
        return t.addColumns(id, language, tier, source, task, mode, gold, prediction, correct, correctNorm,
                correctBytes, invalid, margin, f1, rouge, latency, error, prompt, output, scores);
    }

    private static void appendNullable(BooleanColumn column, Boolean value) {
        if (value == null) {
            column.appendMissing();
        } else {
            column.append(value);
        }
    }

    /** Writes the results as JSON Lines (one {@link ItemResult} per line), atomically. */
    public void writeJsonl(Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        for (ItemResult r : items) {
            text.append(ResultCache.JSON.writeValueAsString(r)).append('\n');
        }
        AtomicFiles.write(file, text);
    }

    /**
     * Writes a results folder, as {@code globmed evaluate} does: results.jsonl, the report as text
     * (report.txt), and lm-evaluation-harness's results JSON and samples JSONL described by {@code run}.
     */
    public void save(Path folder, HarnessFormat.RunInfo run) throws IOException {
        Files.createDirectories(folder);
        writeJsonl(folder.resolve("results.jsonl"));
        AtomicFiles.write(folder.resolve("report.txt"), report().printAll() + "\n");
        HarnessFormat.write(items, run, folder);
    }

    /** {@link #save(Path, HarnessFormat.RunInfo)} with this run's model name and settings. */
    public void save(Path folder) throws IOException {
        save(folder, HarnessFormat.RunInfo.of(model, settings));
    }

    /** Reads results written by {@link #writeJsonl}. */
    public static Results readJsonl(Path file, Languages registry) throws IOException {
        List<ItemResult> items = new java.util.ArrayList<>();
        int line = 0;
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            line++;
            if (text.isBlank()) {
                continue;
            }
            try {
                items.add(ResultCache.JSON.readValue(text, ItemResult.class));
            } catch (IOException e) {
                throw new IOException(file + " line " + line + ": not a GlobMed-Bench result (" + e.getMessage()
                        + ")", e);
            }
        }
        return new Results(items, registry, file.getFileName().toString(), "", 0);
    }

    /** The report's HTML, so a results object shows its per-language table in a notebook. */
    public Map<String, Object> mimeBundle() {
        return report().mimeBundle();
    }

    @Override
    public String toString() {
        return "Results(" + model + ", " + items.size() + " items" + (cached > 0 ? ", " + cached + " cached" : "") + ")";
    }
}
