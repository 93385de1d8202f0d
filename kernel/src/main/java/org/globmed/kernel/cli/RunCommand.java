package org.globmed.kernel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.CellOutput;
import org.globmed.kernel.Session;
import org.globmed.kernel.display.MimeBundles;
import org.globmed.kernel.engine.CellError;
import org.globmed.kernel.notebook.Notebook;

/**
 * {@code globmed run}: the cells of a notebook (or a .jsh script, as one cell) in the same engine
 * as the kernel, without Jupyter — for cluster jobs. Text output goes to the terminal as it comes;
 * rich outputs print their text/plain form; with {@code --out} an executed notebook is written
 * (atomically), also when a cell fails. Exits 1 at the first failing cell, naming it.
 */
final class RunCommand {
    private RunCommand() {
    }

    static int run(List<String> args) throws IOException {
        Path input = null;
        Path out = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--out") && i + 1 < args.size()) {
                out = Path.of(args.get(++i));
            } else if (a.startsWith("--out=")) {
                out = Path.of(a.substring("--out=".length()));
            } else if (input == null && !a.startsWith("--")) {
                input = Path.of(a);
            } else {
                System.err.println("globmed run: unexpected argument '" + a + "'");
                return Main.usage(2);
            }
        }
        if (input == null) {
            return Main.usage(2);
        }
        if (!Files.isRegularFile(input)) {
            System.err.println("globmed run: " + input + ": no such file");
            return 2;
        }
        Notebook notebook;
        List<Notebook.Cell> cells;
        if (input.toString().endsWith(".ipynb")) {
            notebook = Notebook.read(input);
            cells = notebook.codeCells();
        } else {
            notebook = Notebook.empty(input);
            cells = List.of(notebook.addCodeCell(Files.readString(input)));
        }
        try (Session session = Session.start()) {
            PrintStream stdout = session.router().originalOut();
            PrintStream stderr = session.router().originalErr();
            int count = 0;
            for (Notebook.Cell cell : cells) {
                count++;
                ArrayNode outputs = cell.node().putArray("outputs");
                cell.node().put("execution_count", count);
                Recorder recorder = new Recorder(outputs, stdout, stderr);
                try {
                    DisplayData result = session.execute(cell.source(), count, recorder);
                    if (result != null) {
                        ObjectNode o = recorder.bundle("execute_result", result);
                        o.put("execution_count", count);
                        recorder.print(result);
                    }
                } catch (CellError e) {
                    ObjectNode error = outputs.addObject();
                    error.put("output_type", "error");
                    error.put("ename", e.ename());
                    error.put("evalue", e.evalue());
                    ArrayNode tb = error.putArray("traceback");
                    e.traceback().forEach(tb::add);
                    stderr.println("globmed run: cell " + count + " (cell #" + (cell.index() + 1)
                            + " of " + input.getFileName() + ") failed: " + e.ename() + ": " + e.evalue());
                    e.traceback().forEach(stderr::println);
                    if (out != null) {
                        notebook.write(out);
                    }
                    return 1;
                }
            }
            if (out != null) {
                notebook.write(out);
            }
            return 0;
        }
    }

    /** Prints output as it comes and records it as nbformat outputs. */
    private static final class Recorder implements CellOutput {
        private final ArrayNode outputs;
        private final PrintStream stdout;
        private final PrintStream stderr;
        /** Outputs shown with a display id, for updateDisplay (nbformat keeps no display ids). */
        private final Map<String, List<ObjectNode>> displays = new HashMap<>();

        Recorder(ArrayNode outputs, PrintStream stdout, PrintStream stderr) {
            this.outputs = outputs;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        @Override
        public synchronized void stream(String name, String text) {
            (name.equals("stderr") ? stderr : stdout).print(text);
            (name.equals("stderr") ? stderr : stdout).flush();
            JsonNode last = outputs.isEmpty() ? null : outputs.get(outputs.size() - 1);
            if (last != null && "stream".equals(last.path("output_type").asText())
                    && name.equals(last.path("name").asText())) {
                ((ObjectNode) last).put("text", last.path("text").asText() + text);
            } else {
                ObjectNode o = outputs.addObject();
                o.put("output_type", "stream");
                o.put("name", name);
                o.put("text", text);
            }
        }

        @Override
        public synchronized void display(DisplayData data, boolean update) {
            if (update) {
                ObjectNode fresh = json(data);
                for (ObjectNode shown : displays.getOrDefault(data.getDisplayId(), List.of())) {
                    shown.set("data", fresh.get("data"));
                    shown.set("metadata", fresh.get("metadata"));
                }
            } else {
                bundle("display_data", data);
            }
            print(data);
        }

        @Override
        public synchronized void clear(boolean wait) {
            outputs.removeAll();
            displays.clear();
        }

        ObjectNode bundle(String type, DisplayData data) {
            ObjectNode o = outputs.addObject();
            o.put("output_type", type);
            ObjectNode fresh = json(data);
            o.set("data", fresh.get("data"));
            o.set("metadata", fresh.get("metadata"));
            if (data.hasDisplayId()) {
                displays.computeIfAbsent(data.getDisplayId(), id -> new ArrayList<>()).add(o);
            }
            return o;
        }

        void print(DisplayData data) {
            Object text = data.getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.TEXT_PLAIN);
            if (text != null) {
                stdout.println(text);
                stdout.flush();
            }
        }

        private static ObjectNode json(DisplayData data) {
            try {
                return (ObjectNode) Notebook.json().readTree(MimeBundles.json(data).toString());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
