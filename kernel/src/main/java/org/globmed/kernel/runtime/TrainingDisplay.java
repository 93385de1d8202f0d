package org.globmed.kernel.runtime;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.globmed.display.TableHtml;
import org.globmed.kernel.Session;
import org.globmed.train.TrainingProgress;

/**
 * The live display of a fine-tuning run in the running cell: one output updated in place (a
 * display id) with a progress bar and ETA, the loss curve so far (inline SVG: no library to load),
 * the learning rate, and the latest per-language dev accuracy. Plain text carries the progress
 * line. Updates go out at most every half second, and always at the start, at each dev
 * evaluation and at the end.
 */
public final class TrainingDisplay implements Consumer<TrainingProgress> {
    /** Points of the loss curve drawn at most: longer runs are averaged into this many buckets. */
    static final int CURVE_POINTS = 300;
    private final LiveOutput output;
    private long lastDevStep = -1;

    private TrainingDisplay(Session session) {
        this.output = new LiveOutput(session);
    }

    /** Makes this session's cells the default destination of training progress. */
    public static void install(Session session) {
        TrainingProgress.setDefaultSink(new TrainingDisplay(session));
    }

    @Override
    public synchronized void accept(TrainingProgress p) {
        boolean dev = p.devStep() != lastDevStep && !p.dev().isEmpty();
        if (output.show(p.step() == p.resumedStep(), dev || p.finished(), p::toString, () -> html(p))) {
            lastDevStep = p.devStep();
        }
    }

    static String html(TrainingProgress p) {
        StringBuilder s = new StringBuilder("<div style=\"font-family:monospace\">");
        s.append(String.format(Locale.ROOT, "<progress value=\"%d\" max=\"%d\" style=\"width:40%%\"></progress> ",
                p.step(), Math.max(1, p.totalSteps())));
        s.append(TableHtml.escape(p.toString())).append(p.finished() ? " ✓" : "");
        s.append("<div style=\"display:flex;gap:24px;align-items:flex-start;margin-top:4px\">");
        s.append(curve(p.losses()));
        if (!p.dev().isEmpty()) {
            s.append("<table><tr><th>language</th><th>dev accuracy (step ").append(p.devStep()).append(")</th></tr>");
            for (Map.Entry<String, Double> e : new java.util.TreeMap<>(p.dev()).entrySet()) {
                s.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td></tr>", TableHtml.escape(e.getKey()),
                        e.getValue()));
            }
            s.append("</table>");
        }
        return s.append("</div></div>").toString();
    }

    /** The loss per step as an SVG polyline, 360 × 120, with the first and last values labelled. */
    static String curve(List<Double> losses) {
        List<Double> finite = losses.stream().filter(Double::isFinite).toList();
        if (finite.size() < 2) {
            return "";
        }
        int buckets = Math.min(CURVE_POINTS, finite.size());
        double[] y = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * finite.size() / buckets);
            int to = (int) ((long) (b + 1) * finite.size() / buckets);
            y[b] = finite.subList(from, to).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }
        double lo = java.util.Arrays.stream(y).min().orElse(0);
        double hi = java.util.Arrays.stream(y).max().orElse(1);
        double span = hi > lo ? hi - lo : 1;
        StringBuilder points = new StringBuilder();
        for (int b = 0; b < buckets; b++) {
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", 30 + 320.0 * b / Math.max(1, buckets - 1),
                    10 + 90 * (hi - y[b]) / span));
        }
        return String.format(Locale.ROOT, "<svg class=\"globmed-loss\" width=\"360\" height=\"120\">"
                        + "<polyline fill=\"none\" stroke=\"#0072B2\" stroke-width=\"1.5\" points=\"%s\"/>"
                        + "<text x=\"0\" y=\"14\" font-size=\"10\">%.3f</text><text x=\"0\" y=\"104\" font-size=\"10\">%.3f</text>"
                        + "<text x=\"150\" y=\"118\" font-size=\"10\">loss, %d steps</text></svg>",
                points.toString().trim(), hi, lo, finite.size());
    }
}
