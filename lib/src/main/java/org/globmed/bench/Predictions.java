package org.globmed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.globmed.data.GlobMedData;
import org.globmed.data.Item;

/**
 * Predictions made elsewhere (published outputs of other models), read into results so they are
 * analysed, compared and plotted like the project's own.
 *
 * <p>Formats: JSON Lines with an {@code id} and either a {@code prediction} (an option letter, or
 * the answer text for open questions) or {@code scores} (option letter → score, the highest wins);
 * or CSV with a header holding {@code id} and {@code prediction}. Ids are GlobMed item ids. Every
 * evaluated item gets a result: one without a prediction is an error entry ("no prediction"),
 * and predictions for ids not in the selection are counted, not dropped silently.
 */
public final class Predictions {
    private Predictions() {
    }

    /** What a predictions file gave for a selection. */
    public record Imported(Results results, int unmatched) {
    }

    /** Reads {@code file} and scores its predictions against the {@code split} items of {@code data}. */
    public static Imported read(Path file, GlobMedData data, String split) throws IOException {
        Map<String, Answer> answers = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")
                ? csv(file) : jsonl(file);
        List<Item> items = data.splits(split).items();
        if (items.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate: the selection has no items in split '" + split + "'");
        }
        Set<String> wanted = new java.util.HashSet<>();
        List<ItemResult> results = new ArrayList<>();
        for (Item item : items) {
            wanted.add(item.id());
            results.add(result(item, answers.get(item.id()), data, file));
        }
        int unmatched = (int) answers.keySet().stream().filter(id -> !wanted.contains(id)).count();
        return new Imported(new Results(results, data.registry(), file.getFileName().toString(), "imported", 0),
                unmatched);
    }

    private record Answer(String prediction, Map<String, Double> scores) {
    }

    private static ItemResult result(Item item, Answer answer, GlobMedData data, Path file) {
        String tier = data.registry().get(item.language()).tier().name();
        String gold = item.task().isChoice() ? item.goldLabel() : item.goldText();
        if (answer == null) {
            return new ItemResult(item.id(), item.language(), tier, item.source(), item.task(), "imported", gold, null,
                    false, null, null, List.of(), List.of(), Double.NaN, false, null, null, "", null, 0,
                    "no prediction for this item in " + file.getFileName());
        }
        if (!item.task().isChoice()) {
            String text = answer.prediction() == null ? "" : answer.prediction();
            return new ItemResult(item.id(), item.language(), tier, item.source(), item.task(), "imported", gold, text,
                    false, null, null, List.of(), List.of(), Double.NaN, false,
                    TextMetrics.tokenF1(text, item.goldText(), item.language()),
                    TextMetrics.rougeL(text, item.goldText(), item.language()), "", text, 0, null);
        }
        List<String> labels = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        String prediction;
        double margin = Double.NaN;
        if (answer.scores() != null) {
            String best = null;
            for (int i = 0; i < item.options().size(); i++) {
                String label = org.globmed.data.Answers.label(i);
                labels.add(label);
                double s = answer.scores().getOrDefault(label, Double.NEGATIVE_INFINITY);
                scores.add(s);
                if (best == null || s > answer.scores().getOrDefault(best, Double.NEGATIVE_INFINITY)) {
                    best = label;
                }
            }
            prediction = best;
            List<Double> sorted = scores.stream().sorted(java.util.Comparator.reverseOrder()).toList();
            margin = sorted.size() > 1 ? sorted.get(0) - sorted.get(1) : Double.NaN;
        } else {
            prediction = AnswerExtractor.defaults().extract(item, answer.prediction()).orElse(null);
        }
        return new ItemResult(item.id(), item.language(), tier, item.source(), item.task(), "imported", gold, prediction,
                gold.equals(prediction), null, null, labels, scores, margin, prediction == null, null, null, "",
                answer.prediction(), 0, null);
    }

    private static Map<String, Answer> jsonl(Path file) throws IOException {
        Map<String, Answer> out = new LinkedHashMap<>();
        int line = 0;
        for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            line++;
            if (text.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = ResultCache.JSON.readTree(text);
            } catch (IOException e) {
                throw new IOException(file + " line " + line + ": malformed JSON; expected one object per line with"
                        + " \"id\" and \"prediction\" or \"scores\"", e);
            }
            JsonNode id = node.get("id");
            if (id == null || !id.isTextual()) {
                throw new IOException(file + " line " + line + ": field \"id\" missing or not a string");
            }
            JsonNode prediction = node.get("prediction");
            JsonNode scores = node.get("scores");
            if ((prediction == null || prediction.isNull()) && (scores == null || !scores.isObject())) {
                throw new IOException(file + " line " + line + ": expected \"prediction\" (a string) or \"scores\""
                        + " (an object of option letter to number)");
            }
            Map<String, Double> map = null;
            if (scores != null && scores.isObject()) {
                map = new HashMap<>();
                for (Map.Entry<String, JsonNode> e : scores.properties()) {
                    if (!e.getValue().isNumber()) {
                        throw new IOException(file + " line " + line + ": scores." + e.getKey() + " is not a number");
                    }
                    map.put(e.getKey().strip().toUpperCase(Locale.ROOT), e.getValue().asDouble());
                }
            }
            if (out.put(id.asText(), new Answer(prediction == null ? null : prediction.asText(), map)) != null) {
                throw new IOException(file + " line " + line + ": a second prediction for id '" + id.asText() + "'");
            }
        }
        return out;
    }

    private static Map<String, Answer> csv(Path file) throws IOException {
        CsvParserSettings settings = new CsvParserSettings();
        settings.setHeaderExtractionEnabled(false);
        settings.setLineSeparatorDetectionEnabled(true);
        List<String[]> rows;
        try (java.io.Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            rows = new CsvParser(settings).parseAll(in);
        }
        if (rows.isEmpty()) {
            throw new IOException(file + ": empty; expected a header with id and prediction");
        }
        List<String> header = java.util.Arrays.asList(rows.get(0));
        int id = header.indexOf("id");
        int prediction = header.indexOf("prediction");
        if (id < 0 || prediction < 0) {
            throw new IOException(file + " line 1: the header " + header + " needs columns id and prediction");
        }
        Map<String, Answer> out = new LinkedHashMap<>();
        for (int i = 1; i < rows.size(); i++) {
            String[] cells = rows.get(i);
            if (cells.length <= Math.max(id, prediction) || cells[id] == null) {
                throw new IOException(file + " record " + (i + 1) + ": " + cells.length + " cells; expected "
                        + header.size() + " with an id");
            }
            String text = cells[prediction] == null ? "" : cells[prediction];
            if (out.put(cells[id], new Answer(text, null)) != null) {
                throw new IOException(file + " record " + (i + 1) + ": a second prediction for id '" + cells[id] + "'");
            }
        }
        return out;
    }
}
