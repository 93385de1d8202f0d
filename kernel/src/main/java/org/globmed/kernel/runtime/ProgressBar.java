package org.globmed.kernel.runtime;

import java.util.Locale;
import java.util.function.Consumer;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.bench.Progress;
import org.globmed.display.TableHtml;
import org.globmed.kernel.Session;

/**
 * Long library jobs (evaluations) report progress to this bar in the running cell: one output,
 * updated in place (a display id), HTML for the notebook and the progress line as plain text.
 * Updates are sent at most every half second, and always for the first and the last event.
 */
public final class ProgressBar implements Consumer<Progress> {
    private static final long MIN_INTERVAL_NANOS = 500_000_000L;
    private final Session session;
    private String displayId;
    private long lastSent;

    private ProgressBar(Session session) {
        this.session = session;
    }

    /** Makes this session's cells the default destination of library progress. */
    public static void install(Session session) {
        Progress.setDefaultSink(new ProgressBar(session));
    }

    @Override
    public synchronized void accept(Progress p) {
        long now = System.nanoTime();
        boolean start = p.elapsed().isZero();
        if (!start && !p.finished() && now - lastSent < MIN_INTERVAL_NANOS) {
            return;
        }
        lastSent = now;
        DisplayData data = new DisplayData(p.toString());
        data.putData("text/html", html(p));
        if (start || displayId == null) {
            displayId = session.display(data);
        } else {
            session.updateDisplay(displayId, data);
        }
    }

    static String html(Progress p) {
        double fraction = p.total() == 0 ? 1 : (double) p.done() / p.total();
        return String.format(Locale.ROOT, "<div style=\"font-family:monospace\"><progress value=\"%d\" max=\"%d\""
                        + " style=\"width:40%%\"></progress> %s</div>", p.done(), Math.max(1, p.total()),
                TableHtml.escape(p.toString()) + (fraction >= 1 ? " ✓" : ""));
    }
}
