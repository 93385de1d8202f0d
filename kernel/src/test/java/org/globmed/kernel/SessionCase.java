package org.globmed.kernel;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.engine.CellError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A test class that runs cells in one real {@link Session} (one per JVM, so one per class). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SessionCase {
    protected Session session;
    protected int count;
    /** The output of the cell that ran last. */
    protected RecordingOutput out;

    @BeforeAll
    void startSession() {
        session = Session.start();
        session.engine();
    }

    @AfterAll
    void stopSession() {
        session.close();
    }

    /** Runs a cell and returns its value, or null. */
    protected DisplayData run(String code) throws CellError {
        out = new RecordingOutput();
        return session.execute(code, ++count, out);
    }

    /** The text/plain value of a cell that must have one. */
    protected String value(String code) throws CellError {
        DisplayData data = run(code);
        assertNotNull(data, () -> "no value from: " + code);
        return RecordingOutput.plain(data);
    }

    /** The error of a cell that must fail. */
    protected CellError failure(String code) {
        return assertThrows(CellError.class, () -> run(code), () -> "no error from: " + code);
    }
}
