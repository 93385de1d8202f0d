package org.globmed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.globmed.kernel.engine.CellError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Jupyter's interrupt: every way a cell can run forever ends with "Interrupted" within a second,
 * and the session keeps its variables.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionInterruptTest {
    /** The bound the kernel promises for an interrupt (CellThread's javadoc, the design's spec). */
    private static final long BOUND_MILLIS = 1000;

    private Session session;
    private int count;

    @BeforeAll
    void start() throws Exception {
        session = Session.start();
        session.execute("int before = 41;", ++count, new RecordingOutput());
    }

    @AfterAll
    void stop() {
        session.close();
    }

    /**
     * Runs {@code body} in a cell on another thread, interrupts once the cell has printed
     * "started" (so the cell is surely running), and returns the error and how long it took.
     */
    private CellError interruptRunning(String body) throws Exception {
        RecordingOutput out = new RecordingOutput();
        int n = ++count;
        CompletableFuture<Object> cell = CompletableFuture.supplyAsync(() -> {
            try {
                return session.execute(body, n, out);
            } catch (CellError e) {
                return e;
            }
        });
        assertTrue(out.awaitStdout("started", 30, TimeUnit.SECONDS), "the cell did not start: " + out.events());
        long t0 = System.nanoTime();
        session.interrupt();
        Object result = cell.get(30, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        if (!(result instanceof CellError error)) {
            fail("the cell ended without an error: " + result);
            return null;
        }
        assertEquals("Interrupted", error.ename(), () -> String.join("\n", error.traceback()));
        assertTrue(millis < BOUND_MILLIS, "the interrupt took " + millis + " ms");
        return error;
    }

    private void assertSessionUsable() throws Exception {
        RecordingOutput out = new RecordingOutput();
        assertEquals("42", RecordingOutput.plain(session.execute("before + 1", ++count, out)));
    }

    @Test
    void busyLoop() throws Exception {
        interruptRunning("{ System.out.println(\"started\"); while (true) {} }");
        assertSessionUsable();
    }

    @Test
    void valueWhoseToStringNeverReturns() throws Exception {
        // Rendering runs user code: it must be on the cell thread, where an interrupt reaches it.
        session.execute("class EndlessText { public String toString() { while (true) {} } }", ++count,
                new RecordingOutput());
        interruptRunning("System.out.println(\"started\");\nnew EndlessText()");
        assertSessionUsable();
    }

    @Test
    void sleep() throws Exception {
        interruptRunning("{ System.out.println(\"started\"); Thread.sleep(60_000); }");
        assertSessionUsable();
    }

    @Test
    void blockingWait() throws Exception {
        interruptRunning("{ System.out.println(\"started\"); new java.util.concurrent.CountDownLatch(1).await(); }");
        assertSessionUsable();
    }

    @Test
    void loopInsideAUserMethod() throws Exception {
        session.execute("long spin() { long n = 0; while (true) { n++; } }", ++count, new RecordingOutput());
        interruptRunning("{ System.out.println(\"started\"); spin(); }");
        assertSessionUsable();
    }

    @Test
    void loopInsideALambda() throws Exception {
        interruptRunning("{ Runnable forever = () -> { while (true) {} };\n"
                + "  System.out.println(\"started\");\n  forever.run(); }");
        assertSessionUsable();
    }

    @Test
    void loopThatCatchesThrowable() throws Exception {
        interruptRunning("{ System.out.println(\"started\");\n"
                + "  while (true) { try { Thread.sleep(5); } catch (Throwable t) { } } }");
        interruptRunning("{ System.out.println(\"started\");\n"
                + "  while (true) { try { while (true) {} } catch (Throwable t) { } } }");
        assertSessionUsable();
    }

    @Test
    void loopInAClassDefinedInACell() throws Exception {
        session.execute("class Worker { void work() { for (int i = 0; ; i = (i + 1) % 7) { } } }",
                ++count, new RecordingOutput());
        interruptRunning("{ System.out.println(\"started\"); new Worker().work(); }");
        assertSessionUsable();
    }

    /**
     * Code stuck inside a library has no checkpoints; up to Java 19 the kernel stops it with
     * Thread.stop after a grace period, and that too must read as an interrupt.
     */
    @Test
    void loopInsideLibraryCodeOnJavaWithThreadStop() throws Exception {
        assumeTrue(Runtime.version().feature() < 20, "Thread.stop is gone from Java 20 on");
        // Years of summing inside java.util.stream, which never checks interrupts.
        interruptRunning("{ System.out.println(\"started\");\n"
                + "  java.util.stream.LongStream.range(0, Long.MAX_VALUE).sum(); }");
        assertSessionUsable();
    }

    /**
     * An interrupt that arrives while JShell compiles: javac cannot be interrupted, and must not
     * be stopped either (up to Java 19 a Thread.stop inside javac broke every later cell).
     */
    @Test
    void interruptWhileCompilingLeavesTheSessionWorking() throws Exception {
        StringBuilder code = new StringBuilder("System.out.println(\"started\");\nint bigMethod(int x) {\n");
        for (int i = 0; i < 2000; i++) {
            code.append("  x = x * 31 + ").append(i).append(" ^ (x >>> 3);\n"); // about a second to compile
        }
        code.append("  return x;\n}\n");
        RecordingOutput out = new RecordingOutput();
        int n = ++count;
        CompletableFuture<Object> cell = CompletableFuture.supplyAsync(() -> {
            try {
                return session.execute(code.toString(), n, out);
            } catch (CellError e) {
                return e;
            }
        });
        assertTrue(out.awaitStdout("started", 30, TimeUnit.SECONDS));
        session.interrupt();
        Object result = cell.get(60, TimeUnit.SECONDS);
        if (result instanceof CellError e) {
            assertEquals("Interrupted", e.ename(), () -> String.join("\n", e.traceback()));
        }
        assertSessionUsable();
        RecordingOutput after = new RecordingOutput();
        assertEquals("[1]", RecordingOutput.plain(session.execute("List<Integer> fresh = List.of(1);\nfresh", ++count, after)));
    }

    @Test
    void variablesDefinedInTheInterruptedCellBeforeTheLoopAreKept() throws Exception {
        CellError e = interruptRunning("int keptFromInterrupted = 7;\n"
                + "{ System.out.println(\"started\"); while (true) {} }");
        assertTrue(e.traceback().get(0).contains("interrupted"), e.traceback().toString());
        assertEquals("7", RecordingOutput.plain(session.execute("keptFromInterrupted", ++count, new RecordingOutput())));
    }

    @Test
    void interruptBetweenCellsDoesNotReachTheNextCell() throws Exception {
        session.interrupt(); // nothing runs: a no-op
        RecordingOutput out = new RecordingOutput();
        assertNull(session.execute("for (int i = 0; i < 1000; i++) { Thread.sleep(0); }", ++count, out));
        assertSessionUsable();
    }
}
