package org.globmed.kernel.runtime;

import java.util.Locale;
import java.util.function.Consumer;
import org.globmed.bench.Progress;
import org.globmed.display.TableHtml;
import org.globmed.kernel.Session;

/**
 * Long library jobs (evaluations) report progress to this bar in the running cell: one output,
 * updated in place (a display id), HTML for the notebook and the progress line as plain text.
 * Updates are sent at most every half second, and always for the first and the last event.
 */
public final class ProgressBar implements Consumer<Progress> {
    private final LiveOutput output;

    private ProgressBar(Session session) {
        this.output = new LiveOutput(session);
    }

    /** Makes this session's cells the default destination of library progress. */
    public static void install(Session session) {
        Progress.setDefaultSink(new ProgressBar(session));
    }

    @Override
    public void accept(Progress p) {
        output.show(p.elapsed().isZero(), p.finished(), p::toString, () -> html(p));
    }

    static String html(Progress p) {
        double fraction = p.total() == 0 ? 1 : (double) p.done() / p.total();
        return String.format(Locale.ROOT, "<div style=\"font-family:monospace\"><progress value=\"%d\" max=\"%d\""
                        + " style=\"width:40%%\"></progress> %s</div>", p.done(), Math.max(1, p.total()),
                TableHtml.escape(p.toString()) + (fraction >= 1 ? " ✓" : ""));
    }
}
