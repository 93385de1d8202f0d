package org.globmed.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.globmed.bench.Progress;

/**
 * Where a run is, after each optimizer step and each dev evaluation: what a progress display
 * shows. {@code losses} holds the loss of every step so far (index 0 is step 1), {@code dev} the
 * latest per-language dev accuracy (empty before the first evaluation).
 *
 * <p>Runs report to {@link #defaultSink()} unless told otherwise: text lines on the console,
 * which the Jupyter kernel replaces with a display updated in place (bar, loss curve, dev table).
 */
public record TrainingProgress(long step, long totalSteps, int epoch, double loss, double learningRate, long tokens,
                               long resumedStep, long resumedTokens, Duration elapsed, List<Double> losses,
                               long devStep, Map<String, Double> dev) {
    private static volatile Consumer<TrainingProgress> sink = console(System.err);

    public TrainingProgress {
        losses = List.copyOf(losses);
        dev = Map.copyOf(dev);
    }

    /** Tokens per second trained in this process (steps restored from a checkpoint excluded). */
    public double tokensPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : (tokens - resumedTokens) / seconds;
    }

    /** Time left at this process's pace so far; null before its first step. */
    public Duration eta() {
        long done = step - resumedStep;
        if (done <= 0) {
            return null;
        }
        return Duration.ofNanos((long) (elapsed.toNanos() / (double) done * (totalSteps - step)));
    }

    public boolean finished() {
        return step >= totalSteps;
    }

    @Override
    public String toString() {
        String devPart = devStep == step && !dev.isEmpty() ? ", dev " + devText() : "";
        if (step == 0) {
            return "before training" + devPart;
        }
        Duration eta = eta();
        return String.format(Locale.ROOT, "step %,d/%,d (epoch %d) loss %.4f lr %.3g, %,d tokens, %.0f tokens/s, %s"
                        + " elapsed%s%s", step, totalSteps, epoch + 1, loss, learningRate, tokens, tokensPerSecond(),
                Progress.format(elapsed), finished() || eta == null ? "" : ", ETA " + Progress.format(eta), devPart);
    }

    /** The latest dev accuracy per language, "en 0.410 sw 0.330". */
    public String devText() {
        StringBuilder s = new StringBuilder();
        dev.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> s.append(s.isEmpty() ? "" : " ").append(e.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%.3f", e.getValue())));
        return s.toString();
    }

    /**
     * Text lines for a console or a job log: one per hundredth of the run (every step of a run
     * under a hundred steps), one for each dev evaluation, and the last step.
     */
    public static Consumer<TrainingProgress> console(PrintStream out) {
        return p -> {
            long every = Math.max(1, p.totalSteps() / 100);
            if (p.step() % every == 0 || p.finished() || p.devStep() == p.step() && !p.dev().isEmpty()) {
                out.println(p);
                out.flush();
            }
        };
    }

    public static Consumer<TrainingProgress> defaultSink() {
        return sink;
    }

    /** Replaces {@link #defaultSink()} (the kernel installs its live display). */
    public static void setDefaultSink(Consumer<TrainingProgress> newSink) {
        sink = newSink;
    }
}
