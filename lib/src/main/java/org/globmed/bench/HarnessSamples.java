package org.globmed.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Task;

/** Reads harness samples files back into {@link ItemResult}s: {@link HarnessFormat#readSamples}. */
final class HarnessSamples {
    private HarnessSamples() {
    }

    /** See {@link HarnessFormat#readSamples}. */
    static List<ItemResult> read(Path fileOrDir) {
        if (!Files.isDirectory(fileOrDir)) {
            return readSamplesFile(fileOrDir);
        }
        Map<String, Path> newest = new TreeMap<>();
        try (Stream<Path> files = Files.list(fileOrDir)) {
            files.filter(p -> HarnessFormat.SAMPLES_FILE.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .forEach(p -> {
                        Matcher m = HarnessFormat.SAMPLES_FILE.matcher(p.getFileName().toString());
                        m.matches();
                        newest.merge(m.group(1), p, (a, b) -> stamp(a).compareTo(stamp(b)) >= 0 ? a : b);
                    });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + fileOrDir + ": " + e.getMessage(), e);
        }
        if (newest.isEmpty()) {
            throw new IllegalArgumentException(fileOrDir + " has no samples_<task>_<date>.jsonl files");
        }
        List<ItemResult> out = new ArrayList<>();
        newest.values().forEach(p -> out.addAll(readSamplesFile(p)));
        return out;
    }

    private static String stamp(Path p) {
        Matcher m = HarnessFormat.SAMPLES_FILE.matcher(p.getFileName().toString());
        return m.matches() ? m.group(2) : "";
    }

