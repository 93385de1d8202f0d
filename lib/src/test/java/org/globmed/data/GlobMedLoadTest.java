package org.globmed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Every source variant the adapters detect, the layouts, filters and the table views. */
class GlobMedLoadTest {
    @TempDir
    Path root;

    static Path write(Path root, String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private List<Item> items(Path path) throws IOException {
        return GlobMed.load(path).items();
    }

    @Test
    void medQaResolvesEveryAnswerFormToTheSameGold() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", """
                [{"question": "Q1", "options": {"A": "a", "B": "b", "C": "c", "D": "d"}, "answer_idx": "C", "answer": "c"},
                 {"question": "Q2", "options": {"A": "a", "B": "b", "C": "c", "D": "d"}, "answer": "c"},
                 {"question": "Q3", "options": {"A": "a", "B": "b", "C": "c", "D": "d"}, "answer_idx": "(C)"},
                 {"question": "Q4", "options": {"A": "a", "B": "b", "C": "c", "D": "d"}, "answer": "C"},
                 {"question": "Q5", "options": {"A": "a", "B": "b", "C": "c", "D": "d"}, "answer_idx": 3,
                  "explanation": "because"}]
                """);
        List<Item> items = items(root);
        assertEquals(5, items.size());
        for (Item item : items) {
            assertEquals(Task.MCQ, item.task());
            assertEquals(2, item.goldIndex(), item.question());
            assertEquals("C", item.goldLabel());
            assertEquals("c", item.goldText());
            assertEquals(List.of("a", "b", "c", "d"), item.options());
        }
        Item first = items.get(0);
        assertEquals("MedQA/en/test/0", first.id());
        assertEquals("MedQA/test/0", first.parallelGroup());
        assertEquals("because", items.get(4).explanation());
        assertNull(first.explanation());
    }

    @Test
    void medMcqaCopBaseIsDecidedPerFile() throws IOException {
        String zeroBased = """
                [{"id": "u1", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 0, "exp": "e"},
                 {"id": "u2", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 2}]
                """;
        String oneBased = """
                [{"id": "u1", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 4},
                 {"id": "u2", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 2}]
                """;
        write(root, "GlobMed_MedMCQA/en/train.json", zeroBased);
        write(root, "GlobMed_MedMCQA/fr/train.json", oneBased);
        List<Item> items = items(root);
        assertEquals(List.of("A", "C", "D", "B"), items.stream().map(Item::goldLabel).toList());
        assertEquals("MedMCQA/en/u1", items.get(0).id());
        assertEquals("MedMCQA/u1", items.get(0).parallelGroup());
        assertEquals(items.get(0).parallelGroup(), items.get(2).parallelGroup(), "translations keep the source id");
        assertEquals("e", items.get(0).explanation());
        StringColumn groups = GlobMed.load(root).table().stringColumn("parallel_group");
        assertSame(groups.get(0), groups.get(2), "a group is one string in every language");
    }

    @Test
    void aFileMixingMedMcqaWithOtherRecordsKeepsRecordOrder() throws IOException {
        // MedMCQA records wait for the end of the file (its cop base); the others do not.
        write(root, "GlobMed_Mixed/en/test.json", """
                [{"question": "Q0", "options": {"A": "a", "B": "b"}, "answer_idx": "B"},
                 {"id": "m1", "question": "Q1", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 4},
                 {"question": "Q2", "options": {"A": "a", "B": "b"}, "answer_idx": "A"},
                 {"id": "m3", "question": "Q3", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 1}]
                """);
        List<Item> streamed = new ArrayList<>();
        GlobMed.loader().forEach(root, streamed::add);
        List<Item> items = items(root);
        assertEquals(streamed, items);
        assertEquals(List.of("Q0", "Q1", "Q2", "Q3"), items.stream().map(Item::question).toList());
        assertEquals(List.of("Mixed/en/test/0", "Mixed/en/m1", "Mixed/en/test/2", "Mixed/en/m3"),
                items.stream().map(Item::id).toList());
        assertEquals(List.of("B", "D", "A", "A"), items.stream().map(Item::goldLabel).toList(), "cop counts from 1");
    }

    @Test
    void headQaMmluProAndMedExpQa() throws IOException {
        write(root, "GlobMed_HeadQA/es/test.json", """
                [{"qid": 7, "qtext": "Q", "ra": 3, "answers": [{"aid": 1, "atext": "a"}, {"aid": 2, "atext": "b"},
                  {"aid": 3, "atext": "c"}, {"aid": 4, "atext": "d"}]}]
                """);
        write(root, "GlobMed_MMLU-Pro/es/test.json", """
                [{"question_id": 70, "question": "Q", "options": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
                  "answer": "J", "answer_index": 9, "cot_content": ""}]
                """);
        write(root, "GlobMed_MedExpQA/es/test.json", """
                [{"full_question": "Q", "options": {"1": "a", "2": "b", "3": "c", "4": "d"}, "correct_option": 2,
                  "full_answer": "why"}]
                """);
        List<Item> items = items(root);
        Item headQa = items.stream().filter(i -> i.source().equals("HeadQA")).findFirst().orElseThrow();
        assertEquals("C", headQa.goldLabel());
        assertEquals("HeadQA/es/7", headQa.id());
        Item mmlu = items.stream().filter(i -> i.source().equals("MMLU-Pro")).findFirst().orElseThrow();
        assertEquals(10, mmlu.options().size());
        assertEquals("j", mmlu.goldText());
        assertNull(mmlu.explanation(), "an empty cot_content is no explanation");
        Item medExp = items.stream().filter(i -> i.source().equals("MedExpQA")).findFirst().orElseThrow();
        assertEquals("B", medExp.goldLabel());
        assertEquals("why", medExp.explanation());
    }

    @Test
    void pubMedQaBioNliAndOpenQa() throws IOException {
        write(root, "GlobMed_PubMedQA/de/test.json", """
                [{"question": "Q?", "context": {"contexts": ["one", "two"]}, "final_decision": "Maybe",
                  "long_answer": "la"},
                 {"question": "Q2?", "context": "plain", "final_decision": "no"}]
                """);
        write(root, "GlobMed_BioNLI/de/test.jsonl", """
                {"premise": "p", "hypothesis": "h", "label": "contradiction"}
                {"premise": "p2", "hypothesis": "h2", "label": "entailment"}
                """);
        write(root, "GlobMed_LiveQA/de/test.json", "[{\"question\": \"q\", \"answer\": \"a\"}]");
        write(root, "GlobMed_ExpertQA-Med/de/test.json", "[{\"question\": \"q\", \"answer\": \"long a\"}]");
        GlobMedData data = GlobMed.load(root);
        List<Item> items = data.items();
        Item pubmed = items.stream().filter(i -> i.source().equals("PubMedQA")).findFirst().orElseThrow();
        assertEquals(Task.YES_NO_MAYBE, pubmed.task());
        assertEquals("one\ntwo", pubmed.context());
        assertEquals(List.of("yes", "no", "maybe"), pubmed.options());
        assertEquals("maybe", pubmed.goldText());
        assertEquals("la", pubmed.explanation());
        List<Item> nli = items.stream().filter(i -> i.task() == Task.NLI).toList();
        assertEquals(List.of("entailment", "contradiction"), nli.get(0).options(), "BioNLI is binary");
        assertEquals(List.of(1, 0), nli.stream().map(Item::goldIndex).toList());
        assertEquals("BioNLI/de/test/1", nli.get(1).id(), "JSON Lines index records by line");
        assertEquals(Task.OPEN_QA, items.stream().filter(i -> i.source().equals("LiveQA")).findFirst()
                .orElseThrow().task());
        Item expert = items.stream().filter(i -> i.source().equals("ExpertQA-Med")).findFirst().orElseThrow();
        assertEquals(Task.LONG_FORM_QA, expert.task());
        assertEquals("long a", expert.goldText());
        assertEquals(-1, expert.goldIndex());
    }

    @Test
    void anExplicitMappingReadsAnUnforeseenVariant() throws IOException {
        write(root, "GlobMed_Custom/en/test.json", """
                [{"uid": "x1", "stem": "Q", "choices": ["a", "b", "c"], "key": 2},
                 {"uid": "x2", "stem": "Q", "choices": ["a", "b", "c"], "key": "(A)"}]
                """);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> GlobMed.load(root));
        assertTrue(e.getMessage().contains("cannot tell which GlobMed source format"), e.getMessage());
        assertTrue(e.getMessage().contains("[uid, stem, choices, key]"), e.getMessage());
        FieldMapping mapping = FieldMapping.of(Task.MCQ).id("uid").question("stem").options("choices").answer("key")
                .oneBased(true);
        List<Item> items = GlobMed.loader().mapping("Custom", mapping).load(root).items();
        assertEquals(List.of("B", "A"), items.stream().map(Item::goldLabel).toList());
        assertEquals("Custom/en/x1", items.get(0).id());
    }

    @Test
    void aMappingWithFixedLabelsReadsNumericNliLabels() throws IOException {
        write(root, "GlobMed_MyNLI/en/test.json", """
                [{"text": "p", "claim": "h", "gold": 1}]
                """);
        FieldMapping mapping = FieldMapping.of(Task.NLI).premise("text").hypothesis("claim").answer("gold")
                .labels("entailment", "contradiction");
        Item item = GlobMed.loader().mapping("GlobMed_MyNLI", mapping).load(root).items().get(0);
        assertEquals("contradiction", item.goldText());
        assertEquals("p", item.premise());
    }

    @Test
    void layoutsRootDatasetLanguageAndFile() throws IOException {
        writeSmallCorpus(root);
        assertEquals(6, GlobMed.load(root).size());
        assertEquals(4, GlobMed.load(root.resolve("GlobMed_MedQA")).size());
        assertEquals(2, GlobMed.load(root.resolve("GlobMed_MedQA/sw")).size());
        GlobMedData one = GlobMed.load(root.resolve("GlobMed_MedQA/sw/test.json"));
        assertEquals(1, one.size());
        Item item = one.items().get(0);
        assertEquals("MedQA", item.source());
        assertEquals("sw", item.language());
        assertEquals("test", item.split());
    }

    @Test
    void filtersAsBuilderOptionsAndAsMethods() throws IOException {
        writeSmallCorpus(root);
        GlobMedData all = GlobMed.load(root);
        assertEquals(2, GlobMed.loader().languages("sw").load(root).size());
        assertEquals(2, all.languages("sw").size());
        assertEquals(3, GlobMed.loader().splits("test").load(root).size());
        assertEquals(3, all.splits("test").size());
        assertEquals(2, GlobMed.loader().sources("GlobMed_PubMedQA").load(root).size());
        assertEquals(2, all.sources("PubMedQA").size());
        GlobMedData yesNo = GlobMed.loader().tasks(Task.YES_NO_MAYBE).load(root);
        assertEquals(2, yesNo.size());
        assertEquals(4, yesNo.report().filtered());
        assertEquals(yesNo.report().seen(), yesNo.report().loaded() + yesNo.report().filtered());
        assertEquals(2, all.tasks(Task.YES_NO_MAYBE).size());
        assertEquals(2, all.tier(Tier.LOW).size());
        assertEquals(1, all.filter(i -> i.question().startsWith("Q2")).size());
        assertEquals(1, all.languages("sw").splits("test").sources("MedQA").size());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GlobMed.loader().sources("MedQAA").load(root));
        assertTrue(e.getMessage().contains("no source 'MedQAA' in the data; found [MedQA, PubMedQA]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GlobMed.loader().languages("xx").load(root));
        assertTrue(e.getMessage().contains("unknown language code 'xx'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GlobMed.loader().languages("yo").load(root));
        assertTrue(e.getMessage().contains("no language 'yo' in the data; found [en, sw]"), e.getMessage());
    }

    @Test
    void tableHasTypedColumnsAndRebuildsTheItems() throws IOException {
        writeSmallCorpus(root);
        List<Item> streamed = new ArrayList<>();
        LoadReport report = GlobMed.loader().forEach(root, streamed::add);
        GlobMedData data = GlobMed.load(root);
        assertEquals(streamed, data.items(), "the table gives back exactly the streamed items");
        assertEquals(6, report.loaded());
        Table table = data.table();
        assertEquals(List.of("id", "source", "task", "language", "tier", "split", "question", "context", "premise",
                "hypothesis", "n_options", "option_A", "option_B", "option_C", "gold_index", "gold_label", "gold_text",
                "explanation", "parallel_group"), table.columnNames());
        assertEquals(ColumnType.INTEGER, table.column("gold_index").type());
        assertEquals(ColumnType.STRING, table.column("question").type());
        assertEquals("LOW", table.where(table.stringColumn("language").isEqualTo("sw")).stringColumn("tier").get(0));
        assertEquals("", table.stringColumn("option_C").get(0), "a two-option item leaves option_C empty");
        assertEquals("A", table.stringColumn("gold_label").get(0));
        assertEquals(0, data.items().stream().filter(i -> !i.task().isChoice()).count());
    }

    @Test
    void summaryCountsPerLanguageSourceAndSplitWithTier() throws IOException {
        writeSmallCorpus(root);
        Table summary = GlobMed.load(root).summary();
        assertEquals(List.of("language", "english", "native", "tier", "MedQA/test", "MedQA/train", "PubMedQA/test",
                "PubMedQA/train", "total"), summary.columnNames());
        assertEquals(List.of("en", "sw"), summary.stringColumn("language").asList());
        assertEquals(List.of("HIGH", "LOW"), summary.stringColumn("tier").asList());
        assertEquals(List.of(4, 2), summary.intColumn("total").asList());
        assertEquals(List.of(1, 0), summary.intColumn("PubMedQA/train").asList());
        assertEquals("Kiswahili", summary.stringColumn("native").get(1));
    }

    @Test
    void parallelGroupShowsTheSameItemInEveryLanguage() throws IOException {
        writeSmallCorpus(root);
        Table group = GlobMed.load(root).parallel("MedQA/test/0");
        assertEquals(List.of("en", "sw"), group.stringColumn("language").asList());
        assertEquals("Q1 sw", group.stringColumn("text").get(1));
        assertEquals("A) yes", group.stringColumn("gold").get(0));
        assertThrows(IllegalArgumentException.class, () -> GlobMed.load(root).parallel("nope"));
    }

    @Test
    void mimeBundleRendersTheSummary() throws IOException {
        writeSmallCorpus(root);
        GlobMedData data = GlobMed.load(root);
        String html = (String) data.mimeBundle().get("text/html");
        assertTrue(html.contains("6 items, 2 languages, 2 sources"), html);
        assertTrue(html.contains("<td dir=\"auto\">Kiswahili</td>"), html);
        assertFalse(data.report().mimeBundle().get("text/html").toString().isEmpty());
    }

    @Test
    void theBundledSampleLoadsCleanlyInOneCall() {
        GlobMedData sample = GlobMed.load();
        assertTrue(sample.report().isClean(), sample.report().toString());
        assertEquals(6084, sample.size());
        assertEquals(12, sample.languageCodes().size());
        assertEquals(4, sample.tier(Tier.LOW).languageCodes().size());
        assertEquals(java.util.Set.of("MedQA", "PubMedQA", "BioNLI"), sample.sources());
        Table summary = sample.splits("test").summary();
        summary.intColumn("total").forEach(n -> assertTrue(n >= 150, "test items per language: " + n));
        Table group = sample.parallel("MedQA-0001");
        assertEquals(12, group.rowCount());
        assertEquals(1, group.stringColumn("gold").asSet().stream().map(g -> g.substring(0, 1)).distinct().count(),
                "the same gold letter in every language");
        assertEquals("MedQA/sw/MedQA-0001-sw", sample.languages("sw").sources("MedQA").items().stream()
                .filter(i -> i.parallelGroup().equals("MedQA-0001")).findFirst().orElseThrow().id());
    }

    /** en: MedQA test+train, PubMedQA test+train; sw: MedQA test+train. */
    static void writeSmallCorpus(Path root) throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", """
                [{"question": "Q1", "options": {"A": "yes", "B": "no"}, "answer_idx": "A"}]""");
        write(root, "GlobMed_MedQA/en/train.json", """
                [{"question": "Q2", "options": {"A": "x", "B": "y", "C": "z"}, "answer_idx": "B"}]""");
        write(root, "GlobMed_MedQA/sw/test.json", """
                [{"question": "Q1 sw", "options": {"A": "ndiyo", "B": "hapana"}, "answer_idx": "A"}]""");
        write(root, "GlobMed_MedQA/sw/train.json", """
                [{"question": "Q3 sw", "options": {"A": "x", "B": "y", "C": "z"}, "answer_idx": "C"}]""");
        write(root, "GlobMed_PubMedQA/en/test.json", """
                [{"question": "P1", "context": "c", "final_decision": "yes"}]""");
        write(root, "GlobMed_PubMedQA/en/train.json", """
                [{"question": "P2", "context": "c", "final_decision": "no"}]""");
        write(root, "GlobMed_PubMedQA/README.md", "not data");
    }
}
