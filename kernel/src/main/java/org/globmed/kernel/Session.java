package org.globmed.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.globmed.kernel.display.Renderers;
import org.globmed.kernel.engine.CellError;
import org.globmed.kernel.engine.CellThread;
import org.globmed.kernel.engine.JavaEngine;
import org.globmed.kernel.engine.OutputRouter;
import org.globmed.kernel.magic.MagicContext;
import org.globmed.kernel.magic.Magics;

/**
 * One notebook's state: the Java engine, the renderers, the magics and where output goes. The
 * Jupyter kernel and {@code globmed run} both drive a Session, so a notebook behaves the same
 * with and without Jupyter.
 *
 * <p>Only one Session lives in a JVM: user code reaches it through the static helpers of
 * {@link org.globmed.kernel.runtime.Display}, and it owns {@code System.out}.
 */
public final class Session implements AutoCloseable {
    /** Environment variable naming a startup script to run instead of the default imports. */
    public static final String STARTUP_ENV = "GLOBMED_STARTUP";

    private static final Pattern LINE_MAGIC = Pattern.compile("^\\s*%([A-Za-z]\\w*)(\\s.*)?$");
    private static final Pattern CELL_MAGIC = Pattern.compile("^\\s*%%([A-Za-z]\\w*)(.*)$");
    /** IJava's magic as a value, last on its line: {@code List<String> jars = %jars lib/*.jar}. */
    private static final Pattern VALUE_MAGIC = Pattern.compile("^(\\s*[^\\s%].*?=\\s*)%([A-Za-z]\\w*)(\\s.*)?$");
    private static final int WARM_UP_CELLS = 60;
    private static final String[] WARM_UP = {"1 + 1", "\"warm\".length() * 2", "java.util.List.of(1, 2).size()"};
    private static volatile Session current;

    private final OutputRouter router;
    private final CellThread cellThread = new CellThread();
    private final String startup;
    private Renderer renderer;
    private boolean booting;
    private final Magics magics;
    private final CompletableFuture<JavaEngine> engine;
    private final AtomicInteger displayIds = new AtomicInteger();
    private volatile int executionCount;
    private volatile String lastDisplayId;
    private volatile boolean cellRunning;

    private Session(OutputRouter router, String startup) {
        this.router = router;
        this.startup = startup;
        this.magics = Magics.defaults();
        this.engine = new CompletableFuture<>();
    }

    /**
     * Starts JShell and the renderers in the background (idempotent; {@link #engine()} calls it).
     * The Jupyter kernel calls it once its sockets are bound: on two cores, javac's start-up
     * competing with the JVM's own would delay the kernel_info reply by a second.
     */
    public synchronized void startEngine() {
        if (booting) {
            return;
        }
        booting = true;
        Thread boot = new Thread(() -> {
            try {
                JavaEngine e = cellThread.run(() -> {
                    JavaEngine created = new JavaEngine();
                    Thread.currentThread().setContextClassLoader(created.classLoader());
                    if (!startup.isBlank()) {
                        try {
                            created.eval(startup, 0, 1);
                        } catch (CellError failed) {
                            String from = System.getenv(STARTUP_ENV) == null ? "the default startup script"
                                    : "the startup script " + STARTUP_ENV + "=" + System.getenv(STARTUP_ENV);
                            throw CellError.of("StartupScriptError", from + " failed: " + failed.ename() + ": " + failed.evalue());
                        }
                    }
                    created.eval("1 + 1", 0, 1); // warms the compiler for the first real cell
                    return created;
                });
                renderer();
                engine.complete(e);
                warmUp(e);
            } catch (Throwable t) {
                engine.completeExceptionally(t);
            }
        }, "globmed-engine-start");
        boot.setDaemon(true);
        boot.start();
    }

    /**
     * javac inside JShell runs interpreted at first: the first cells take 50-70 ms, warm ones
     * about 10. While no cell is waiting, compile a few throwaway expressions so the JIT has
     * done its work before the user's cells arrive. It stops for good at the first user cell,
     * which waits for one warm-up expression at most.
     */
    private void warmUp(JavaEngine java) throws Exception {
        for (int i = 0; i < WARM_UP_CELLS && cellThread.isIdle() && executionCount == 0; i++) {
            String snippet = WARM_UP[i % WARM_UP.length];
            cellThread.run(() -> {
                java.eval(snippet, 0, 1);
                return null;
            });
        }
        // Tablesaw's Table scans the class path for its readers when first touched (about a second);
        // do it now, off the cell thread, rather than in the user's first cell that makes a table.
        if (executionCount == 0) {
            Class.forName("tech.tablesaw.api.Table", true, Session.class.getClassLoader());
        }
    }