    private static List<ItemResult> readSamplesFile(Path file) {
        String fileName = file.getFileName().toString();
        Matcher m = HarnessFormat.SAMPLES_FILE.matcher(fileName);
        String task = m.matches() ? m.group(1)
                : fileName.replaceFirst("\\.jsonl?$", "").replaceFirst("^samples_", "");
        List<ItemResult> out = new ArrayList<>();
        String filter = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode s;
                try {
                    s = HarnessFormat.JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new HarnessFormat.MalformedFileException(file, number, null,
                            "is not JSON: " + e.getOriginalMessage());
                }
                if (!s.isObject()) {
                    throw new HarnessFormat.MalformedFileException(file, number, null, "must be a JSON object, not " + HarnessFormat.kind(s));
                }
                String f = s.path("filter").asText(null);
                if (filter == null) {
                    filter = f;
                } else if (f != null && !f.equals(filter)) {
                    continue;
                }
                out.add(new SampleLine(file, number, task, s).item());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** One line of a samples file, read into an {@link ItemResult}; errors name the file, line and field. */
    private record SampleLine(Path file, int line, String task, JsonNode s) {
        ItemResult item() {
            int docId = integer("doc_id", required("doc_id"));
            JsonNode doc = required("doc");
            if (!doc.isObject()) {
                throw bad("doc", "must be an object, not " + HarnessFormat.kind(doc));
            }
            List<List<JsonNode>> requests = requests(required("arguments"));
            JsonNode filtered = required("filtered_resps");
            if (!filtered.isArray()) {
                throw bad("filtered_resps", "must be a list, not " + HarnessFormat.kind(filtered));
            }
            JsonNode extra = s.path(HarnessFormat.EXTRA);

            String mode = text(extra.get("mode"));
            if (mode == null) {
                boolean pairs = !filtered.isEmpty() ? filtered.get(0).isArray()
                        : !requests.isEmpty() && requests.get(0).size() > 1 && requests.get(0).get(1).isTextual();
                mode = pairs ? ItemResult.LOGLIKELIHOOD : ItemResult.GENERATE;
            }
            boolean scored = ItemResult.LOGLIKELIHOOD.equals(mode);
            String prompt = requests.isEmpty() ? null : text(requests.get(0).get(0));
            String target = text(s.get("target"));
            String error = text(extra.get("error"));

            List<Double> scores = new ArrayList<>();
            String output = null;
            if (scored) {
                for (int i = 0; i < filtered.size(); i++) {
                    JsonNode pair = filtered.get(i);
                    Double ll = pair.isArray() && !pair.isEmpty() ? parseDouble(pair.get(0)) : null;
                    if (ll == null) {
                        throw bad("filtered_resps[" + i + "]", "must be [loglikelihood, is_greedy], not " + pair);
                    }
                    scores.add(ll);
                }
            } else {
                JsonNode first = s.path("resps").path(0);
                output = text(first.isArray() ? first.get(0) : first);
                if (output == null && !filtered.isEmpty()) {
                    output = text(filtered.get(0));
                }
            }

            List<String> labels = new ArrayList<>();
            JsonNode options = doc.get("options");
            if (options != null && options.isArray()) {
                options.forEach(o -> labels.add(o.asText()));
            } else if (scored) {
                int count = Math.max(scores.size(), requests.size());
                for (int i = 0; i < count; i++) {
                    labels.add(letter(i));
                }
            }
            int goldIndex = scored ? goldIndex(target, labels, requests) : -1;
            String gold = text(doc.get("gold"));
            if (gold == null) {
                gold = goldIndex >= 0 && goldIndex < labels.size() ? labels.get(goldIndex) : target;
            }

            int best = argmax(scores);
            String prediction;
            if (extra.has("prediction")) {
                prediction = text(extra.get("prediction"));
            } else if (scored) {
                prediction = best >= 0 && best < labels.size() ? labels.get(best) : null;
            } else {
                prediction = filtered.isEmpty() ? null : text(filtered.get(0));
            }
            Boolean acc = flag("acc");
            if (acc == null) {
                acc = flag("exact_match");
            }
            boolean correct = acc != null ? acc
                    : scored ? best >= 0 && best == goldIndex : prediction != null && prediction.equals(gold);
            // A failed item's metrics were written as 0 for the harness's sake; it has none.
            boolean failed = error != null;
            Boolean correctNorm = failed ? null : flag("acc_norm");
            Boolean correctBytes = failed ? null : flag("acc_bytes");
            Double f1 = failed ? null : metric("f1");
            Double rougeL = failed ? null : metric("rougeL");

            String language = text(doc.get("language"));
            if (language == null) {
                language = text(doc.get("lang"));
            }
            Language known = null;
            if (language == null) {
                String suffix = task.substring(task.lastIndexOf('_') + 1);
                known = Registry.LANGUAGES.find(suffix).orElse(null);
                language = known == null ? "und" : known.code();
            } else {
                known = Registry.LANGUAGES.find(language).orElse(null);
            }
            String tier = doc.has("tier") ? text(doc.get("tier")) : known == null ? null : known.tier().name();
            String source = doc.has("source") ? text(doc.get("source")) : task;
            Task itemTask = taskOf(text(doc.get("task")), scored, labels);
            String id = text(doc.get("id"));
            if (id == null) {
                id = task + "/" + docId;
            }
            double margin = Double.NaN;
            if (scores.size() >= 2) {
                List<Double> sorted = scores.stream().sorted(Comparator.reverseOrder()).toList();
                margin = sorted.get(0) - sorted.get(1);
            }
            double latency = extra.path("latency_ms").isNumber() ? extra.get("latency_ms").asDouble() : Double.NaN;
            boolean invalid = extra.path("invalid").asBoolean(false);
            return new ItemResult(id, language, tier, source, itemTask, mode, gold, prediction, correct, correctNorm,
                    correctBytes, labels, scores, margin, invalid, f1, rougeL, prompt, output, latency, error);
        }

        private JsonNode required(String field) {
            JsonNode v = s.get(field);
            if (v == null) {
                throw bad(field, "is missing: not an lm-evaluation-harness samples line");
            }
            return v;
        }

        private HarnessFormat.MalformedFileException bad(String field, String problem) {
            return new HarnessFormat.MalformedFileException(file, line, field, problem);
        }

        private int integer(String field, JsonNode v) {
            if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
                throw bad(field, "must be an integer, not " + v);
            }
            return v.asInt();
        }

        /** Per request, its arguments: {"gen_args_0": {"arg_0": ...}} as the harness writes it, or a plain list. */
        private List<List<JsonNode>> requests(JsonNode arguments) {
            List<List<JsonNode>> out = new ArrayList<>();
            if (arguments.isArray()) {
                for (int i = 0; i < arguments.size(); i++) {
                    JsonNode a = arguments.get(i);
                    if (!a.isArray() || a.isEmpty()) {
                        throw bad("arguments[" + i + "]", "must be a non-empty list, not " + a);
                    }
                    List<JsonNode> args = new ArrayList<>();
                    a.forEach(args::add);
                    out.add(args);
                }
                return out;
            }
            if (!arguments.isObject()) {
                throw bad("arguments", "must be an object of gen_args_<i>, not " + HarnessFormat.kind(arguments));
            }
            for (int i = 0; arguments.has("gen_args_" + i); i++) {
                JsonNode a = arguments.get("gen_args_" + i);
                if (!a.isObject() || !a.has("arg_0")) {
                    throw bad("arguments.gen_args_" + i, "must be an object of arg_<j> with arg_0, not " + a);
                }
                List<JsonNode> args = new ArrayList<>();
                for (int j = 0; a.has("arg_" + j); j++) {
                    args.add(a.get("arg_" + j));
                }
                out.add(args);
            }
            return out;
        }

        private Double metric(String name) {
            JsonNode v = s.get(name);
            if (v == null || v.isNull()) {
                return null;
            }
            if (v.isBoolean()) {
                return v.asBoolean() ? 1.0 : 0.0;
            }
            if (!v.isNumber()) {
                // The harness logs some metrics per sample as pairs to aggregate later (f1 of a choice task).
                if (v.isArray()) {
                    return null;
                }
                throw bad(name, "must be a number, not " + v);
            }
            return v.asDouble();
        }

        private Boolean flag(String name) {
            Double v = metric(name);
            return v == null ? null : v > 0.5;
        }
    }

