package org.globmed.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed sample in {@code data/} is exactly what {@link SampleCorpus} writes, and it has the
 * shape the project promises: twelve languages, parallel items, enough test items, sound gold answers.
 * Run with {@code -Dglobmed.sample.regenerate=true} to rewrite {@code data/} first.
 */
class SampleCorpusTest {
    /** The test's working directory is the module (lib/), so the repository's data/ is one level up. */
    private static final Path DATA = Path.of("..", "data");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static List<Row> rows;

    /** One item as committed. */
    private record Row(String source, String lang, String split, JsonNode item) {
        String parallelId() {
            return item.path("parallel_id").asText();
        }

        /** The gold answer whatever the task: letter, decision or label. */
        String gold() {
            return switch (source) {
                case SampleCorpus.MEDQA -> item.path("answer_idx").asText();
                case SampleCorpus.PUBMEDQA -> item.path("final_decision").asText();
                default -> item.path("label").asText();
            };
        }
    }

    @TempDir
    Path tmp;

    @BeforeAll
    static void regenerateWhenAskedThenRead() throws IOException {
        if (Boolean.getBoolean("globmed.sample.regenerate")) {
            SampleCorpus.Summary summary = SampleCorpus.write(DATA);
            System.out.println("Wrote " + summary.total() + " items to " + DATA.toAbsolutePath().normalize()
                    + "\n" + summary.markdownTable());
        }
        rows = new ArrayList<>();
        for (String source : SampleCorpus.SOURCES) {
            for (String lang : SampleCorpus.LANGUAGES) {
                for (String split : SampleCorpus.SPLITS) {
                    Path file = DATA.resolve(source).resolve(lang).resolve(split + ".json");
                    JsonNode array = JSON.readTree(file.toFile());
                    assertTrue(array.isArray(), file + " is a JSON array");
                    array.forEach(item -> rows.add(new Row(source, lang, split, item)));
                }
            }
        }
    }

    @Test
    void regeneratingGivesTheCommittedBytes() throws IOException {
        SampleCorpus.Summary summary = SampleCorpus.write(tmp);
        Map<String, Path> written = files(tmp);
        Map<String, Path> committed = files(DATA);
        assertEquals(written.keySet(), committed.keySet(), "the generated files and the files in data/");
        for (Map.Entry<String, Path> e : written.entrySet()) {
            byte[] expected = Files.readAllBytes(e.getValue());
            assertArrayEquals(expected, Files.readAllBytes(committed.get(e.getKey())),
                    e.getKey() + " differs from the generator's output; regenerate with -Dglobmed.sample.regenerate=true");
            assertFalse(new String(expected, StandardCharsets.UTF_8).startsWith("\uFEFF"), e.getKey() + " has a BOM");
            assertFalse(new String(expected, StandardCharsets.UTF_8).contains("\r"), e.getKey() + " has CR line ends");
        }
        assertEquals(rows.size(), summary.total());
        String readme = Files.readString(DATA.resolve("README.md"));
        assertTrue(readme.contains(summary.markdownTable()),
                "data/README.md should contain the current counts table:\n" + summary.markdownTable());
        assertArrayEquals(Files.readAllBytes(written.values().iterator().next()),
                Files.readAllBytes(files(writeAgain()).values().iterator().next()), "a second run writes the same bytes");
    }

