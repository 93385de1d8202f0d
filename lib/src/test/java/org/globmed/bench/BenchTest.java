package org.globmed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.globmed.data.GlobMed;
import org.globmed.data.GlobMedData;
import org.globmed.data.Task;
import org.globmed.model.LanguageModel;
import org.globmed.model.ModelConfig;
import org.globmed.model.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GlobMed-Bench end to end on the bundled sample with a tiny random model. */
class BenchTest {
    static LanguageModel model;
    static GlobMedData sample;
    /** Two languages, three sources, a fifth of the parallel groups: 64 test items (a test runs in seconds). */
    static GlobMedData selection;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws IOException {
        model = Models.loader().device(Device.cpu()).config(ModelConfig.tinyQwen3(300)).seed(5).create();
        sample = GlobMed.load();
        selection = sample.languages("en", "sw").filter(i -> Math.floorMod(i.parallelGroup().hashCode(), 5) == 0);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    /** Results without their latencies, which differ between runs. */
    static List<ItemResult> timeless(List<ItemResult> results) {
        return results.stream().map(r -> new ItemResult(r.id(), r.language(), r.tier(), r.source(), r.task(), r.mode(),
                r.gold(), r.prediction(), r.correct(), r.correctNorm(), r.correctBytes(), r.optionLabels(),
                r.optionScores(), r.margin(), r.invalid(), r.f1(), r.rougeL(), r.prompt(), r.output(), 0, r.error()))
                .toList();
    }

    private static Bench.Builder bench() {
        return Bench.builder().model(model).progress(p -> { });
    }

    @Test
    void everyTestItemGetsAScoredResultWithItsPrompt() {
        Results results = bench().evaluate(selection);
        int n = selection.splits("test").size();
        assertEquals(n, results.items().size());
        for (ItemResult r : results.items()) {
            assertEquals(ItemResult.LOGLIKELIHOOD, r.mode());
            assertNotNull(r.prediction());
            assertEquals(r.optionLabels().size(), r.optionScores().size());
            assertTrue(r.prompt().endsWith(r.language().equals("sw") ? "Jibu:" : "Answer:"), r.prompt());
            assertEquals(r.gold().equals(r.prediction()), r.correct());
            assertTrue(r.margin() >= 0);
        }
        ItemResult yesNo = results.items().stream().filter(r -> r.task() == Task.YES_NO_MAYBE && r.language().equals("sw"))
                .findFirst().orElseThrow();
        assertTrue(yesNo.prompt().contains("A. ndiyo"), yesNo.prompt()); // options in the item's language
        Report report = results.report();
        assertEquals(2, report.languages().rowCount());
        assertEquals(n, report.summary().items());
    }

    @Test
    void theSameRunGivesTheSameResultsAndTheBatchSizeChangesNoPrediction() {
        List<ItemResult> a = Bench.builder().batchSize(1).model(model).progress(p -> { }).evaluate(selection.languages("en"))
                .items();
        List<ItemResult> b = Bench.builder().batchSize(8).model(model).progress(p -> { }).evaluate(selection.languages("en"))
                .items();
        List<ItemResult> c = Bench.builder().batchSize(8).model(model).progress(p -> { }).evaluate(selection.languages("en"))
                .items();
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).prediction(), b.get(i).prediction(), a.get(i).id());
            assertEquals(b.get(i).optionScores(), c.get(i).optionScores(), a.get(i).id());
        }
    }

    @Test
    void aKilledRunResumesFromItsCacheAndEndsIdentical() throws IOException {
        List<ItemResult> whole = bench().evaluate(selection).items();
        Path cache = dir.resolve("run");
        AtomicInteger events = new AtomicInteger();
        RuntimeException stop = new RuntimeException("stopped");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> Bench.builder().model(model).cache(cache)
                .progress(p -> {
                    if (events.incrementAndGet() == 2) {
                        throw stop; // the run dies after its first chunk was written
                    }
                }).evaluate(selection));
        assertEquals(stop, thrown);
        long lines = Files.readAllLines(cache.resolve(ResultCache.FILE)).size();
        assertEquals(Bench.CHUNK_ITEMS, lines);
        List<Progress> seen = new ArrayList<>();
        Results resumed = Bench.builder().model(model).cache(cache).progress(seen::add).evaluate(selection);
        assertEquals(Bench.CHUNK_ITEMS, resumed.cached());
        assertEquals(Bench.CHUNK_ITEMS, seen.get(0).done());
        assertEquals(timeless(whole), timeless(resumed.items()));
        Results again = Bench.builder().model(model).cache(cache).progress(p -> { }).evaluate(selection);
        assertEquals(whole.size(), again.cached());
        assertEquals(timeless(whole), timeless(again.items()));
    }

    @Test
    void anotherModelOrPromptNeverReusesTheCache() throws IOException {
        Path cache = dir.resolve("run");
        bench().cache(cache).evaluate(selection.languages("en"));
        try (LanguageModel other = Models.loader().device(Device.cpu()).config(ModelConfig.tinyQwen3(300)).seed(6)
                .create()) {
            Results r = Bench.builder().model(other).cache(cache).progress(p -> { }).evaluate(selection.languages("en"));
            assertEquals(0, r.cached());
        }
        Results shots = bench().cache(cache).shots(2).evaluate(selection.languages("en"));
        assertEquals(0, shots.cached());
        Results same = bench().cache(cache).evaluate(selection.languages("en"));
        assertEquals(selection.languages("en").splits("test").size(), same.cached());
    }

    @Test
    void kShotPromptsDrawSolvedTrainItemsOfTheSameLanguageAndSource() {
        Results r = bench().shots(3).evaluate(selection.languages("sw").sources("MedQA"));
        for (ItemResult item : r.items()) {
            assertEquals(4, item.prompt().split("Jibu:", -1).length - 1, item.prompt()); // three solved + the item
        }
        Results again = bench().shots(3).evaluate(selection.languages("sw").sources("MedQA"));
        assertEquals(r.items().get(0).prompt(), again.items().get(0).prompt());
        Results otherSeed = bench().shots(3).seed(99).evaluate(selection.languages("sw").sources("MedQA"));
        assertFalse(r.items().get(0).prompt().equals(otherSeed.items().get(0).prompt()));
    }

    @Test
    void generativeModeExtractsAnswersAndCountsTheUnextractable() {
        Results r = bench().generative(true).evaluate(selection.languages("en").sources("MedQA"));
        assertEquals(selection.languages("en").sources("MedQA").splits("test").size(), r.items().size());
        for (ItemResult item : r.items()) {
            assertEquals(ItemResult.GENERATE, item.mode());
            assertNotNull(item.output());
            assertEquals(item.prediction() == null, item.invalid());
            assertFalse(item.invalid() && item.correct());
        }
    }

    @Test
    void importedPredictionsAreScoredAndMissingOnesAreErrorEntries() throws IOException {
        GlobMedData en = selection.languages("en").sources("MedQA");
        List<String> lines = new ArrayList<>();
        List<org.globmed.data.Item> items = en.splits("test").items();
        for (int i = 0; i < items.size() - 2; i++) {
            org.globmed.data.Item item = items.get(i);
            lines.add(i % 2 == 0 ? "{\"id\": \"" + item.id() + "\", \"prediction\": \"(" + item.goldLabel() + ")\"}"
                    : "{\"id\": \"" + item.id() + "\", \"scores\": {\"A\": -3.0, \"B\": -1.0, \"C\": -2.0, \"D\": -4.0}}");
        }
        lines.add("{\"id\": \"MedQA/en/not-an-item\", \"prediction\": \"A\"}");
        Path file = dir.resolve("predictions.jsonl");
        Files.write(file, lines);
        Predictions.Imported imported = Predictions.read(file, en, "test");
        assertEquals(1, imported.unmatched());
        List<ItemResult> results = imported.results().items();
        assertEquals(items.size(), results.size());
        assertEquals(2, results.stream().filter(ItemResult::failed).count());
        assertTrue(results.get(0).correct());
        assertEquals("B", results.get(1).prediction());
        assertEquals(1.0, results.get(1).margin(), 1e-12);
        assertTrue(results.get(items.size() - 1).error().contains("no prediction"));
    }

    @Test
    void anEmptySelectionIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bench().split("validation").evaluate(selection));
        assertTrue(e.getMessage().contains("no items in split 'validation'"), e.getMessage());
    }

    @Test
    void resultsRoundTripThroughJsonLines() throws IOException {
        Results r = bench().evaluate(selection.languages("en").sources("PubMedQA"));
        Path file = dir.resolve("results.jsonl");
        r.writeJsonl(file);
        assertEquals(r.items(), Results.readJsonl(file, sample.registry()).items());
        assertEquals(r.items().size(), r.table().rowCount());
    }
}
