package org.globmed.kernel.magic;

import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.Session;
import org.globmed.kernel.engine.CellError;

/** What a magic may use: the session it runs in and the cell it belongs to. */
public final class MagicContext {
    private final Session session;
    private final int cell;
    private final boolean insideJava;
    private final int line;

    /** For a magic on line {@code line} (1-based) of its cell, on a line of its own. */
    public MagicContext(Session session, int cell, int line) {
        this(session, cell, line, false);
    }

    /**
     * @param insideJava true when the magic was called from Java code ({@code x = %jars a.jar}),
     *                   where it must not evaluate Java itself: JShell is not re-entrant.
     */
    public MagicContext(Session session, int cell, int line, boolean insideJava) {
        this.session = session;
        this.cell = cell;
        this.line = line;
        this.insideJava = insideJava;
    }

    /** The line of the cell where the magic stands (1-based). */
    public int line() {
        return line;
    }

    public Session session() {
        return session;
    }

    /** Evaluates Java code as part of this cell; {@code line} is where it starts in the cell. */
    public Object eval(String code, int line) throws CellError {
        requireOwnLine();
        return session.evalForMagic(code, cell, line);
    }

    /** Runs a whole cell's source (magics and Java) as part of this cell. */
    public Object run(String source) throws Exception {
        requireOwnLine();
        return session.runNested(source, cell);
    }

    private void requireOwnLine() throws CellError {
        if (insideJava) {
            throw CellError.of("MagicMisuse", "this magic runs Java code, so it must start its own line"
                    + " (it cannot be used inside a Java expression)");
        }
    }

    /** Shows a rich output in this cell. */
    public void display(DisplayData data) {
        session.display(data);
    }
}
