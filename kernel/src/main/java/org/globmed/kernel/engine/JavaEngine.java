package org.globmed.kernel.engine;

import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * Java evaluation through JShell, in this JVM. Not thread-safe: the {@link Session} calls it
 * from one thread at a time (evaluation on the cell thread, analysis between cells).
 */
public final class JavaEngine implements AutoCloseable {
    private static final String SNIPPET_CLASS_PREFIX = "REPL.$JShell$";

    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    private final InProcessExecution execution;
    /** Where each snippet came from, to point stack traces at cell lines. */
    private final Map<String, Origin> origins = new ConcurrentHashMap<>();

    private record Origin(int cell, int firstLine) {
    }

    /**
     * Expressions already compiled, by source, while no declaration has changed since: running
     * an unchanged expression cell again (a plot after new results, a counter, `1 + 1` in a
     * benchmark) invokes its loaded class instead of compiling it again with javac, which is
     * 10-20 ms of CPU per snippet here. Any declaration, import or class path change clears it,
     * because compiled code binds to the declarations that existed when it was compiled.
     */
    private final Map<String, Compiled> compiledExpressions = new java.util.HashMap<>();
    /** Snippet ids of the classes in {@link #compiledExpressions}, for their stack frames. */
    private final Map<String, String> compiledClassIds = new ConcurrentHashMap<>();

    private record Compiled(String className, String snippetId) {
    }

    /** A value a cell produced, or none ({@code present == false}) for statements and declarations. */
    public record Value(boolean present, Object value) {
        static final Value NONE = new Value(false, null);
    }

    /** The three answers Jupyter's is_complete_request accepts, with an indent for "incomplete". */
    public record Completion(String status, String indent) {
    }

    /** Completion candidates and the cell range they replace. */
    public record Candidates(List<String> matches, int start, int end) {
    }

    public JavaEngine() {
        SnippetLoader loader = new SnippetLoader(JavaEngine.class.getClassLoader());
        this.execution = new InProcessExecution(loader);
        PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
        this.shell = JShell.builder()
                .executionEngine(InProcessExecution.provider(execution), Map.of())
                .out(silent)
                .err(silent)
                .compilerOptions("-proc:none", "-Xlint:none")
                .build();
        this.analysis = shell.sourceCodeAnalysis();
        shell.addToClasspath(String.join(File.pathSeparator, loader.kernelClassPath()));
    }

    /** The class loader of cell code: the parent of anything a cell defines. */
    public ClassLoader classLoader() {
        return execution.loader().classLoader();
    }

    /**
     * Runs kernel code that calls into user objects (rendering a value: its toString or
     * mimeBundle) on the cell thread as user code: an interrupt stops it like a cell, and a
     * failure is the cell's error, not the kernel's.
     */
    public <T> T asUserCode(java.util.concurrent.Callable<T> work) throws CellError {
        CellGuard.enterUserCode();
        try {
            return work.call();
        } catch (Throwable t) {
            if (interrupted(t)) {
                throw new CellError("Interrupted", "the cell was interrupted",
                        List.of("Interrupted: the cell was interrupted; variables defined before it are kept"), t);
            }
            Throwable cause = t instanceof IllegalStateException && t.getCause() != null ? t.getCause() : t;
            List<String> trace = new ArrayList<>();
            describe(t, null, trace, 0, new LinkedHashSet<>(), "");
            throw new CellError(cause.getClass().getName(), String.valueOf(t.getMessage()), trace, t);
        } finally {
            CellGuard.leaveUserCode();
        }
    }

    /** Adds jars or class folders for the compiler and the class loader of later snippets. */
    public void addToClasspath(List<String> entries) {
        compiledExpressions.clear();
        for (String entry : entries) {
            shell.addToClasspath(entry);
        }
    }