    /** The language registry, loaded on first read rather than by every writer. */
    private static final class Registry {
        static final Languages LANGUAGES = Languages.defaults();
    }

    /** The gold option's index: a number (the harness's usual target), a label, or an option's continuation. */
    private static int goldIndex(String target, List<String> labels, List<List<JsonNode>> requests) {
        if (target == null) {
            return -1;
        }
        String t = target.trim();
        if (t.matches("\\d{1,9}")) {
            int i = Integer.parseInt(t);
            return i < Math.max(labels.size(), requests.size()) ? i : -1;
        }
        int i = labels.indexOf(t);
        if (i >= 0) {
            return i;
        }
        for (int j = 0; j < requests.size(); j++) {
            List<JsonNode> r = requests.get(j);
            if (r.size() > 1 && r.get(1).isTextual() && r.get(1).asText().trim().equals(t)) {
                return j;
            }
        }
        return -1;
    }

    private static Task taskOf(String name, boolean scored, List<String> labels) {
        if (name != null) {
            for (Task t : Task.values()) {
                if (t.name().equals(name)) {
                    return t;
                }
            }
        }
        return scored || !labels.isEmpty() ? Task.MCQ : Task.OPEN_QA;
    }

    private static int argmax(List<Double> scores) {
        int best = -1;
        for (int i = 0; i < scores.size(); i++) {
            if (best < 0 || scores.get(i) > scores.get(best)) {
                best = i;
            }
        }
        return best;
    }

    private static String letter(int i) {
        return i < 26 ? String.valueOf((char) ('A' + i)) : String.valueOf(i + 1);
    }

    private static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode() || v.isContainerNode()) {
            return null;
        }
        return v.asText();
    }

    /** A log-likelihood as the harness logs it: a number, or its Python repr as a string. */
    private static Double parseDouble(JsonNode v) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            String t = v.asText().trim();
            switch (t) {
                case "nan":
                    return Double.NaN;
                case "inf":
                    return Double.POSITIVE_INFINITY;
                case "-inf":
                    return Double.NEGATIVE_INFINITY;
                default:
                    try {
                        return Double.parseDouble(t);
                    } catch (NumberFormatException e) {
                        return null;
                    }
            }
        }
        return null;
    }
}
