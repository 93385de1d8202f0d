package org.globmed.plot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import tech.tablesaw.plotly.components.Figure;

/**
 * Training curves of a run folder that is still being written: each {@link #poll()} reads the
 * logs again and gives a new figure when they gained complete lines. The library does not show
 * anything itself; in the kernel, show the figures in one place with {@code updateDisplay}:
 *
 * <pre>{@code
 * TrainingMonitor monitor = Plots.monitor(runDir);
 * String id = display(markdown("waiting for the first step…"));
 * monitor.follow(figure -> updateDisplay(id, figure), Duration.ofSeconds(2), training::isAlive);
 * }</pre>
 */
public final class TrainingMonitor {
    private final Path runDir;
    private final Plots.Options options;
    private int steps = -1;
    private int devRows = -1;

    TrainingMonitor(Path runDir, Plots.Options options) {
        this.runDir = Objects.requireNonNull(runDir, "runDir");
        this.options = options;
    }

    /** The curves of what the run folder holds now; an error while it has no complete step. */
    public Figure figure() {
        RunLogs log = RunLogs.read(runDir, options.registry());
        steps = log.steps().size();
        devRows = log.dev().size();
        return TrainingFigure.build(log, options);
    }

    /**
     * A new figure when the logs have more complete lines than at the last call, else empty
     * (also while train-log.csv has no step, or does not exist yet).
     */
    public Optional<Figure> poll() {
        if (!java.nio.file.Files.exists(runDir.resolve(RunLogs.TRAIN))) {
            return Optional.empty();
        }
        RunLogs log = RunLogs.readSoFar(runDir, options.registry());
        if (log.steps().isEmpty() || (log.steps().size() == steps && log.dev().size() == devRows)) {
            return Optional.empty();
        }
        steps = log.steps().size();
        devRows = log.dev().size();
        return Optional.of(TrainingFigure.build(log, options));
    }

    /** Optimizer steps read at the last {@link #figure()} or successful {@link #poll()}; 0 before. */
    public int steps() {
        return Math.max(steps, 0);
    }

    /**
     * Polls every {@code every} while {@code running} says so, passing each new figure to
     * {@code show}, and once more after it stops, so the last lines are shown too.
     *
     * @return the last figure shown
     * @throws IllegalArgumentException when the run ended without logging a step
     * @throws InterruptedException  when the thread is interrupted (the kernel's stop button)
     */
    public Figure follow(Consumer<Figure> show, Duration every, BooleanSupplier running) throws InterruptedException {
        Objects.requireNonNull(show, "show");
        Figure last = null;
        while (true) {
            boolean more = running.getAsBoolean();
            Optional<Figure> figure = poll();
            if (figure.isPresent()) {
                last = figure.get();
                show.accept(last);
            }
            if (!more) {
                break;
            }
            Thread.sleep(every.toMillis());
        }
        if (last == null) {
            // Nothing new since an earlier poll or figure(): the run's last state, or why there is none.
            last = figure();
            show.accept(last);
        }
        return last;
    }

    @Override
    public String toString() {
        return "TrainingMonitor(" + runDir + ", " + steps() + " steps)";
    }
}
