package org.globmed.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.globmed.io.AtomicFiles;

/**
 * The metrics of a run as two CSV files in its folder, which the plotting helpers and any
 * spreadsheet read, each row written and flushed as it happens:
 * <ul>
 * <li>{@code train-log.csv}: {@code step,epoch,tokens,seconds,loss,learning_rate,grad_norm}, one
 *     row per optimizer step (epoch from 1; tokens: trained tokens so far; seconds: since the run
 *     started).</li>
 * <li>{@code dev-log.csv}: {@code step,language,tier,n,accuracy}, one row per language per dev
 *     evaluation (step 0: before training).</li>
 * </ul>
 * A resumed run first cuts both files back to the checkpoint's step (atomically), so rows of the
 * steps it redoes are not doubled. Written by {@link FineTune}; the plotting helpers read them.
 */
public final class TrainingLog implements AutoCloseable {
    public static final String TRAIN_FILE = "train-log.csv";
    public static final String DEV_FILE = "dev-log.csv";
    public static final List<String> TRAIN_COLUMNS = List.of("step", "epoch", "tokens", "seconds", "loss",
            "learning_rate", "grad_norm");
    public static final List<String> DEV_COLUMNS = List.of("step", "language", "tier", "n", "accuracy");
    static final String TRAIN_HEADER = String.join(",", TRAIN_COLUMNS);
    static final String DEV_HEADER = String.join(",", DEV_COLUMNS);

    private final BufferedWriter train;
    private final BufferedWriter dev;
    private final List<Double> losses = new ArrayList<>();

    /** Opens the logs of {@code folder}, keeping rows up to {@code step} (0 for a new run). */
    TrainingLog(Path folder, long step) throws IOException {
        this.train = open(folder.resolve(TRAIN_FILE), TRAIN_HEADER, step);
        this.dev = open(folder.resolve(DEV_FILE), DEV_HEADER, step);
        if (step > 0) {
            int column = TRAIN_COLUMNS.indexOf("loss");
            for (String line : Files.readAllLines(folder.resolve(TRAIN_FILE), StandardCharsets.UTF_8)) {
                if (!line.equals(TRAIN_HEADER)) {
                    losses.add(Double.parseDouble(line.split(",")[column]));
                }
            }
        }
    }

    /** The losses of the steps kept from an earlier process, step 1 first. */
    List<Double> losses() {
        return losses;
    }

    private static BufferedWriter open(Path file, String header, long step) throws IOException {
        List<String> keep = new ArrayList<>();
        keep.add(header);
        long fields = header.chars().filter(c -> c == ',').count();
        if (step > 0 && Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                // A row cut short by a kill has fewer fields; it belongs to a step being redone.
                int comma = line.indexOf(',');
                if (line.chars().filter(c -> c == ',').count() == fields
                        && Long.parseLong(line.substring(0, comma)) <= step && line.length() > comma + 1) {
                    keep.add(line);
                }
            }
        }
        AtomicFiles.write(file, temporary -> Files.write(temporary, keep, StandardCharsets.UTF_8));
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    void step(long step, int epoch, long tokens, double seconds, double loss, double learningRate, double gradNorm)
            throws IOException {
        train.write(String.format(Locale.ROOT, "%d,%d,%d,%.3f,%s,%s,%s%n", step, epoch, tokens, seconds, loss,
                learningRate, gradNorm));
        train.flush();
    }

    void dev(long step, String language, String tier, int n, double accuracy) throws IOException {
        dev.write(String.format(Locale.ROOT, "%d,%s,%s,%d,%s%n", step, language, tier, n, accuracy));
        dev.flush();
    }

    @Override
    public void close() throws IOException {
        try (train) {
            dev.close();
        }
    }
}