    /**
     * Evaluates every snippet of {@code code} in order and returns the value of the last one.
     *
     * @param cell      the cell's execution count, for stack traces
     * @param firstLine the line of the cell where {@code code} starts (1-based), so diagnostics
     *                  name lines of the whole cell even when magics came before
     */
    public Value eval(String code, int cell, int firstLine) throws CellError {
        Value last = Value.NONE;
        String remaining = code;
        int offset = 0;
        while (!remaining.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            String source = info.source();
            String rest = info.remaining();
            if (source == null || source.isBlank() || rest.length() >= remaining.length()
                    || info.completeness() == Completeness.DEFINITELY_INCOMPLETE
                    || info.completeness() == Completeness.CONSIDERED_INCOMPLETE) {
                // Compile the rest as it is: javac's message says what is missing, with a position.
                source = remaining;
                rest = "";
            }
            // JShell's source is a prefix of the remaining text, so the snippet starts at `offset`
            // and its first non-blank character (where a whole-snippet diagnostic points) after
            // its leading blanks.
            last = evalSnippet(source, code, offset + leadingBlanks(source), offset, cell, firstLine);
            offset += remaining.length() - rest.length();
            remaining = rest;
        }
        return last;
    }

    private Value evalSnippet(String source, String code, int start, int sourceStart, int cell, int firstLine)
            throws CellError {
        Compiled compiled = compiledExpressions.get(source);
        if (compiled != null) {
            return rerun(compiled, cell);
        }
        execution.loader().mark();
        List<SnippetEvent> events = shell.eval(source);
        Value value = Value.NONE;
        for (SnippetEvent event : events) {
            Snippet snippet = event.snippet();
            if (event.causeSnippet() != null) {
                continue; // an update of a dependent snippet, not this one
            }
            if (snippet instanceof jdk.jshell.PersistentSnippet
                    && snippet.subKind() != Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                    && event.status() != Snippet.Status.REJECTED) {
                compiledExpressions.clear(); // a declaration changed what later code binds to
            }
            origins.put(snippet.id(), new Origin(cell, firstLine + lineOf(code, start) - 1));
            if (event.status() == Snippet.Status.REJECTED) {
                throw compileError(snippet, code, sourceStart, start, firstLine);
            }
            if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED
                    || event.status() == Snippet.Status.RECOVERABLE_DEFINED) {
                String missing = shell.unresolvedDependencies((jdk.jshell.DeclarationSnippet) snippet)
                        .collect(Collectors.joining(", "));
                if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED && missing.isEmpty()) {
                    // Not a missing declaration but an error JShell still files as recoverable
                    // ("code too large"): its diagnostics say what is wrong.
                    throw compileError(snippet, code, sourceStart, start, firstLine);
                }
                if (event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                    throw CellError.of("CompilationError", "cannot be defined until "
                            + missing + " is declared (line " + (firstLine + lineOf(code, start) - 1) + ")");
                }
            }
            if (event.exception() != null) {
                throw runtimeError(event.exception(), execution.takeThrown(), cell);
            }
            if (producesValue(snippet)) {
                Object v = execution.takeValue();
                boolean isVoid = snippet instanceof VarSnippet var && "void".equals(var.typeName());
                value = v == null && (isVoid || event.value() == null || event.value().isEmpty())
                        ? Value.NONE : new Value(true, v);
            }
            if (snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
                // JShell keeps every expression's value as $1, $2, ... and imports all of them into
                // each later compilation, so a cell's cost grew with the cells before it (34 ms
                // against 11 ms per `1 + 1` after 600 cells). Notebook values are kept by
                // assigning them to variables; the temporary goes, and its memory with it.
                shell.drop(snippet);
                List<String> classes = execution.loader().loadedSinceMark();
                if (events.size() == 1 && event.status() == Snippet.Status.VALID && classes.size() == 1) {
                    compiledExpressions.put(source, new Compiled(classes.get(0), snippet.id()));
                    compiledClassIds.put(classes.get(0), snippet.id());
                }
            }
        }
        return value;
    }

    /** Runs an expression compiled before (see {@link #compiledExpressions}). */
    private Value rerun(Compiled compiled, int cell) throws CellError {
        origins.computeIfPresent(compiled.snippetId(), (id, o) -> new Origin(cell, o.firstLine()));
        try {
            execution.invoke(compiled.className(), "do_it$");
        } catch (jdk.jshell.spi.ExecutionControl.ExecutionControlException e) {
            Throwable thrown = execution.takeThrown();
            if (thrown == null) {
                throw CellError.of(e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
            }
            throw runtimeError(null, thrown, cell);
        }
        return new Value(true, execution.takeValue());
    }

    private static boolean producesValue(Snippet snippet) {
        return switch (snippet.subKind()) {
            case TEMP_VAR_EXPRESSION_SUBKIND, VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND -> true;
            default -> false;
        };
    }

    /**
     * @param start the position of the snippet's source (as JShell has it) in {@code code}
     * @param head  where its first non-blank character is: a diagnostic for the whole snippet
     *              (position 0, "code too large") points there, not at the blank before it
     */
    private CellError compileError(Snippet snippet, String code, int start, int head, int firstLine) {
        List<String> lines = new ArrayList<>();
        String first = null;
        for (Diag diag : shell.diagnostics(snippet).collect(Collectors.toList())) {
            if (!diag.isError()) {
                continue;
            }
            int pos = Math.max(head, start + (int) Math.max(0, diag.getStartPosition()));
            pos = Math.min(pos, code.length());
            int line = lineOf(code, pos);
            int column = pos - code.lastIndexOf('\n', pos - 1);
            String message = diag.getMessage(Locale.ROOT);
            String where = "line " + (firstLine + line - 1) + ", column " + column;
            if (first == null) {
                first = where + ": " + message.lines().findFirst().orElse(message);
            }
            lines.add(where + ": " + message);
            String text = code.lines().skip(line - 1L).findFirst().orElse("");
            lines.add("    " + text);
            lines.add("    " + " ".repeat(Math.max(0, column - 1)) + "^");
        }
        if (first == null) {
            first = "the snippet could not be compiled";
            lines.add(first);
        }
        return new CellError("CompilationError", first, lines, null);
    }

    private CellError runtimeError(JShellException reported, Throwable thrown, int cell) {
        if (thrown instanceof CellError error) {
            return error; // a magic called from Java code (lineMagic) failed: show its own message
        }
        if (interrupted(thrown)) {
            return new CellError("Interrupted", "the cell was interrupted",
                    List.of("Interrupted: the cell was interrupted; variables defined before it are kept"), thrown);
        }
        if (reported instanceof UnresolvedReferenceException u) { // null for a rerun
            // The raw object is JShell's internal SPIResolutionException: say what is missing instead.
            String missing = shell.unresolvedDependencies(u.getSnippet()).collect(Collectors.joining(", "));
            String message = u.getSnippet().name() + " cannot be used until "
                    + (missing.isEmpty() ? "what it refers to" : missing) + " is declared";
            return new CellError("UnresolvedReference", message, List.of("UnresolvedReference: " + message), null);
        }
        if (thrown == null) {
            String name = reported instanceof EvalException e ? e.getExceptionClassName() : reported.getClass().getName();
            String message = String.valueOf(reported.getMessage());
            return new CellError(name, message, List.of(name + ": " + message), null);
        }
        List<String> trace = new ArrayList<>();
        describe(thrown, reported, trace, cell, new LinkedHashSet<>(), "");
        return new CellError(thrown.getClass().getName(), String.valueOf(thrown.getMessage()), trace, thrown);
    }

    /**
     * Whether {@code thrown} is how an interrupt ended the cell: the checkpoint's error, or, once a
     * stop was requested, an InterruptedException (possibly wrapped by a library) or the
     * ThreadDeath of the Thread.stop() fallback (Java 17-19) for code stuck inside libraries.
     */
    private static boolean interrupted(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CellGuard.CellInterruptedError) {
                return true;
            }
            if (CellGuard.stopRequested() && (t instanceof InterruptedException
                    || t.getClass().getName().equals("java.lang.ThreadDeath"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The throwable and its causes, each with its frames down to the user's outermost one. The
     * frames come from JShell's report when it has them: it maps snippet classes to snippet
     * lines, which the raw frames of the wrapper classes do not have.
     */
    private void describe(Throwable t, Throwable mapped, List<String> out, int cell, Set<Throwable> seen,
                          String prefix) {
        if (!seen.add(t)) {
            return;
        }
        // The kernel's own stand-ins (System.exit's) by their short name: no kernel package in a trace.
        out.add(prefix + (t.getClass().getEnclosingClass() == CellGuard.class
                ? t.getClass().getSimpleName() + ": " + t.getMessage() : t.toString()));
        StackTraceElement[] frames = mapped != null ? mapped.getStackTrace() : t.getStackTrace();
        int lastUser = -1;
        for (int i = 0; i < frames.length; i++) {
            if (isSnippetFrame(frames[i])) {
                lastUser = i;
            }
        }
        int end = lastUser >= 0 ? lastUser + 1 : frames.length;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < end; i++) {
            if (!frames[i].getClassName().equals(CellGuard.class.getName())) { // System.exit's stand-in
                lines.add("\tat " + frame(frames[i], cell));
            }
        }
        out.addAll(foldRepeats(lines));
        if (t.getCause() != null) {
            describe(t.getCause(), mapped == null ? null : mapped.getCause(), out, cell, seen, "Caused by: ");
        }
    }

    /**
     * Frames of a recursion, once: a StackOverflowError's thousand `at down(cell line 1)` become
     * the repeating block and a line that says how often it repeated (cycles of up to 4 frames).
     */
    static List<String> foldRepeats(List<String> lines) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            int bestPeriod = 0;
            int bestTimes = 1;
            for (int period = 1; period <= 4 && i + 2 * period <= lines.size(); period++) {
                int times = 1;
                while (i + (times + 1) * period <= lines.size()
                        && lines.subList(i, i + period).equals(lines.subList(i + times * period, i + (times + 1) * period))) {
                    times++;
                }
                if (times >= 3 && times * period > bestTimes * Math.max(bestPeriod, 1)) {
                    bestPeriod = period;
                    bestTimes = times;
                }
            }
            if (bestPeriod == 0) {
                out.add(lines.get(i++));
                continue;
            }
            out.addAll(lines.subList(i, i + bestPeriod));
            out.add("\t... the " + (bestPeriod == 1 ? "frame" : bestPeriod + " frames") + " above repeated "
                    + (bestTimes - 1) + " more times");
            i += bestTimes * bestPeriod;
        }
        return out;
    }

    private static boolean isSnippetFrame(StackTraceElement f) {
        return f.getClassName().startsWith(SNIPPET_CLASS_PREFIX)
                || (f.getFileName() != null && f.getFileName().startsWith("#"));
    }

    private String frame(StackTraceElement f, int cell) {
        if (!isSnippetFrame(f)) {
            return f.toString();
        }
        String method = f.getMethodName().isEmpty() || f.getMethodName().equals("do_it$") ? "<cell>" : f.getMethodName();
        String file = f.getFileName();
        String id = file != null && file.startsWith("#") ? file.substring(1) : compiledClassIds.get(f.getClassName());
        Origin origin = id == null ? null : origins.get(id);
        if (origin == null) {
            return method + "(" + (file == null ? "cell" : file) + ")";
        }
        // Raw frames of a rerun count lines of JShell's wrapper: the snippet's first line is
        // the best there is; JShell's own mapped frames ("#id") count lines of the snippet.
        boolean mapped = file != null && file.startsWith("#");
        int line = origin.firstLine() + (mapped ? Math.max(f.getLineNumber(), 1) - 1 : 0);
        return method + (origin.cell() == cell ? "(cell line " + line + ")"
                : "(cell [" + origin.cell() + "] line " + line + ")");
    }

    /**
     * Jupyter's is_complete for a whole cell: every snippet but a trailing unfinished one must be
     * complete; a snippet that cannot become valid by adding text makes the cell "invalid".
     */
    public Completion isComplete(String code) {
        String remaining = code;
        while (!remaining.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(remaining);
            switch (info.completeness()) {
                case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE:
                    return new Completion("incomplete", indentAfter(remaining));
                case UNKNOWN:
                    return new Completion("invalid", "");
                default:
                    remaining = info.remaining();
            }
        }
        return new Completion("complete", "");
    }

    private static String indentAfter(String code) {
        int depth = 0;
        for (char c : code.toCharArray()) {
            if (c == '{' || c == '(') {
                depth++;
            } else if ((c == '}' || c == ')') && depth > 0) {
                depth--;
            }
        }
        return "    ".repeat(Math.max(1, depth));
    }

    /** Completion at {@code cursor}: members after a dot, types, imports, variables. */
    public Candidates complete(String code, int cursor) {
        int start = snippetStart(code, cursor);
        String snippet = code.substring(start, cursor);
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions =
                analysis.completionSuggestions(snippet, snippet.length(), anchor);
        Set<String> matches = new LinkedHashSet<>();
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType)
                .forEach(s -> matches.add(s.continuation()));
        suggestions.forEach(s -> matches.add(s.continuation()));
        return new Candidates(new ArrayList<>(matches), start + anchor[0], cursor);
    }

    /**
     * Signature and documentation of what is at {@code cursor}, or of the variable named there.
     * Returns null when nothing is known.
     */
    public String inspect(String code, int cursor) {
        int start = snippetStart(code, cursor);
        String snippet = code.substring(start);
        int at = cursor - start;
        List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(snippet, at, true);
        if (docs.isEmpty()) {
            // Documentation needs a method call or type; the cursor may sit inside an identifier.
            int end = at;
            while (end < snippet.length() && Character.isJavaIdentifierPart(snippet.charAt(end))) {
                end++;
            }
            docs = analysis.documentation(snippet.substring(0, end), end, true);
            if (docs.isEmpty()) {
                // JShell documents methods only inside a call: `Math.abs` -> `Math.abs(`.
                docs = analysis.documentation(snippet.substring(0, end) + "(", end + 1, true);
            }
        }
        StringBuilder out = new StringBuilder();
        for (SourceCodeAnalysis.Documentation doc : docs) {
            if (out.length() > 0) {
                out.append("\n\n");
            }
            out.append(doc.signature());
            if (doc.javadoc() != null && !doc.javadoc().isBlank()) {
                out.append("\n\n").append(doc.javadoc().strip());
            }
        }
        String name = identifierAt(code, cursor);
        if (name != null) {
            shell.variables().filter(v -> v.name().equals(name) && shell.status(v).isActive())
                    .forEach(v -> {
                        if (out.length() > 0) {
                            out.append("\n\n");
                        }
                        out.append(v.typeName()).append(' ').append(v.name()).append(" = ")
                                .append(shell.varValue(v));
                    });
        }
        return out.length() == 0 ? null : out.toString();
    }

    private static String identifierAt(String code, int cursor) {
        int s = Math.min(cursor, code.length());
        int e = s;
        while (s > 0 && Character.isJavaIdentifierPart(code.charAt(s - 1))) {
            s--;
        }
        while (e < code.length() && Character.isJavaIdentifierPart(code.charAt(e))) {
            e++;
        }
        return s < e ? code.substring(s, e) : null;
    }

    /** Start of the snippet that contains {@code cursor}: complete snippets before it are skipped. */
    private int snippetStart(String code, int cursor) {
        String rest = code.substring(0, Math.min(cursor, code.length()));
        int offset = 0;
        while (!rest.isBlank()) {
            CompletionInfo info = analysis.analyzeCompletion(rest);
            if (!info.completeness().isComplete() || info.remaining().isBlank()) {
                break;
            }
            offset += rest.length() - info.remaining().length();
            rest = info.remaining();
        }
        while (offset < cursor && Character.isWhitespace(code.charAt(offset))) {
            offset++;
        }
        return offset;
    }

    /** How many whitespace characters {@code source} starts with. */
    private static int leadingBlanks(String source) {
        int i = 0;
        while (i < source.length() && Character.isWhitespace(source.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int lineOf(String code, int pos) {
        int line = 1;
        for (int i = 0; i < Math.min(pos, code.length()); i++) {
            if (code.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    @Override
    public void close() {
        shell.close();
    }
}
