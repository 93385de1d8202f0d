package org.globmed.kernel.runtime;

import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.Session;

/**
 * What cell code calls to show things; the default startup script imports it statically. The
 * names and signatures are IJava's ({@code display}, {@code render}, {@code updateDisplay}), so
 * IJava notebooks run unchanged.
 *
 * <pre>{@code
 * String id = display(table);          // shows the table, returns its display id
 * updateDisplay(id, table.first(5));   // replaces that output in place
 * display(html("<b>done</b>"));
 * }</pre>
 */
public final class Display {
    private Display() {
    }

    /** Shows {@code value} with its richest renderer and returns the display id. */
    public static String display(Object value) {
        Session s = Session.current();
        return s.display(asData(s, value));
    }

    /** Shows {@code value} as the given MIME types only, e.g. {@code "text/html"}. */
    public static String display(Object value, String... mimeTypes) {
        Session s = Session.current();
        return s.display(s.renderAs(value, mimeTypes));
    }

    /** Replaces the output shown under {@code displayId} with {@code value}. */
    public static void updateDisplay(String displayId, Object value) {
        Session s = Session.current();
        s.updateDisplay(displayId, asData(s, value));
    }

    /** Replaces the output shown under {@code displayId}, rendered as the given MIME types. */
    public static void updateDisplay(String displayId, Object value, String... mimeTypes) {
        Session s = Session.current();
        s.updateDisplay(displayId, s.renderAs(value, mimeTypes));
    }

    /** Renders without showing: the MIME bundle the kernel would send. */
    public static DisplayData render(Object value) {
        return asData(Session.current(), value);
    }

    /** Renders as the given MIME types only. */
    public static DisplayData render(Object value, String... mimeTypes) {
        return Session.current().renderAs(value, mimeTypes);
    }

    /** Clears this cell's output; with {@code wait}, when the next output arrives (no flicker). */
    public static void clearOutput(boolean wait) {
        Session.current().clearOutput(wait);
    }

    /** Clears this cell's output now. */
    public static void clearOutput() {
        clearOutput(false);
    }

    /** HTML to show as is. */
    public static DisplayData html(String html) {
        return bundle("text/html", html, "[HTML]");
    }

    /** Markdown, rendered by the notebook. */
    public static DisplayData markdown(String markdown) {
        return bundle("text/markdown", markdown, markdown);
    }

    /** An SVG image given as its XML text. */
    public static DisplayData svg(String svg) {
        return bundle("image/svg+xml", svg, "[SVG image]");
    }

    /** LaTeX math, e.g. {@code latex("$e^{i\\pi} + 1 = 0$")}. */
    public static DisplayData latex(String latex) {
        return bundle("text/latex", latex, latex);
    }

    private static DisplayData bundle(String mime, String data, String text) {
        DisplayData d = new DisplayData(text);
        d.putData(mime, data);
        return d;
    }

    private static DisplayData asData(Session s, Object value) {
        return value instanceof DisplayData d ? new DisplayData(d) : s.render(value);
    }
}
