package org.globmed.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusGeneratorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = 7;
    private static final int SMALL = 2_400;

    @TempDir
    static Path shared;
    private static Path corpus;
    private static CorpusGenerator.Summary summary;

    @BeforeAll
    static void writeTheSharedCorpus() throws IOException {
        corpus = shared.resolve("small");
        summary = CorpusGenerator.generate(corpus, SMALL, SEED);
    }

    private static Path file(Path dir, String source, String lang, String split) {
        return dir.resolve("GlobMed_" + source).resolve(lang).resolve(split + ".json");
    }

    private static List<JsonNode> rows(Path dir, String source, String lang, String split) {
        Path f = file(dir, source, lang, split);
        try {
            JsonNode root = JSON.readTree(f.toFile());
            assertTrue(root.isArray(), f + " is not a JSON array");
            List<JsonNode> rows = new ArrayList<>();
            root.forEach(rows::add);
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(f + " does not parse: " + e.getMessage(), e);
        }
    }

    /** Every row of a source in every language and split. */
    private static List<JsonNode> allRows(Path dir, String source) {
        List<JsonNode> all = new ArrayList<>();
        for (String lang : CorpusGenerator.LANGUAGES) {
            for (String split : CorpusGenerator.SPLITS) {
                all.addAll(rows(dir, source, lang, split));
            }
        }
        return all;
    }

    private static Set<String> fieldNames(JsonNode row) {
        Set<String> names = new HashSet<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static long totalRows(Path dir) {
        long n = 0;
        for (String source : CorpusGenerator.sources()) {
            n += allRows(dir, source).size();
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------
    // sizes

    @Test
    void anAwkwardTotalIsWrittenExactly() throws IOException {
        Path dir = shared.resolve("awkward");
        CorpusGenerator.Summary s = CorpusGenerator.generate(dir, 1_237, SEED);
        assertEquals(1_237, s.entries());
        assertEquals(1_237, s.perSource().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(1_237, totalRows(dir));
        assertEquals(10 * 12 * 2, s.files());
        long bytes;
        try (Stream<Path> files = Files.walk(dir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertEquals(bytes, s.bytes());
        for (String source : CorpusGenerator.sources()) {
            assertEquals(s.perSource().get(source).longValue(), allRows(dir, source).size(), source);
        }
    }

    @Test
    void theSharedCorpusHasEveryRowItsSummaryCounts() {
        assertEquals(SMALL, summary.entries());
        assertEquals(SMALL, totalRows(corpus));
        assertEquals(CorpusGenerator.sources(), List.copyOf(summary.perSource().keySet()));
    }

    @Test
    void sourcesGetTheirPublishedShareAndTheTotalIsExact() {
        double[] published = {229, 200, 87.6, 81.6, 19.9, 12.5, 12.4, 11.2, 10, 1.9};
        double sum = 666.1;
        for (long n : new long[] {0, 1, 11, 1_237, 2_400, 600_000, 1_000_003}) {
            long[] counts = CorpusGenerator.apportion(n);
            assertEquals(n, java.util.Arrays.stream(counts).sum(), "total for " + n);
            for (int i = 0; i < counts.length; i++) {
                assertTrue(Math.abs(counts[i] - n * published[i] / sum) < 1.0,
                        CorpusGenerator.sources().get(i) + " gets " + counts[i] + " of " + n);
            }
        }
        assertEquals(206_275, CorpusGenerator.apportion(600_000)[0]);
    }

    @Test
    void languagesShareASourceEquallyAndTestIsATenth() {
        for (String source : CorpusGenerator.sources()) {
            Map<String, Integer> train = new HashMap<>();
            Set<Integer> test = new HashSet<>();
            for (String lang : CorpusGenerator.LANGUAGES) {
                train.put(lang, rows(corpus, source, lang, "train").size());
                test.add(rows(corpus, source, lang, "test").size());
            }
            int min = train.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
            int max = train.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(max - min <= 1, source + " train rows per language " + train);
            assertEquals(1, test.size(), source + " test rows per language " + test);
            int t = test.iterator().next();
            assertEquals(Math.round((min + t) / 10.0), t, source + ": " + t + " test rows of " + (min + t));
        }
    }

    @Test
    void negativeTotalsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CorpusGenerator.generate(shared.resolve("never"), -1, SEED));
        assertEquals("entries must be 0 or more, not -1", e.getMessage());
    }

    @Test
    void anEmptyCorpusStillHasEveryFileAsAnEmptyArray() throws IOException {
        Path dir = shared.resolve("empty");
        CorpusGenerator.Summary s = CorpusGenerator.generate(dir, 0, SEED);
        assertEquals(240, s.files());
        assertEquals(0, totalRows(dir));
    }

    // ---------------------------------------------------------------------------------------------
    // layout and formats

    @Test
    void everySourceLanguageAndSplitFileExistsAsAJsonArrayAndNoTemporaryFileRemains() throws IOException {
        for (String source : CorpusGenerator.sources()) {
            for (String lang : CorpusGenerator.LANGUAGES) {
                for (String split : CorpusGenerator.SPLITS) {
                    assertTrue(Files.isRegularFile(file(corpus, source, lang, split)), source + "/" + lang + "/" + split);
                    rows(corpus, source, lang, split);
                }
            }
        }
        try (Stream<Path> files = Files.walk(corpus)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertEquals(240, all.size(), "files besides the splits: " + all);
        }
    }

    @Test
    void medQaHasFiveLetteredOptionsAndTheGoldText() {
        for (JsonNode row : allRows(corpus, "MedQA")) {
            assertEquals(Set.of("question", "options", "answer_idx", "answer"), fieldNames(row));
            JsonNode options = row.get("options");
            assertEquals(Set.of("A", "B", "C", "D", "E"), fieldNames(options));
            String gold = row.get("answer_idx").asText();
            assertTrue(options.has(gold), gold);
            assertEquals(options.get(gold).asText(), row.get("answer").asText());
            assertFalse(row.get("question").asText().isBlank());
        }
    }

    @Test
    void medMcqaHasFourOptionsAZeroBasedCopAndAnExplanation() {
        Pattern uuid = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        for (JsonNode row : allRows(corpus, "MedMCQA")) {
            assertEquals(Set.of("id", "question", "opa", "opb", "opc", "opd", "cop", "exp"), fieldNames(row));
            assertTrue(uuid.matcher(row.get("id").asText()).matches(), row.get("id").asText());
            assertTrue(row.get("cop").isInt());
            int cop = row.get("cop").asInt();
            assertTrue(cop >= 0 && cop <= 3, "cop " + cop);
            for (String f : List.of("opa", "opb", "opc", "opd", "exp")) {
                assertFalse(row.get(f).asText().isBlank(), f);
            }
        }
    }

    @Test
    void headQaAnswersCarryAidsAndRaIsOneOfThem() {
        Set<Integer> sizes = new HashSet<>();
        for (JsonNode row : allRows(corpus, "HeadQA")) {
            assertEquals(Set.of("qid", "qtext", "answers", "ra"), fieldNames(row));
            assertTrue(row.get("qid").isIntegralNumber());
            JsonNode answers = row.get("answers");
            sizes.add(answers.size());
            Set<Integer> aids = new HashSet<>();
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(Set.of("aid", "atext"), fieldNames(answers.get(i)));
                assertEquals(i + 1, answers.get(i).get("aid").asInt());
                aids.add(answers.get(i).get("aid").asInt());
            }
            assertTrue(aids.contains(row.get("ra").asInt()), "ra " + row.get("ra") + " not in " + aids);
        }
        assertEquals(Set.of(4, 5), sizes);
    }

    @Test
    void mmluProHasTenOptionsAndALetterMatchingItsIndex() {
        for (JsonNode row : allRows(corpus, "MMLU-Pro")) {
            assertEquals(Set.of("question_id", "question", "options", "answer", "answer_index", "cot_content"),
                    fieldNames(row));
            assertEquals(10, row.get("options").size());
            int index = row.get("answer_index").asInt();
            assertEquals(String.valueOf((char) ('A' + index)), row.get("answer").asText());
            assertEquals("", row.get("cot_content").asText());
        }
    }

    @Test
    void medExpQaHasNumberedOptionsAndAnExplanation() {
        for (JsonNode row : allRows(corpus, "MedExpQA")) {
            assertEquals(Set.of("full_question", "options", "correct_option", "full_answer"), fieldNames(row));
            assertEquals(Set.of("1", "2", "3", "4"), fieldNames(row.get("options")));
            assertTrue(row.get("correct_option").isInt());
            int correct = row.get("correct_option").asInt();
            assertTrue(correct >= 1 && correct <= 4, "correct_option " + correct);
            assertFalse(row.get("full_answer").asText().isBlank());
        }
    }

    @Test
    void pubMedQaBioNliAndTheOpenSourcesUseTheirFields() {
        Set<String> decisions = new HashSet<>();
        for (JsonNode row : allRows(corpus, "PubMedQA")) {
            assertEquals(Set.of("question", "context", "long_answer", "final_decision"), fieldNames(row));
            decisions.add(row.get("final_decision").asText());
        }
        assertEquals(Set.of("yes", "no", "maybe"), decisions);
        Set<String> labels = new HashSet<>();
        for (JsonNode row : allRows(corpus, "BioNLI")) {
            assertEquals(Set.of("premise", "hypothesis", "label"), fieldNames(row));
            labels.add(row.get("label").asText());
        }
        assertEquals(Set.of("entailment", "contradiction"), labels);
        for (String source : List.of("LiveQA", "ExpertQA-Med", "ExpertQA-Bio")) {
            for (JsonNode row : allRows(corpus, source)) {
                assertEquals(Set.of("question", "answer"), fieldNames(row), source);
                assertFalse(row.get("answer").asText().isBlank(), source);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // parallel rows, ids

    /** What must be the same for row i in every language: gold answers, labels, ids, option counts. */
    private static final Map<String, Function<JsonNode, String>> STRUCTURE = Map.of(
            "MedQA", r -> r.get("answer_idx").asText(),
            "MedMCQA", r -> r.get("id").asText() + r.get("cop").asText(),
            "HeadQA", r -> r.get("qid").asText() + "/" + r.get("answers").size() + "/" + r.get("ra").asText(),
            "MMLU-Pro", r -> r.get("question_id").asText() + "/" + r.get("answer").asText(),
            "MedExpQA", r -> r.get("correct_option").asText(),
            "PubMedQA", r -> r.get("final_decision").asText(),
            "BioNLI", r -> r.get("label").asText());

    @Test
    void rowIOfASplitIsTheSameItemInEveryLanguage() {
        for (Map.Entry<String, Function<JsonNode, String>> e : STRUCTURE.entrySet()) {
            for (String split : CorpusGenerator.SPLITS) {
                List<JsonNode> en = rows(corpus, e.getKey(), "en", split);
                for (String lang : CorpusGenerator.LANGUAGES) {
                    List<JsonNode> other = rows(corpus, e.getKey(), lang, split);
                    for (int i = 0; i < Math.min(en.size(), other.size()); i++) {
                        assertEquals(e.getValue().apply(en.get(i)), e.getValue().apply(other.get(i)),
                                e.getKey() + "/" + lang + "/" + split + " row " + i);
                    }
                }
            }
        }
    }

    @Test
    void idsAreUniqueWithinASourceAcrossSplits() {
        Map<String, String> idField = Map.of("HeadQA", "qid", "MMLU-Pro", "question_id", "MedMCQA", "id");
        for (Map.Entry<String, String> e : idField.entrySet()) {
            for (String lang : CorpusGenerator.LANGUAGES) {
                Set<String> ids = new HashSet<>();
                int n = 0;
                for (String split : CorpusGenerator.SPLITS) {
                    for (JsonNode row : rows(corpus, e.getKey(), lang, split)) {
                        ids.add(row.get(e.getValue()).asText());
                        n++;
                    }
                }
                assertEquals(n, ids.size(), e.getKey() + "/" + lang + " has repeated " + e.getValue());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // determinism

    private static Map<Path, byte[]> contents(Path dir) throws IOException {
        Map<Path, byte[]> out = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOtherBytes() throws IOException {
        Path a = shared.resolve("seed-a");
        Path b = shared.resolve("seed-b");
        Path c = shared.resolve("seed-c");
        CorpusGenerator.generate(a, 1_237, 42);
        CorpusGenerator.generate(b, 1_237, 42);
        CorpusGenerator.generate(c, 1_237, 43);
        Map<Path, byte[]> first = contents(a);
        Map<Path, byte[]> second = contents(b);
        assertEquals(first.keySet(), second.keySet());
        for (Path p : first.keySet()) {
            assertArrayEquals(first.get(p), second.get(p), p.toString());
        }
        Map<Path, byte[]> other = contents(c);
        Path medQa = Path.of("GlobMed_MedQA", "en", "train.json");
        assertFalse(java.util.Arrays.equals(first.get(medQa), other.get(medQa)));
        // writing again over an existing corpus replaces it in place
        CorpusGenerator.generate(b, 1_237, 43);
        assertArrayEquals(other.get(medQa), Files.readAllBytes(b.resolve(medQa)));
        assertEquals(240, contents(b).size());
    }

    // ---------------------------------------------------------------------------------------------
    // text

    private static double meanWords(Path dir, String source, String field) {
        List<JsonNode> rows = new ArrayList<>();
        for (String split : CorpusGenerator.SPLITS) {
            rows.addAll(rows(dir, source, "en", split));
        }
        return rows.stream().mapToInt(r -> r.get(field).asText().split(" ").length).average().orElseThrow();
    }

    @Test
    void lengthsFollowTheSourcesOrdering() throws IOException {
        // a larger corpus, so even MMLU-Pro and MedExpQA have a few hundred rows
        Path dir = shared.resolve("lengths");
        CorpusGenerator.Summary s = CorpusGenerator.generate(dir, 24_000, SEED);
        double medQa = meanWords(dir, "MedQA", "question");
        double mmlu = meanWords(dir, "MMLU-Pro", "question");
        double medExp = meanWords(dir, "MedExpQA", "full_question");
        double headQa = meanWords(dir, "HeadQA", "qtext");
        double medMcqa = meanWords(dir, "MedMCQA", "question");
        assertTrue(medQa > medExp && medExp > mmlu && mmlu > headQa && headQa > medMcqa,
                "MedQA " + medQa + " > MedExpQA " + medExp + " > MMLU-Pro " + mmlu + " > HeadQA " + headQa
                        + " > MedMCQA " + medMcqa);
        assertEquals(115, medQa, 115 * 0.1);
        assertEquals(13, medMcqa, 13 * 0.15);
        assertTrue(meanWords(dir, "BioNLI", "premise") > 4 * meanWords(dir, "BioNLI", "hypothesis"));
        double context = meanWords(dir, "PubMedQA", "context");
        double longAnswer = meanWords(dir, "PubMedQA", "long_answer");
        double question = meanWords(dir, "PubMedQA", "question");
        assertTrue(context > longAnswer && longAnswer > question, context + " > " + longAnswer + " > " + question);
        assertTrue(meanWords(dir, "ExpertQA-Med", "answer") > 4 * meanWords(dir, "ExpertQA-Med", "question"));
        assertTrue(meanWords(dir, "LiveQA", "answer") > meanWords(dir, "LiveQA", "question"));
        double perEntry = (double) s.bytes() / s.entries();
        assertTrue(perEntry > 1_200 && perEntry < 1_600, perEntry + " bytes per entry");
    }

    private static List<String> texts(String source, String lang, String... fields) {
        List<String> out = new ArrayList<>();
        for (String split : CorpusGenerator.SPLITS) {
            for (JsonNode row : rows(corpus, source, lang, split)) {
                for (String f : fields) {
                    out.add(row.get(f).asText());
                }
            }
        }
        return out;
    }

    @Test
    void chineseAndJapaneseHaveNoSpacesAndEveryLanguageItsScript() {
        for (String lang : List.of("zh", "ja")) {
            for (String t : texts("MedQA", lang, "question")) {
                assertFalse(t.contains(" "), lang + " text with a space: " + t);
                assertTrue(t.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN), t);
            }
            for (String t : texts("MedQA", lang, "answer")) {
                assertFalse(t.contains(" "), lang + " option with a space: " + t);
            }
            for (String t : texts("BioNLI", lang, "premise")) {
                assertFalse(t.contains(" "), lang + " text with a space: " + t);
            }
        }
        assertTrue(texts("MedQA", "ja", "question").stream().allMatch(t -> t.codePoints()
                .anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HIRAGANA)));
        Map<String, Character.UnicodeScript> scripts = Map.of("ar", Character.UnicodeScript.ARABIC,
                "hi", Character.UnicodeScript.DEVANAGARI, "en", Character.UnicodeScript.LATIN,
                "yo", Character.UnicodeScript.LATIN);
        for (Map.Entry<String, Character.UnicodeScript> e : scripts.entrySet()) {
            for (String t : texts("PubMedQA", e.getKey(), "context")) {
                assertTrue(t.contains(" "), e.getKey());
                long letters = t.codePoints().filter(Character::isLetter).count();
                long inScript = t.codePoints().filter(Character::isLetter)
                        .filter(c -> Character.UnicodeScript.of(c) == e.getValue()).count();
                assertEquals(letters, inScript, e.getKey() + ": letters outside " + e.getValue() + " in " + t);
            }
        }
        // each language's own letters show up: Yoruba's dotted vowels, German's umlauts and ß, Hausa's hooked letters
        assertTrue(String.join("", texts("MedQA", "yo", "question")).matches("(?s).*[ẹọṣ].*"));
        assertTrue(String.join("", texts("MedQA", "de", "question")).matches("(?s).*[äöüß].*"));
        assertTrue(String.join("", texts("MedQA", "ha", "question")).matches("(?s).*[ɓɗƙƴ].*"));
        assertFalse(String.join("", texts("MedQA", "en", "question")).matches("(?s).*[^\\x20-\\x7E].*"));
    }

    @Test
    void questionsEndWithTheLanguagesQuestionMark() {
        Map<String, String> marks = Map.of("en", "?", "zh", "？", "ja", "？", "ar", "؟", "hi", "?");
        for (Map.Entry<String, String> e : marks.entrySet()) {
            for (String t : texts("MedQA", e.getKey(), "question")) {
                assertTrue(t.endsWith(e.getValue()), e.getKey() + ": " + t);
            }
        }
        Iterator<String> hi = texts("BioNLI", "hi", "premise").iterator();
        assertTrue(hi.next().endsWith("।"));
    }
}
