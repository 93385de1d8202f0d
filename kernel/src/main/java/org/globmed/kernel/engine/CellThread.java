package org.globmed.kernel.engine;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The one thread that runs cells. Kept across cells (thread-locals of libraries survive), with a
 * large stack for deep recursion in user code and in javac. An interrupt sets the flag that
 * instrumented cell code checks and interrupts blocking calls; on Java versions that still have
 * it, a cell stuck inside library code is stopped with {@code Thread.stop} after a grace period.
 */
public final class CellThread {
    private static final long STACK_BYTES = 64L << 20;
    private static final long STOP_GRACE_MILLIS = 400;
    private static final long STOP_POLL_MILLIS = 50;

    private final BlockingQueue<FutureTask<?>> queue = new LinkedBlockingQueue<>();
    private volatile Thread thread;
    /** Guards {@code running}, {@code cellNumber} and the stop request, so an interrupt belongs to one cell. */
    private final Object lock = new Object();
    private volatile boolean running;
    /** Work handed to run() and not finished yet. */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private long cellNumber;

    public CellThread() {
        start();
    }

    private void start() {
        Thread t = new Thread(null, this::loop, "globmed-cell", STACK_BYTES);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void loop() {
        while (true) {
            try {
                runNext();
            } catch (Throwable late) {
                // Only a Thread.stop() that landed after its cell's code had returned gets here
                // (FutureTask keeps whatever the cell threw). This thread runs every later cell:
                // it must go on, with the cell's state cleared.
                finish();
            }
        }
    }

    private void runNext() {
        FutureTask<?> task;
        try {
            task = queue.take();
        } catch (InterruptedException e) {
            return; // an interrupt that arrived between cells
        }
        synchronized (lock) {
            cellNumber++;
            running = true;
        }
        try {
            task.run();
        } finally {
            finish();
        }
    }

    /** Ends a cell: an interrupt that was meant for it must not reach the next one. */
    private void finish() {
        synchronized (lock) {
            running = false;
            CellGuard.clearStop();
            Thread.interrupted();
        }
    }

    /** Runs {@code work} on the cell thread and waits for it. */
    public <T> T run(Callable<T> work) throws Exception {
        // Counted from before it is queued until its work is done (before the caller sees the
        // result), so isIdle() has no window in either direction.
        pending.incrementAndGet();
        FutureTask<T> task = new FutureTask<>(() -> {
            try {
                return work.call();
            } finally {
                pending.decrementAndGet();
            }
        });
        if (!thread.isAlive()) {
            start();
        }
        queue.add(task);
        try {
            return task.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Asks the running cell to stop. Returns at once; the cell ends within about a second. */
    @SuppressWarnings({"deprecation", "removal"})
    public void interrupt() {
        Thread t;
        long target;
        // Under the lock: a cell that ends right now either clears this request in finish() or
        // is no longer running, so the request never leaks into the next cell.
        synchronized (lock) {
            if (!running) {
                return;
            }
            t = thread;
            target = cellNumber;
            CellGuard.requestStop();
            t.interrupt();
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(STOP_GRACE_MILLIS);
                while (true) {
                    synchronized (lock) {
                        // The same cell only: a later cell must not be stopped by this request.
                        if (!running || cellNumber != target || !CellGuard.stopRequested() || thread != t) {
                            return;
                        }
                        // Never while JShell compiles: a stopped javac breaks every later cell.
                        // Compiled code then meets a checkpoint on entry, so waiting is enough.
                        if (CellGuard.inUserCode()) {
                            t.stop(); // UnsupportedOperationException from Java 20 on
                            return;
                        }
                    }
                    Thread.sleep(STOP_POLL_MILLIS);
                }
            } catch (InterruptedException | UnsupportedOperationException ignored) {
                // Instrumented cell code stops at its next checkpoint anyway.
            }
        }, "globmed-interrupt");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** True when no cell runs and none waits. */
    public boolean isIdle() {
        return pending.get() == 0;
    }
}