    @Test
    void twelveLanguagesAtLeastFourOfThemLowResourceAndEnoughTestItems() {
        Set<String> languages = new TreeSet<>();
        rows.forEach(r -> languages.add(r.lang()));
        assertEquals(12, languages.size(), languages.toString());
        for (String source : SampleCorpus.SOURCES) {
            try (Stream<Path> dirs = Files.list(DATA.resolve(source))) {
                assertEquals(languages, new TreeSet<>(dirs.map(p -> p.getFileName().toString()).toList()), source);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long low = languages.stream().filter(l -> Languages.defaults().get(l).tier() == Tier.LOW).count();
        assertTrue(low >= 4, "low-resource languages: " + low);
        for (String lang : languages) {
            long test = rows.stream().filter(r -> r.lang().equals(lang) && r.split().equals("test")).count();
            assertTrue(test >= 150, lang + " has " + test + " test items");
        }
    }

    @Test
    void everyParallelItemIsInEveryLanguageWithTheSameSplitAndGold() {
        Map<String, Map<String, Row>> byParallelId = new TreeMap<>();
        for (Row r : rows) {
            Row before = byParallelId.computeIfAbsent(r.parallelId(), k -> new HashMap<>()).put(r.lang(), r);
            assertEquals(null, before, r.parallelId() + " appears twice in " + r.lang());
        }
        for (Map.Entry<String, Map<String, Row>> e : byParallelId.entrySet()) {
            Map<String, Row> versions = e.getValue();
            assertEquals(new TreeSet<>(SampleCorpus.LANGUAGES), new TreeSet<>(versions.keySet()), e.getKey());
            Row en = versions.get("en");
            for (Row r : versions.values()) {
                assertEquals(en.source(), r.source(), e.getKey());
                assertEquals(en.split(), r.split(), e.getKey() + " split in " + r.lang());
                assertEquals(en.gold(), r.gold(), e.getKey() + " gold in " + r.lang());
            }
        }
    }

    @Test
    void multipleChoiceGoldIsTheGoldOptionAndOptionsAreDistinct() {
        Map<String, Integer> letters = new TreeMap<>();
        for (Row r : rows) {
            if (!r.source().equals(SampleCorpus.MEDQA)) {
                continue;
            }
            JsonNode options = r.item().path("options");
            assertEquals(List.of("A", "B", "C", "D"), fieldNames(options), r.item().path("id").asText());
            Set<String> texts = new HashSet<>();
            options.forEach(o -> texts.add(o.asText()));
            assertEquals(4, texts.size(), "options of " + r.item().path("id").asText() + ": " + options);
            String letter = r.item().path("answer_idx").asText();
            assertEquals(options.path(letter).asText(), r.item().path("answer").asText(), r.item().path("id").asText());
            assertFalse(r.item().path("question").asText().isBlank());
            assertFalse(r.item().path("explanation").asText().isBlank());
            if (r.lang().equals("en") && r.split().equals("test")) {
                letters.merge(letter, 1, Integer::sum);
            }
        }
        assertEquals(4, letters.size(), "gold letters in the test split: " + letters);
        letters.values().forEach(n -> assertTrue(n >= 20 && n <= 30, "gold letters in the test split: " + letters));
    }

    @Test
    void labelsAreTheSourcesOwnAndEveryLabelOccursInTest() {
        Map<String, Set<String>> testLabels = new TreeMap<>();
        for (Row r : rows) {
            if (r.source().equals(SampleCorpus.MEDQA)) {
                continue;
            }
            Set<String> allowed = r.source().equals(SampleCorpus.PUBMEDQA) ? Set.of("yes", "no", "maybe")
                    : Set.of("entailment", "contradiction");
            assertTrue(allowed.contains(r.gold()), r.item().toString());
            for (String field : r.source().equals(SampleCorpus.PUBMEDQA) ? List.of("question", "context")
                    : List.of("premise", "hypothesis")) {
                assertFalse(r.item().path(field).asText().isBlank(), field + " of " + r.item().path("id"));
            }
            if (r.split().equals("test")) {
                testLabels.computeIfAbsent(r.source(), k -> new TreeSet<>()).add(r.gold());
            }
        }
        assertEquals(Set.of("yes", "no", "maybe"), testLabels.get(SampleCorpus.PUBMEDQA));
        assertEquals(Set.of("entailment", "contradiction"), testLabels.get(SampleCorpus.BIONLI));
    }

    @Test
    void splitsAreDisjointAndIdsAreUniqueAndStable() {
        Map<String, String> splitOf = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (Row r : rows) {
            String before = splitOf.putIfAbsent(r.parallelId(), r.split());
            if (before != null) {
                assertEquals(before, r.split(), r.parallelId() + " is in both train and test");
            }
            String id = r.item().path("id").asText();
            assertTrue(ids.add(id), "duplicate id " + id);
            assertEquals(r.parallelId() + "-" + r.lang(), id);
            String prefix = r.source().substring("GlobMed_".length());
            assertTrue(r.parallelId().matches(prefix + "-\\d{4}"), r.parallelId());
        }
    }

    @Test
    void finishingContractsArticlesJoinsZuluVowelsAndCapitalises() {
        assertEquals("La cause du choléra est Vibrio cholerae.",
                SampleCorpus.finish("fr", "la cause de le choléra est Vibrio cholerae."));
        assertEquals("Associée aux taches", SampleCorpus.finish("fr", "associée à les taches"));
        assertEquals("El vector del dengue", SampleCorpus.finish("es", "el vector de el dengue"));
        assertEquals("Die Hauptfunktion vom Sinusknoten", SampleCorpus.finish("de", "die Hauptfunktion von dem Sinusknoten"));
        assertEquals("Umsebenzi wesifo, we-retina, wamangqamuzana, ngukuthwala",
                SampleCorpus.finish("zu", "umsebenzi wa+isifo, wa+i-retina, wa+amangqamuzana, ngu+ukuthwala"));
        assertEquals("علامة مميزة للحصبة ولالتهاب السحايا",
                SampleCorpus.finish("ar", "علامة مميزة ل+الحصبة ول+التهاب السحايا"));
        assertEquals("¿Qué enfermedad?", SampleCorpus.finish("es", "¿qué enfermedad?"));
        assertEquals("Ẹ̀fọn", SampleCorpus.capitalise("ẹ̀fọn"));
        assertEquals("维生素C", SampleCorpus.capitalise("维生素C"));
        assertEquals("", SampleCorpus.capitalise(""));
    }

    private Path writeAgain() throws IOException {
        Path again = tmp.resolve("again");
        SampleCorpus.write(again);
        return again;
    }

    /** The sample's JSON files under {@code root}, by path relative to it (the README and other files aside). */
    private static Map<String, Path> files(Path root) throws IOException {
        Map<String, Path> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (rel.startsWith("GlobMed_")) {
                    files.put(rel, p);
                }
            });
        }
        return files;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
