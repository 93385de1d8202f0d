package org.globmed.data;

import static org.globmed.data.GlobMedLoadTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/**
 * Every kind of bad input: a strict load throws naming file, line, record and field; a lenient
 * load keeps the good records, lists the problem, and its counts reconcile.
 */
class BadInputTest {
    private static final String GOOD = """
            {"question": "Q", "options": {"A": "a", "B": "b"}, "answer_idx": "A"}""";

    @TempDir
    Path root;

    /** Loads strictly (must throw) and leniently; returns the lenient report after checking both agree. */
    private LoadReport both(int expectedLoaded, Problem expected) throws IOException {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> GlobMed.load(root));
        assertEquals(expected.file(), e.problem().file());
        assertEquals(expected.line(), e.problem().line(), e.getMessage());
        assertEquals(expected.record(), e.problem().record(), e.getMessage());
        assertEquals(expected.field(), e.problem().field(), e.getMessage());
        assertTrue(e.getMessage().contains(expected.message()), e.getMessage() + "\n  should contain: "
                + expected.message());
        GlobMedData data = GlobMed.loader().lenient().load(root);
        LoadReport report = data.report();
        assertEquals(expectedLoaded, data.size());
        assertEquals(report.seen(), report.loaded() + report.skipped() + report.filtered());
        assertEquals(e.problem(), report.problems().get(0), "lenient and strict find the same first problem");
        Table table = report.table();
        assertEquals(List.of("file", "line", "record", "field", "problem"), table.columnNames());
        assertEquals(report.problems().size(), table.rowCount());
        return report;
    }

    @Test
    void malformedJson() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[\n" + GOOD + ",\n" + GOOD + ",\n{\"question\": \"Q\" \"options\"}\n]");
        LoadReport r = both(2, new Problem("GlobMed_MedQA/en/test.json", 4, 2, null, "malformed JSON at column 18: Unexpected character"));
        assertEquals(3, r.seen());
        assertEquals(1, r.skipped());
        assertTrue(r.problems().get(0).message().endsWith("the rest of the file was not read"));
    }

    @Test
    void malformedJsonLinesGoOnAtTheNextLine() throws IOException {
        write(root, "GlobMed_MedQA/en/test.jsonl", GOOD + "\n{\"question\": oops}\n\n" + GOOD + "\n");
        LoadReport r = both(2, new Problem("GlobMed_MedQA/en/test.jsonl", 2, 1, null, "malformed JSON at column"));
        assertEquals(3, r.seen());
    }

    @Test
    void truncatedFile() throws IOException {
        String whole = "[\n" + GOOD + ",\n" + GOOD + "\n]";
        write(root, "GlobMed_MedQA/en/test.json", whole.substring(0, whole.length() - 20));
        LoadReport r = both(1, new Problem("GlobMed_MedQA/en/test.json", 3, 1, null,
                "ends in the middle of a JSON value"));
        assertEquals(2, r.seen());
        assertEquals(1, r.skipped());
    }

    @Test
    void fileCutBetweenRecords() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[\n" + GOOD + ",\n" + GOOD + "\n");
        LoadReport r = both(2, new Problem("GlobMed_MedQA/en/test.json", 4, -1, null,
                "ends after 2 records without the closing ']'"));
        assertEquals(0, r.skipped());
    }

    @Test
    void wrongType() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[\n" + GOOD + ",\n"
                + "{\"question\": 42, \"options\": {\"A\": \"a\", \"B\": \"b\"}, \"answer_idx\": \"A\"}]");
        both(1, new Problem("GlobMed_MedQA/en/test.json", 3, 1, "question", "expected text, found the number 42"));
    }

    @Test
    void wrongTypeInsideOptions() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json",
                "[{\"question\": \"Q\", \"options\": {\"A\": \"a\", \"B\": [1]}, \"answer_idx\": \"A\"}]");
        both(0, new Problem("GlobMed_MedQA/en/test.json", 1, 0, "options.B", "expected text, found an array"));
    }

    @Test
    void missingRequiredField() throws IOException {
        write(root, "GlobMed_PubMedQA/en/test.json", """
                [{"question": "Q?", "context": "c", "final_decision": "yes"},
                 {"context": "c", "final_decision": "no"}]""");
        both(1, new Problem("GlobMed_PubMedQA/en/test.json", 2, 1, "question", "missing; expected text"));
    }

    @Test
    void answerNotAmongTheOptions() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json",
                "[{\"question\": \"Q\", \"options\": {\"A\": \"a\", \"B\": \"b\"}, \"answer_idx\": \"E\"}]");
        both(0, new Problem("GlobMed_MedQA/en/test.json", 1, 0, "answer_idx",
                "answer 'E' points outside the 2 options A) a, B) b"));
    }

    @Test
    void answerTextNotAmongTheOptions() throws IOException {
        write(root, "GlobMed_PubMedQA/en/test.json",
                "[{\"question\": \"Q\", \"context\": \"c\", \"final_decision\": \"perhaps\"}]");
        both(0, new Problem("GlobMed_PubMedQA/en/test.json", 1, 0, "final_decision",
                "answer 'perhaps' is not among the options A) yes, B) no, C) maybe"));
    }

    @Test
    void unknownLanguageFolder() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[" + GOOD + "]");
        write(root, "GlobMed_MedQA/xx/test.json", "[" + GOOD + "," + GOOD + "]");
        LoadReport r = both(1, new Problem("GlobMed_MedQA/xx/test.json", 0, -1, null,
                "is in an unknown language folder 'xx'; expected an ISO code of the language registry"));
        assertEquals(3, r.seen());
        assertEquals(2, r.skipped());
        assertTrue(r.problems().get(0).message().endsWith("its 2 records were skipped"));
    }

    @Test
    void duplicateIds() throws IOException {
        write(root, "GlobMed_MedMCQA/en/train.json", """
                [{"id": "a1", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 0}]""");
        write(root, "GlobMed_MedMCQA/en/test.json", """
                [{"id": "b1", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 0},
                 {"id": "a1", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 1}]""");
        write(root, "GlobMed_MedMCQA/fr/test.json", """
                [{"id": "a1", "question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 0}]""");
        LoadReport r = both(3, new Problem("GlobMed_MedMCQA/en/train.json", 1, 0, null,
                "duplicate id 'MedMCQA/en/a1', first seen in GlobMed_MedMCQA/en/test.json"));
        assertEquals(1, r.problems().size(), "the same id in another language is a translation, not a duplicate");
    }

    @Test
    void emptyFile() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[" + GOOD + "]");
        write(root, "GlobMed_MedQA/en/train.json", "  \n");
        both(1, new Problem("GlobMed_MedQA/en/train.json", 0, -1, null,
                "is empty; expected a JSON array of records or JSON Lines"));
    }

    @Test
    void byteOrderMark() throws IOException {
        Path file = root.resolve("GlobMed_MedQA/en/test.json");
        Files.createDirectories(file.getParent());
        byte[] body = ("[" + GOOD + "]").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] withBom = new byte[body.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(body, 0, withBom, 3, body.length);
        Files.write(file, withBom);
        LoadReport r = both(1, new Problem("GlobMed_MedQA/en/test.json", 1, -1, null,
                "starts with a UTF-8 byte order mark; expected UTF-8 without one"));
        assertEquals(0, r.skipped(), "the records after a BOM are still read");
    }

    @Test
    void invalidUtf8() throws IOException {
        Path file = root.resolve("GlobMed_MedQA/en/test.json");
        Files.createDirectories(file.getParent());
        String text = "[" + GOOD + ",\n" + GOOD.replace("\"Q\"", "\"Q@\"") + "]";
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '@') {
                bytes[i] = (byte) 0xFF;
            }
        }
        Files.write(file, bytes);
        LoadReport r = both(1, new Problem("GlobMed_MedQA/en/test.json", 2, 1, null, "invalid UTF-8"));
        assertTrue(r.problems().get(0).message().contains("expected UTF-8 text"), r.problems().get(0).message());
    }

    @Test
    void aRecordThatIsNotAnObject() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[" + GOOD + ", 17, [1]]");
        LoadReport r = both(1, new Problem("GlobMed_MedQA/en/test.json", 1, 1, null,
                "expected a JSON object, found the value 17"));
        assertEquals(3, r.seen());
        assertEquals(2, r.skipped());
    }

    @Test
    void jsonOutsideALanguageFolder() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[" + GOOD + "]");
        write(root, "GlobMed_MedQA/test.json", "[" + GOOD + "]");
        both(1, new Problem("GlobMed_MedQA/test.json", 0, -1, null, "is outside a language folder"));
    }

    @Test
    void missingPathAndEmptyFolder() throws IOException {
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> GlobMed.load(root.resolve("nope")));
        assertTrue(missing.getMessage().contains("expected a GlobMed folder"), missing.getMessage());
        Files.createDirectories(root.resolve("GlobMed_MedQA/en"));
        NoSuchFileException empty = assertThrows(NoSuchFileException.class, () -> GlobMed.load(root));
        assertTrue(empty.getMessage().contains("has no split files"), empty.getMessage());
    }

    @Test
    void lenientReportListsEveryProblemInFileOrder() throws IOException {
        write(root, "GlobMed_MedQA/en/test.json", "[" + GOOD + ", {\"question\": \"Q\"}, " + GOOD + "]");
        write(root, "GlobMed_MedQA/fr/test.json", "[" + GOOD.replace("\"A\"}", "\"Z\"}") + "]");
        GlobMedData data = GlobMed.loader().lenient().load(root);
        LoadReport r = data.report();
        assertEquals(4, r.seen());
        assertEquals(2, r.loaded());
        assertEquals(2, r.skipped());
        assertEquals(List.of("GlobMed_MedQA/en/test.json", "GlobMed_MedQA/fr/test.json"),
                r.problems().stream().map(Problem::file).toList());
        assertEquals("4 records in 2 files: 2 loaded, 2 skipped", r.counts());
        assertTrue(r.toString().contains("GlobMed_MedQA/en/test.json:1 record 1: cannot tell which GlobMed source format"
                + " this record has (fields [question]); expected MedQA's fields: question, options {A: ..},"
                + " answer_idx or answer"),
                r.toString());
        assertTrue(data.toString().contains("see report()"), data.toString());
    }

    @Test
    void theReportShowsTheFirstTwentyProblemsAndCountsTheRest() throws IOException {
        StringBuilder records = new StringBuilder("[");
        for (int i = 0; i < 25; i++) {
            records.append(i == 0 ? "" : ",\n").append(GOOD.replace("\"A\"}", "\"Z\"}"));
        }
        write(root, "GlobMed_MedQA/en/test.json", records + "]");
        LoadReport r = GlobMed.loader().lenient().load(root).report();
        assertEquals(25, r.problems().size());
        String text = (String) r.mimeBundle().get("text/plain");
        assertEquals(1 + 20 + 1, text.split("\n").length, text);
        assertTrue(text.endsWith("… 5 more problems"), text);
        assertTrue(((String) r.mimeBundle().get("text/html")).contains("… 5 more rows"));
        assertEquals(25, r.table().rowCount());
    }
}
