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

    private final BlockingQueue<FutureTask<?>> queue = new LinkedBlockingQueue<>();
    private volatile Thread thread;
    private volatile boolean running;

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
            FutureTask<?> task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                continue; // an interrupt that arrived between cells
            }
            running = true;
            try {
                task.run();
            } finally {
                running = false;
                CellGuard.clearStop();
                Thread.interrupted();
            }
        }
    }

    /** Runs {@code work} on the cell thread and waits for it. */
    public <T> T run(Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(work);
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
        if (!running) {
            return;
        }
        Thread t = thread;
        CellGuard.requestStop();
        t.interrupt();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(STOP_GRACE_MILLIS);
                if (running && CellGuard.stopRequested() && thread == t) {
                    t.stop(); // UnsupportedOperationException from Java 20 on
                }
            } catch (InterruptedException | UnsupportedOperationException ignored) {
                // Instrumented cell code stops at its next checkpoint anyway.
            }
        }, "globmed-interrupt");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    public boolean isRunning() {
        return running;
    }

    /** True when no cell runs and none waits. */
    public boolean isIdle() {
        return !running && queue.isEmpty();
    }
}
