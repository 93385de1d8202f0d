package org.globmed.kernel.notebook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.globmed.io.AtomicFiles;

/**
 * A Jupyter notebook file (nbformat 4) as a JSON tree: fields this class does not know are kept
 * as they are, so a notebook written back differs only in the outputs that were replaced.
 */
public final class Notebook {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final ObjectNode root;

    /** One code cell: its index among all cells, its source, and its JSON node. */
    public record Cell(int index, String source, ObjectNode node) {
    }

    private Notebook(Path file, ObjectNode root) {
        this.file = file;
        this.root = root;
    }

    /** Reads a notebook; a file that is not nbformat 4 JSON is an error naming the file. */
    public static Notebook read(Path file) throws IOException {
        JsonNode tree;
        try {
            tree = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a notebook (invalid JSON at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        }
        if (!(tree instanceof ObjectNode obj) || !tree.path("cells").isArray()) {
            throw new IOException(file + ": not a notebook (no \"cells\" array)");
        }
        if (tree.path("nbformat").asInt(0) != 4) {
            throw new IOException(file + ": nbformat " + tree.path("nbformat").asText("?")
                    + " is not supported; expected 4");
        }
        return new Notebook(file, obj);
    }

    /** A new notebook for a script run, with the Java kernelspec. */
    public static Notebook empty(Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("cells");
        ObjectNode meta = root.putObject("metadata");
        ObjectNode spec = meta.putObject("kernelspec");
        spec.put("name", "java");
        spec.put("display_name", "Java (GlobMed)");
        spec.put("language", "java");
        ObjectNode lang = meta.putObject("language_info");
        lang.put("name", "java");
        lang.put("version", Runtime.version().toString());
        lang.put("mimetype", "text/x-java");
        lang.put("file_extension", ".jshell");
        root.put("nbformat", 4);
        root.put("nbformat_minor", 5);
        return new Notebook(file, root);
    }

    public Path file() {
        return file;
    }

    /** The code cells, in order. */
    public List<Cell> codeCells() {
        List<Cell> cells = new ArrayList<>();
        ArrayNode all = (ArrayNode) root.get("cells");
        for (int i = 0; i < all.size(); i++) {
            JsonNode cell = all.get(i);
            if ("code".equals(cell.path("cell_type").asText())) {
                cells.add(new Cell(i, text(cell.get("source")), (ObjectNode) cell));
            }
        }
        return cells;
    }

    /** Appends a code cell (for scripts run headless) and returns it. */
    public Cell addCodeCell(String source) {
        ArrayNode all = (ArrayNode) root.get("cells");
        ObjectNode cell = all.addObject();
        cell.put("cell_type", "code");
        cell.put("execution_count", (Integer) null);
        cell.putObject("metadata");
        cell.putArray("outputs");
        cell.put("source", source);
        return new Cell(all.size() - 1, source, cell);
    }

    /** nbformat's multiline string: a string or an array of lines. */
    public static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        if (node.isArray()) {
            StringBuilder sb = new StringBuilder();
            node.forEach(part -> sb.append(part.asText()));
            return sb.toString();
        }
        return node.asText();
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** Writes atomically: a temporary file next to the target, then a rename. */
    public void write(Path target) throws IOException {
        AtomicFiles.write(target, JSON.writeValueAsString(root) + "\n");
    }
}
