package org.globmed.plot;

import static org.globmed.plot.PlotFixtures.counts;
import static org.globmed.plot.PlotFixtures.items;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.globmed.data.GlobMed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.plotly.components.Figure;

class StandardSetTest {
    @TempDir
    Path root;

    @Test
    void evaluationAndTrainingFoldersGiveTheStandardFigures() throws Exception {
        PlotFixtures.evaluation(root.resolve("runs/eval-1"), "Qwen3-1.7B",
                items(counts("en", 6, 10, "fr", 5, 10, "sw", 2, 10)));
        PlotFixtures.evaluation(root.resolve("runs/eval-2"), "Qwen3-1.7B",
                items(counts("en", 7, 10, "fr", 5, 10, "sw", 3, 10)));
        PlotFixtures.trainingRun(root.resolve("runs/sft"), 12, items(counts("en", 6, 10, "sw", 2, 10)),
                items(counts("en", 7, 10, "sw", 5, 10)));
        PlotFixtures.trainingRun(root.resolve("live"), 4, null, null);
        Map<String, Figure> figures = Plots.options().standardSet(List.of(root.resolve("runs"), root.resolve("live")),
                GlobMed.load().languages("en", "sw"), null);
        assertEquals(List.of("accuracy-Qwen3-1.7B", "accuracy-Qwen3-1.7B-2", "accuracy-sft-before", "accuracy-sft-after",
                "heatmap", "disparity", "training-sft", "finetuning-sft", "training-live", "composition", "lengths"),
                List.copyOf(figures.keySet()));
        // The model name comes from the harness results file; two folders of one model stay apart.
        assertEquals(List.of("sft after", "Qwen3-1.7B (2)", "Qwen3-1.7B", "sft before"),
                PlotsTest.strings(PlotsTest.data(figures.get("heatmap")).get(0).get("y")));
        assertTrue(PlotsTest.layout(figures.get("accuracy-Qwen3-1.7B")).at("/title/text").asText()
                .startsWith("Accuracy by language — Qwen3-1.7B<br>"));
    }

    @Test
    void aFolderOfHarnessSamplesIsAnEvaluationToo() throws Exception {
        Path dir = root.resolve("harness-only");
        org.globmed.bench.HarnessFormat.write(items(counts("en", 6, 10, "sw", 2, 10)),
                org.globmed.bench.HarnessFormat.RunInfo.of("harness-model", ""), dir);
        Map<String, Figure> figures = Plots.standardSet(List.of(dir));
        assertEquals(List.of("accuracy-harness-model", "heatmap", "disparity"), List.copyOf(figures.keySet()));
        assertEquals(List.of(0.6, 0.2), PlotsTest.doubles(PlotsTest.data(figures.get("heatmap")).get(0).get("z").get(0)));
    }

    @Test
    void foldersWithoutResultsAreErrorsNamingThem() throws Exception {
        Files.createDirectories(root.resolve("empty/inner"));
        String m = assertThrows(IllegalArgumentException.class, () -> Plots.standardSet(List.of(root.resolve("empty"))))
                .getMessage();
        assertTrue(m.contains("empty holds no results") && m.contains("results.jsonl") && m.contains("train-log.csv"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Plots.standardSet(List.of(root.resolve("missing"))))
                .getMessage();
        assertTrue(m.contains("missing is not a folder"), m);
        Path one = PlotFixtures.evaluation(root.resolve("one-language"), "m", items(counts("sw", 2, 10)));
        m = assertThrows(IllegalArgumentException.class, () -> Plots.standardSet(List.of(one))).getMessage();
        assertTrue(m.startsWith(one.toString()) && m.contains("only 'sw'"), m);
        Path run = PlotFixtures.trainingRun(root.resolve("half"), 4, null, null);
        PlotFixtures.evaluation(run.resolve("before"), "m", items(counts("en", 2, 10, "sw", 1, 10)));
        m = assertThrows(IllegalArgumentException.class, () -> Plots.finetuning(run)).getMessage();
        assertTrue(m.contains("lacks the evaluation folder after/"), m);
    }
}
