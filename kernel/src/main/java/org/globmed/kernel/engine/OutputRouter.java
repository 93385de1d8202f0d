package org.globmed.kernel.engine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.globmed.kernel.CellOutput;

/**
 * Replaces {@code System.out} and {@code System.err} once, for the whole process, and sends what
 * user code writes to the output of the cell that runs (or, for threads that outlive their cell,
 * of the cell that ran last, as ipykernel does). Text is buffered and sent at most every
 * {@value #FLUSH_MILLIS} ms, so a loop that prints a million lines does not send a million
 * messages, while a cell that prints and then sleeps shows its line at once.
 */
public final class OutputRouter {
    static final long FLUSH_MILLIS = 40;

    private final PrintStream originalOut;
    private final PrintStream originalErr;
    private final Channel out = new Channel("stdout");
    private final Channel err = new Channel("stderr");
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "globmed-output-flush");
        t.setDaemon(true);
        return t;
    });
    private volatile CellOutput target;

    public OutputRouter() {
        this.originalOut = System.out;
        this.originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** The process's real stderr, for kernel diagnostics that must never reach a cell. */
    public PrintStream originalErr() {
        return originalErr;
    }

    /** The process's real stdout. */
    public PrintStream originalOut() {
        return originalOut;
    }

    /** Sends later output to {@code output}. */
    public void attach(CellOutput output) {
        flush();
        this.target = output;
    }

    public CellOutput target() {
        return target;
    }

    /** Sends what is buffered now. */
    public void flush() {
        System.out.flush();
        System.err.flush();
        out.send();
        err.send();
    }

    /** Puts the process's own streams back. */
    public void restore() {
        flush();
        System.setOut(originalOut);
        System.setErr(originalErr);
        flusher.shutdownNow();
    }

    private final class Channel extends OutputStream {
        private final String name;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private boolean scheduled;

        Channel(String name) {
            this.name = name;
        }

        @Override
        public synchronized void write(int b) {
            buffer.write(b);
            schedule();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            buffer.write(b, off, len);
            schedule();
        }

        private void schedule() {
            if (!scheduled) {
                scheduled = true;
                flusher.schedule(this::send, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        void send() {
            String text;
            synchronized (this) {
                scheduled = false;
                if (buffer.size() == 0) {
                    return;
                }
                text = takeCompleteText();
            }
            CellOutput to = target;
            if (to == null) {
                (name.equals("stdout") ? originalOut : originalErr).print(text);
            } else if (!text.isEmpty()) {
                to.stream(name, text);
            }
        }

        /** All buffered text, except the bytes of a UTF-8 character that is not complete yet. */
        private String takeCompleteText() {
            byte[] bytes = buffer.toByteArray();
            int end = bytes.length;
            int i = end - 1;
            int back = 0;
            while (i >= 0 && back < 4 && (bytes[i] & 0xC0) == 0x80) {
                i--;
                back++;
            }
            if (i >= 0 && (bytes[i] & 0x80) != 0) {
                int lead = bytes[i] & 0xFF;
                int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
                if (end - i < need) {
                    end = i;
                }
            }
            buffer.reset();
            buffer.write(bytes, end, bytes.length - end);
            return new String(bytes, 0, end, StandardCharsets.UTF_8);
        }
    }
}
