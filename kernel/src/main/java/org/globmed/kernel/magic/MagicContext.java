package org.globmed.kernel.magic;

import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.Session;
import org.globmed.kernel.engine.CellError;

/** What a magic may use: the session it runs in and the cell it belongs to. */
public final class MagicContext {
    private final Session session;
    private final int cell;

    public MagicContext(Session session, int cell) {
        this.session = session;
        this.cell = cell;
    }

    public Session session() {
        return session;
    }

    /** Evaluates Java code as part of this cell; {@code line} is where it starts in the cell. */
    public Object eval(String code, int line) throws CellError {
        return session.evalForMagic(code, cell, line);
    }

    /** Runs a whole cell's source (magics and Java) as part of this cell. */
    public Object run(String source) throws Exception {
        return session.runNested(source, cell);
    }

    /** Shows a rich output in this cell. */
    public void display(DisplayData data) {
        session.display(data);
    }
}
