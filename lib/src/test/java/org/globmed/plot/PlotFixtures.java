package org.globmed.plot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.globmed.bench.HarnessFormat;
import org.globmed.bench.ItemResult;
import org.globmed.data.Task;

/** Results and run folders with known numbers, for the figure tests. */
final class PlotFixtures {
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private PlotFixtures() {
    }

    /** An MCQ result of {@code language}; tier null (the registry's). */
    static ItemResult item(String id, String language, String source, boolean correct) {
        return new ItemResult(id, language, null, source, Task.MCQ, ItemResult.LOGLIKELIHOOD, "A", correct ? "A" : "B",
                correct, null, null, List.of("A", "B"), List.of(-1.0, -2.0), 1.0, false, null, null, "prompt", null, 1.0,
                null);
    }

    /**
     * Items with exactly {@code counts.get(code) = {correct, n}} per language; ids
     * {@code MedQA/<lang>/<i>}, the first {@code correct} of each language right.
     */
    static List<ItemResult> items(Map<String, int[]> counts) {
        List<ItemResult> out = new ArrayList<>();
        counts.forEach((code, c) -> {
            for (int i = 0; i < c[1]; i++) {
                out.add(item("MedQA/" + code + "/" + i, code, i % 4 == 0 ? "PubMedQA" : "MedQA", i < c[0]));
            }
        });
        return out;
    }

    /** language -> {correct, n}, in the order given. */
    static Map<String, int[]> counts(Object... codeCorrectN) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (int i = 0; i < codeCorrectN.length; i += 3) {
            m.put((String) codeCorrectN[i], new int[]{(Integer) codeCorrectN[i + 1], (Integer) codeCorrectN[i + 2]});
        }
        return m;
    }

    /** An evaluation results folder as globmed evaluate writes it (results.jsonl and the harness files). */
    static Path evaluation(Path dir, String model, List<ItemResult> items) throws IOException {
        Files.createDirectories(dir);
        StringBuilder text = new StringBuilder();
        for (ItemResult r : items) {
            text.append(JSON.writeValueAsString(r)).append('\n');
        }
        Files.writeString(dir.resolve("results.jsonl"), text, StandardCharsets.UTF_8);
        HarnessFormat.write(items, HarnessFormat.RunInfo.of(model, ""), dir);
        return dir;
    }

    /** train-log.csv with {@code steps} steps (loss 3/step^0.3, a warm-up then linear decay), optionally a cut last line. */
    static String trainLog(int steps, boolean cutLastLine) {
        StringBuilder sb = new StringBuilder("step,epoch,tokens,seconds,loss,learning_rate,grad_norm\n");
        for (int s = 1; s <= steps; s++) {
            sb.append(trainRow(s, steps));
        }
        if (cutLastLine) {
            sb.append(steps + 1).append(",0.9,12");
        }
        return sb.toString();
    }

    static String trainRow(int s, int total) {
        return String.format(Locale.ROOT, "%d,%.4f,%d,%.2f,%.6f,%.6e,%s%n", s, s / (double) total, 2048L * s, 0.5 * s,
                loss(s), rate(s, total), s % 5 == 0 ? "nan" : "1.25");
    }

    static double loss(int step) {
        return 3 / Math.pow(step, 0.3);
    }

    static double rate(int step, int total) {
        return step <= 5 ? 1e-4 * step / 5 : 1e-4 * (total - step) / (total - 5.0);
    }

    /** dev-log.csv rows at the given steps for the languages, accuracy rising by 0.001 per step. */
    static String devLog(int[] steps, String... languages) {
        StringBuilder sb = new StringBuilder("step,language,tier,n,accuracy\n");
        for (int s : steps) {
            for (int i = 0; i < languages.length; i++) {
                String code = languages[i];
                boolean low = List.of("sw", "yo", "ha", "zu").contains(code);
                sb.append(String.format(Locale.ROOT, "%d,%s,%s,40,%.4f%n", s, code, low ? "LOW" : "HIGH",
                        devAccuracy(s, i, low)));
            }
        }
        return sb.toString();
    }

    static double devAccuracy(int step, int index, boolean low) {
        return (low ? 0.2 : 0.5) + 0.01 * index + 0.001 * step;
    }

    /** A training run folder: train-log.csv, dev-log.csv and, when given, before/ and after/ evaluations. */
    static Path trainingRun(Path dir, int steps, List<ItemResult> before, List<ItemResult> after) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train-log.csv"), trainLog(steps, false));
        Files.writeString(dir.resolve("dev-log.csv"), devLog(new int[]{0, steps / 2, steps}, "en", "fr", "sw", "yo"));
        if (before != null) {
            evaluation(dir.resolve("before"), "base", before);
            evaluation(dir.resolve("after"), "tuned", after);
        }
        return dir;
    }
}
