package org.globmed.kernel.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nbformat 4 reading and writing. */
class NotebookTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String NOTEBOOK = """
            {
             "cells": [
              {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# Title\\n", "text"],
               "attachments": {"a.png": {"image/png": "AAAA"}}},
              {"cell_type": "code", "id": "c1", "execution_count": 7, "metadata": {"tags": ["setup"]},
               "outputs": [{"output_type": "stream", "name": "stdout", "text": "old\\n"}],
               "source": ["int a = 1;\\n", "int b = 2;\\n", "a + b"]},
              {"cell_type": "raw", "id": "r1", "metadata": {}, "source": "raw text"},
              {"cell_type": "code", "id": "c2", "execution_count": null, "metadata": {}, "outputs": [],
               "source": "String s = \\"one string\\";"},
              {"cell_type": "code", "id": "c3", "execution_count": null, "metadata": {}, "outputs": [], "source": []}
             ],
             "metadata": {"kernelspec": {"name": "java", "display_name": "Java"}, "x_custom": {"keep": [1, 2, 3]}},
             "nbformat": 4,
             "nbformat_minor": 5,
             "x_top_level": "kept too"
            }
            """;

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void readsCodeCellsWithSourceAsListOrString() throws Exception {
        Notebook nb = Notebook.read(write("n.ipynb", NOTEBOOK));
        List<Notebook.Cell> cells = nb.codeCells();
        assertEquals(List.of(1, 3, 4), cells.stream().map(Notebook.Cell::index).toList());
        assertEquals("int a = 1;\nint b = 2;\na + b", cells.get(0).source());
        assertEquals("String s = \"one string\";", cells.get(1).source());
        assertEquals("", cells.get(2).source());
        assertEquals("c1", cells.get(0).node().get("id").asText());
    }

    @Test
    void jsonThatIsNotANotebookIsAnErrorNamingTheFile() throws Exception {
        Path p = write("data.json", "{\"rows\": [1, 2]}");
        IOException e = assertThrows(IOException.class, () -> Notebook.read(p));
        assertTrue(e.getMessage().startsWith(p + ": not a notebook"), e.getMessage());

        Path array = write("array.ipynb", "[1, 2]");
        assertTrue(assertThrows(IOException.class, () -> Notebook.read(array)).getMessage().contains(array.toString()));
    }

    @Test
    void invalidJsonIsAnErrorWithFileAndPosition() throws Exception {
        Path p = write("broken.ipynb", "{\n  \"cells\": [,]\n}");
        IOException e = assertThrows(IOException.class, () -> Notebook.read(p));
        assertTrue(e.getMessage().startsWith(p + ": not a notebook (invalid JSON at line 2"), e.getMessage());
    }

    @Test
    void otherNbformatVersionsAreRejected() throws Exception {
        Path p = write("old.ipynb", "{\"cells\": [], \"nbformat\": 3, \"nbformat_minor\": 0}");
        IOException e = assertThrows(IOException.class, () -> Notebook.read(p));
        assertEquals(p + ": nbformat 3 is not supported; expected 4", e.getMessage());
    }

    @Test
    void writeRoundTripsFieldsItDoesNotKnow() throws Exception {
        Path in = write("in.ipynb", NOTEBOOK);
        Notebook nb = Notebook.read(in);
        ObjectNode first = nb.codeCells().get(0).node();
        first.put("execution_count", 1);
        first.putArray("outputs").addObject().put("output_type", "stream").put("name", "stdout").put("text", "new\n");
        Path out = dir.resolve("out.ipynb");
        nb.write(out);

        JsonNode expected = JSON.readTree(NOTEBOOK);
        ObjectNode expectedFirst = (ObjectNode) expected.get("cells").get(1);
        expectedFirst.put("execution_count", 1);
        expectedFirst.putArray("outputs").addObject().put("output_type", "stream").put("name", "stdout").put("text", "new\n");
        assertEquals(expected, JSON.readTree(Files.readString(out)));
        assertTrue(Files.readString(out).endsWith("}\n"));
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
        Path target = write("target.ipynb", "old content");
        Notebook.read(write("src.ipynb", NOTEBOOK)).write(target);
        assertEquals(JSON.readTree(NOTEBOOK), JSON.readTree(Files.readString(target)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("src.ipynb", "target.ipynb"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void failedWriteLeavesTheTargetAndNoTemporaryFile() throws Exception {
        Path blocked = dir.resolve("blocked.ipynb");
        Files.createDirectories(blocked.resolve("inside"));
        Notebook nb = Notebook.read(write("src.ipynb", NOTEBOOK));
        assertThrows(IOException.class, () -> nb.write(blocked));
        assertTrue(Files.isDirectory(blocked.resolve("inside")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("blocked.ipynb", "src.ipynb"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void writeCreatesMissingFolders() throws Exception {
        Path target = dir.resolve("a/b/c/out.ipynb");
        Notebook.read(write("src.ipynb", NOTEBOOK)).write(target);
        assertEquals(5, JSON.readTree(Files.readString(target)).get("cells").size());
    }

    @Test
    void emptyNotebookForAScriptRoundTrips() throws Exception {
        Path target = dir.resolve("script.ipynb");
        Notebook nb = Notebook.empty(dir.resolve("script.jsh"));
        Notebook.Cell cell = nb.addCodeCell("int x = 1;\nx");
        assertEquals(0, cell.index());
        nb.write(target);

        Notebook back = Notebook.read(target);
        assertEquals(List.of("int x = 1;\nx"), back.codeCells().stream().map(Notebook.Cell::source).toList());
        JsonNode root = JSON.readTree(Files.readString(target));
        assertEquals("java", root.at("/metadata/kernelspec/name").asText());
        assertEquals("java", root.at("/metadata/language_info/name").asText());
        assertEquals(4, root.get("nbformat").asInt());
        assertTrue(root.at("/cells/0/execution_count").isNull());
        assertTrue(root.at("/cells/0/outputs").isArray());
    }

    @Test
    void multilineTextHelper() throws Exception {
        assertEquals("", Notebook.text(null));
        assertEquals("ab\nc", Notebook.text(JSON.readTree("[\"ab\\n\", \"c\"]")));
        assertEquals("plain", Notebook.text(JSON.readTree("\"plain\"")));
    }
}