    /** Starts the session of this JVM, with the default (or {@value #STARTUP_ENV}) startup script. */
    public static synchronized Session start() {
        if (current != null) {
            throw new IllegalStateException("a Session is already running in this JVM");
        }
        current = new Session(new OutputRouter(), startupScript());
        org.globmed.kernel.runtime.ProgressBar.install(current);
        org.globmed.kernel.runtime.TrainingDisplay.install(current);
        return current;
    }

    /** The running session; user code reaches the kernel through it. */
    public static Session current() {
        Session s = current;
        if (s == null) {
            throw new IllegalStateException("no GlobMed session is running in this JVM"
                    + " (display() works inside the kernel or `globmed run`)");
        }
        return s;
    }

    static String startupScript() {
        String custom = System.getenv(STARTUP_ENV);
        if (custom != null) {
            if (custom.isBlank()) {
                return "";
            }
            try {
                return Files.readString(Path.of(custom));
            } catch (IOException e) {
                throw new IllegalStateException(STARTUP_ENV + "=" + custom + " cannot be read: " + e.getMessage(), e);
            }
        }
        try (InputStream in = Session.class.getResourceAsStream("startup.jsh")) {
            return new String(Objects.requireNonNull(in, "startup.jsh missing from the kernel jar")
                    .readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Blocks until the engine is ready; the startup script's failure surfaces here. */
    public JavaEngine engine() {
        startEngine();
        try {
            return engine.join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("the Java engine failed to start: "
                    + (cause instanceof CellError c ? c.evalue() : cause.toString()), cause);
        }
    }

    /** The renderer registry, made on first use (it loads Tablesaw's classes). */
    public synchronized Renderer renderer() {
        if (renderer == null) {
            renderer = Renderers.create();
        }
        return renderer;
    }

    public Magics magics() {
        return magics;
    }

    public OutputRouter router() {
        return router;
    }

    /** The execution count of the cell that runs or ran last. */
    public int executionCount() {
        return executionCount;
    }

    /**
     * Runs a cell: magics and Java snippets in order. Returns the rendered value of the last
     * snippet, or null when it has none.
     */
    public DisplayData execute(String code, int count, CellOutput output) throws CellError {
        this.executionCount = count;
        this.lastDisplayId = null;
        router.attach(output);
        try {
            JavaEngine java = engine(); // a startup script that failed fails every cell, saying why
            // Rendering calls user code (toString, mimeBundle), so it runs on the cell thread
            // too, where an interrupt can stop it, never on the thread that answers Jupyter.
            return cellThread.run(() -> {
                cellRunning = true;
                try {
                    Object value = runCell(java, code, count);
                    // `display(x)` as a cell's last line returns the display id (IJava's
                    // signature); the output is shown already, so the id is not shown again.
                    return value == null || value == lastDisplayId ? null : java.asUserCode(() -> render(value));
                } finally {
                    cellRunning = false;
                }
            });
        } catch (CellError e) {
            throw e;
        } catch (Throwable e) {
            // Also OutOfMemoryError or StackOverflowError outside user frames (in javac, say):
            // the cell fails, the kernel goes on.
            throw CellError.of(e.getClass().getName(), String.valueOf(e.getMessage()));
        } finally {
            router.flush();
        }
    }

    private Object runCell(JavaEngine java, String code, int count) throws Exception {
        List<String> lines = code.lines().toList();
        Matcher cellMagic = lines.isEmpty() ? null : CELL_MAGIC.matcher(lines.get(0));
        if (cellMagic != null && cellMagic.matches()) {
            String body = String.join("\n", lines.subList(1, lines.size()));
            return magics.runCell(cellMagic.group(1), cellMagic.group(2).strip(), body,
                    new MagicContext(this, count, 1));
        }
        Object last = null;
        StringBuilder chunk = new StringBuilder();
        int chunkLine = 1;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINE_MAGIC.matcher(lines.get(i));
            if (m.matches() && !continuesJava(java, chunk)) {
                last = evalChunk(java, chunk, count, chunkLine, last);
                String args = m.group(2) == null ? "" : m.group(2).strip();
                last = magics.runLine(m.group(1), args, new MagicContext(this, count, i + 1));
                chunkLine = i + 2;
            } else {
                chunk.append(asJava(lines.get(i))).append('\n');
            }
        }
        return evalChunk(java, chunk, count, chunkLine, last);
    }

    /** A `%x` line after an unfinished expression is Java's remainder operator, not a magic. */
    private static boolean continuesJava(JavaEngine java, StringBuilder chunk) {
        return !chunk.toString().isBlank() && java.isComplete(chunk.toString()).status().equals("incomplete");
    }

    /** A line with a magic used as a value becomes a {@code lineMagic(...)} call; others stay. */
    static String asJava(String line) {
        Matcher m = VALUE_MAGIC.matcher(line);
        if (!m.matches() || line.contains("\"") && line.indexOf('"') < m.start(2)) {
            return line;
        }
        StringBuilder call = new StringBuilder(m.group(1)).append("lineMagic(\"").append(m.group(2))
                .append("\", java.util.List.of(");
        String args = m.group(3) == null ? "" : m.group(3).strip();
        boolean first = true;
        for (String arg : org.globmed.kernel.magic.Magics.split(args)) {
            call.append(first ? "" : ", ").append('"')
                    .append(arg.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            first = false;
        }
        return call.append("));").toString();
    }

    private static Object evalChunk(JavaEngine java, StringBuilder chunk, int count, int line, Object last)
            throws CellError {
        if (chunk.toString().isBlank()) {
            chunk.setLength(0);
            return last;
        }
        JavaEngine.Value value = java.eval(chunk.toString(), count, line);
        chunk.setLength(0);
        return value.present() ? value.value() : null;
    }

    /** Runs cell source from inside a running cell (%load), on the cell thread. */
    public Object runNested(String code, int count) throws Exception {
        return runCell(engine(), code, count);
    }

    /**
     * Jupyter's is_complete for a cell: a cell magic takes any body, a line magic is complete on
     * its own line, and the Java around them decides the rest.
     */
    public JavaEngine.Completion isComplete(String code) {
        List<String> lines = code.lines().toList();
        if (!lines.isEmpty() && CELL_MAGIC.matcher(lines.get(0)).matches()) {
            return new JavaEngine.Completion("complete", "");
        }
        StringBuilder java = new StringBuilder();
        for (String line : lines) {
            java.append(LINE_MAGIC.matcher(line).matches() ? "" : asJava(line)).append('\n');
        }
        return engine().isComplete(java.toString());
    }

    /** Evaluates Java code for a magic (%time, %load) on the cell thread it already runs on. */
    public Object evalForMagic(String code, int count, int line) throws CellError {
        JavaEngine.Value value = engine().eval(code, count, line);
        return value.present() ? value.value() : null;
    }

    /** Renders any value with the registry: built-in renderers, then {@code mimeBundle()}. */
    public DisplayData render(Object value) {
        if (value instanceof DisplayData data) {
            return data;
        }
        return value == null ? new DisplayData("null") : renderer().render(value);
    }

    /** Renders as the requested MIME types only (IJava's {@code render(obj, "text/html")}). */
    public DisplayData renderAs(Object value, String... mimeTypes) {
        return value == null ? new DisplayData("null") : renderer().renderAs(value, mimeTypes);
    }

    /** Shows an output in the running cell and returns its display id. */
    public String display(DisplayData data) {
        if (!data.hasDisplayId()) {
            data.setDisplayId("globmed-" + ProcessHandle.current().pid() + "-" + displayIds.incrementAndGet());
        }
        CellOutput out = router.target();
        if (out != null) {
            router.flush();
            out.display(data, false);
        }
        lastDisplayId = data.getDisplayId();
        return lastDisplayId;
    }

    /** Replaces the output shown under {@code displayId}. */
    public void updateDisplay(String displayId, DisplayData data) {
        data.setDisplayId(displayId);
        CellOutput out = router.target();
        if (out != null) {
            router.flush();
            out.display(data, true);
        }
    }

    /** Clears the running cell's output. */
    public void clearOutput(boolean wait) {
        CellOutput out = router.target();
        if (out != null) {
            router.flush();
            out.clear(wait);
        }
    }

    /** Stops the running cell (Jupyter's interrupt). */
    public void interrupt() {
        // Only a user's cell: an interrupt that stopped javac while JShell starts (or warms up)
        // would leave the compiler broken for every later cell.
        if (cellRunning) {
            cellThread.interrupt();
        }
    }

    @Override
    public void close() {
        synchronized (Session.class) {
            if (current == this) {
                current = null;
            }
        }
        if (engine.isDone() && !engine.isCompletedExceptionally()) {
            engine.join().close();
        }
        router.restore();
    }
}
