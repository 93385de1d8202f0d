package org.globmed.kernel.runtime;

import java.util.function.Supplier;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.Session;

/**
 * One output of the running cell updated in place (a display id), for the progress of long library
 * jobs: plain text and HTML, sent at most every half second unless the caller says it matters.
 */
final class LiveOutput {
    private static final long MIN_INTERVAL_NANOS = 500_000_000L;
    private final Session session;
    private String displayId;
    private long lastSent;

    LiveOutput(Session session) {
        this.session = session;
    }

    /**
     * Shows the text and HTML (made only when sent): as a new output when {@code fresh} or when nothing was
     * shown yet, else in place of the last one. Skipped when the last went out less than half a
     * second ago, unless {@code fresh} or {@code urgent}. Returns whether it was sent.
     */
    synchronized boolean show(boolean fresh, boolean urgent, Supplier<String> text, Supplier<String> html) {
        long now = System.nanoTime();
        if (!fresh && !urgent && displayId != null && now - lastSent < MIN_INTERVAL_NANOS) {
            return false;
        }
        lastSent = now;
        DisplayData data = new DisplayData(text.get());
        data.putData("text/html", html.get());
        if (fresh || displayId == null) {
            displayId = session.display(data);
        } else {
            session.updateDisplay(displayId, data);
        }
        return true;
    }
}
