package org.globmed.kernel.engine;

import java.util.List;

/**
 * Why a cell failed, ready to show: the Jupyter error triple ({@code ename}, {@code evalue},
 * {@code traceback}). Compile errors name the line and column within the cell; runtime errors
 * carry the user's stack frames only.
 */
public final class CellError extends Exception {
    private final String name;
    private final String value;
    private final List<String> traceback;
    private final Throwable thrown;

    CellError(String name, String value, List<String> traceback, Throwable thrown) {
        super(name + ": " + value, null, false, false);
        this.name = name;
        this.value = value;
        this.traceback = List.copyOf(traceback);
        this.thrown = thrown;
    }

    /** A failure outside user code (bad magic arguments, missing file) shown as a one-line error. */
    public static CellError of(String name, String message) {
        return new CellError(name, message, List.of(name + ": " + message), null);
    }

    /** Jupyter's {@code ename}: the exception class, or CompilationError, or Interrupted. */
    public String ename() {
        return name;
    }

    /** Jupyter's {@code evalue}: the message. */
    public String evalue() {
        return value;
    }

    /** Lines to show, trimmed to the user's frames. */
    public List<String> traceback() {
        return traceback;
    }

    /** The object user code threw, when there was one. */
    public Throwable thrown() {
        return thrown;
    }
}
