package org.globmed.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * How far an evaluation is: items done out of the total (of which {@code cached} came from an
 * earlier run), the rate of the items computed in this run, and the time left at that rate.
 *
 * <p>Where progress goes when the caller gives no listener: {@link #defaultSink()}, the console
 * (one line rewritten in place on stderr) unless an environment installs its own — the Jupyter
 * kernel installs a progress bar that updates in place in the cell's output.
 */
public record Progress(String label, int done, int total, int cached, Duration elapsed) {
    private static volatile Consumer<Progress> sink = console(System.err);

    /** Items per second computed in this run (cached items excluded). */
    public double rate() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : (done - cached) / seconds;
    }

    /** Time left at the current rate; null before anything was computed. */
    public Duration eta() {
        double rate = rate();
        return rate <= 0 ? null : Duration.ofMillis((long) ((total - done) / rate * 1000));
    }

    public boolean finished() {
        return done >= total;
    }

    @Override
    public String toString() {
        Duration eta = eta();
        return String.format(Locale.ROOT, "%s %,d/%,d items (%d%%)%s, %.1f items/s, %s elapsed%s", label, done, total,
                total == 0 ? 100 : 100L * done / total, cached > 0 ? String.format(Locale.ROOT, ", %,d cached", cached) : "",
                rate(), format(elapsed), finished() || eta == null ? "" : ", ETA " + format(eta));
    }

    /** "m:ss", or "h:mm:ss" from an hour. */
    public static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** Progress lines on a console: rewritten in place ({@code \r}), ended with a newline when finished. */
    public static Consumer<Progress> console(PrintStream out) {
        return p -> {
            out.print("\r" + p);
            if (p.finished()) {
                out.println();
            }
            out.flush();
        };
    }

    /** Where evaluations report progress when not told otherwise. */
    public static Consumer<Progress> defaultSink() {
        return sink;
    }

    /** Replaces {@link #defaultSink()} (the kernel installs an in-place progress bar). */
    public static void setDefaultSink(Consumer<Progress> newSink) {
        sink = newSink;
    }
}
