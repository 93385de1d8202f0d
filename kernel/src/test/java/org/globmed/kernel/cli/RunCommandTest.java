package org.globmed.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code globmed run}: each call starts and closes its own session in this JVM. */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A notebook with a markdown cell first and the given code cells. */
    private Path notebook(String name, String... sources) throws Exception {
        var root = JSON.createObjectNode();
        var cells = root.putArray("cells");
        var md = cells.addObject();
        md.put("cell_type", "markdown");
        md.putObject("metadata");
        md.put("source", "# Run me");
        for (String source : sources) {
            var cell = cells.addObject();
            cell.put("cell_type", "code");
            cell.putNull("execution_count");
            cell.putObject("metadata");
            cell.putArray("outputs");
            var lines = cell.putArray("source");
            source.lines().forEach(l -> lines.add(l + "\n"));
        }
        root.putObject("metadata").put("x_keep", "yes");
        root.put("nbformat", 4);
        root.put("nbformat_minor", 5);
        Path p = dir.resolve(name);
        Files.writeString(p, JSON.writeValueAsString(root));
        return p;
    }

    private static String text(JsonNode node) {
        if (node.isArray()) {
            StringBuilder sb = new StringBuilder();
            node.forEach(n -> sb.append(n.asText()));
            return sb.toString();
        }
        return node.asText();
    }

    @Test
    void notebookRunsAllCellsAndWritesTheExecutedNotebook() throws Exception {
        Path in = notebook("ok.ipynb",
                "int a = 40;\nSystem.out.println(\"hello\");",
                "System.err.println(\"careful\");\na + 2",
                "display(html(\"<b>shown</b>\"));");
        Path out = dir.resolve("out/ok.ipynb");
        assertEquals(0, RunCommand.run(List.of(in.toString(), "--out", out.toString())));

        JsonNode nb = JSON.readTree(Files.readString(out));
        JsonNode cells = nb.get("cells");
        assertEquals(4, cells.size());
        assertFalse(cells.get(0).has("execution_count"), "markdown cells are left alone");
        assertEquals("yes", nb.at("/metadata/x_keep").asText());
        for (int i = 1; i <= 3; i++) {
            assertEquals(i, cells.get(i).get("execution_count").asInt());
        }

        JsonNode first = cells.get(1).get("outputs");
        assertEquals(1, first.size());
        assertEquals("stream", first.get(0).get("output_type").asText());
        assertEquals("stdout", first.get(0).get("name").asText());
        assertEquals("hello\n", text(first.get(0).get("text")));

        JsonNode second = cells.get(2).get("outputs");
        assertEquals(2, second.size());
        assertEquals("stderr", second.get(0).get("name").asText());
        assertEquals("careful\n", text(second.get(0).get("text")));
        assertEquals("execute_result", second.get(1).get("output_type").asText());
        assertEquals(2, second.get(1).get("execution_count").asInt());
        assertEquals("42", text(second.get(1).at("/data/text~1plain")));

        JsonNode third = cells.get(3).get("outputs");
        assertEquals(1, third.size());
        assertEquals("display_data", third.get(0).get("output_type").asText());
        assertEquals("<b>shown</b>", text(third.get(0).at("/data/text~1html")));
        assertFalse(third.get(0).has("transient"), "nbformat has no transient field");
    }

    @Test
    void failingCellStopsTheRunReturnsOneAndStillWritesTheNotebook() throws Exception {
        Path marker = dir.resolve("cell3-ran");
        Path in = notebook("fail.ipynb",
                "System.out.println(\"first\");",
                "int x = 1;\nthrow new IllegalStateException(\"cell two failed\");",
                "java.nio.file.Files.writeString(java.nio.file.Path.of(\"" + marker + "\"), \"ran\");");
        Path out = dir.resolve("fail-out.ipynb");
        assertEquals(1, RunCommand.run(List.of(in.toString(), "--out=" + out)));
        assertFalse(Files.exists(marker), "cell 3 must not run");

        JsonNode cells = JSON.readTree(Files.readString(out)).get("cells");
        assertEquals(1, cells.get(1).get("execution_count").asInt());
        assertEquals(2, cells.get(2).get("execution_count").asInt());
        JsonNode error = cells.get(2).get("outputs").get(0);
        assertEquals("error", error.get("output_type").asText());
        assertEquals("java.lang.IllegalStateException", error.get("ename").asText());
        assertEquals("cell two failed", error.get("evalue").asText());
        assertEquals("\tat <cell>(cell line 2)", error.get("traceback").get(1).asText());
        assertTrue(cells.get(3).get("execution_count").isNull());
        assertEquals(0, cells.get(3).get("outputs").size());
    }

    @Test
    void compileErrorFailsTheRun() throws Exception {
        Path in = notebook("compile.ipynb", "int ok = 1;", "String s = ok;");
        Path out = dir.resolve("compile-out.ipynb");
        assertEquals(1, RunCommand.run(List.of(in.toString(), "--out", out.toString())));
        JsonNode error = JSON.readTree(Files.readString(out)).at("/cells/2/outputs/0");
        assertEquals("CompilationError", error.get("ename").asText());
        assertTrue(error.get("evalue").asText().startsWith("line 1, column 12: "), error.toString());
    }

    @Test
    void jshScriptRunsAsOneCell() throws Exception {
        Path script = dir.resolve("job.jsh");
        Files.writeString(script, "int total = 0;\nfor (int i = 1; i <= 4; i++) total += i;\nSystem.out.println(\"total=\" + total);\n");
        Path out = dir.resolve("job.ipynb");
        assertEquals(0, RunCommand.run(List.of(script.toString(), "--out", out.toString())));
        JsonNode nb = JSON.readTree(Files.readString(out));
        assertEquals("java", nb.at("/metadata/kernelspec/name").asText());
        JsonNode cells = nb.get("cells");
        assertEquals(1, cells.size());
        assertEquals(1, cells.get(0).get("execution_count").asInt());
        assertEquals("total=10\n", text(cells.get(0).at("/outputs/0/text")));
        assertTrue(text(cells.get(0).get("source")).startsWith("int total = 0;"));
    }

    @Test
    void scriptWithoutOutRunsAndReturnsZero() throws Exception {
        Path script = dir.resolve("plain.jsh");
        Files.writeString(script, "System.out.println(6 * 7);\n");
        assertEquals(0, RunCommand.run(List.of(script.toString())));
    }

    @Test
    void missingFileAndBadArgumentsReturnTwo() throws Exception {
        assertEquals(2, RunCommand.run(List.of(dir.resolve("absent.ipynb").toString())));
        assertEquals(2, RunCommand.run(List.of()));
        assertEquals(2, RunCommand.run(List.of("a.jsh", "--frobnicate")));
    }
}
