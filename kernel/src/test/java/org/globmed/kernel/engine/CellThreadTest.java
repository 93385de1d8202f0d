package org.globmed.kernel.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The thread that runs cells: results, errors, and interrupts that belong to one cell only. */
class CellThreadTest {
    private final CellThread cells = new CellThread();

    @AfterEach
    void clearStop() {
        CellGuard.clearStop();
    }

    @Test
    void runsOnOneLongLivedThreadAndReturnsResults() throws Exception {
        String first = cells.run(() -> Thread.currentThread().getName());
        String second = cells.run(() -> Thread.currentThread().getName());
        assertEquals("globmed-cell", first);
        assertEquals(first, second);
        assertEquals(42, cells.run(() -> 6 * 7));
        assertTrue(cells.isIdle());
    }

    @Test
    void exceptionsAndErrorsOfTheWorkReachTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cells.run(() -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        assertThrows(StackOverflowError.class, () -> cells.run(() -> {
            throw new StackOverflowError();
        }));
    }

    @Test
    void interruptStopsABlockedCell() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Thread caller = new Thread(() -> {
            try {
                cells.run(() -> {
                    started.countDown();
                    Thread.sleep(60_000);
                    return null;
                });
            } catch (Exception ignored) {
                // InterruptedException expected
            }
        });
        caller.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        cells.interrupt();
        caller.join(5_000);
        assertFalse(caller.isAlive());
        assertEquals(7, cells.run(() -> 7), "the next cell runs normally");
    }

    @Test
    void interruptWithNothingRunningIsANoOp() throws Exception {
        cells.interrupt();
        assertEquals(1, cells.run(() -> {
            CellGuard.checkpoint();
            return 1;
        }));
    }

    /**
     * An interrupt that arrives as a cell ends must not reach the next cell: neither as a stop
     * request at its first checkpoint nor as the Thread.stop fallback hitting the idle thread
     * (which used to corrupt the queue and hang every later cell).
     */
    @Test
    void interruptRacingTheEndOfACellNeverReachesTheNextOne() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int leaked = 0;
            for (int i = 0; i < 40_000; i++) {
                cells.run(() -> 1);
                cells.interrupt();
                try {
                    cells.run(() -> {
                        CellGuard.checkpoint();
                        return 1;
                    });
                } catch (CellGuard.CellInterruptedError e) {
                    leaked++;
                }
            }
            assertEquals(0, leaked, "interrupts that reached a later cell");
        });
    }
}
