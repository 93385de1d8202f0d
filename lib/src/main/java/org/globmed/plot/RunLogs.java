package org.globmed.plot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Tier;
import org.globmed.train.TrainingLog;

/**
 * The logs of a training run folder, as the fine-tuning code writes them while it trains:
 * <ul>
 *   <li>{@code train-log.csv}: {@code step,epoch,tokens,seconds,loss,learning_rate,grad_norm},
 *       one row per optimizer step (step from 1, seconds since the run started, tokens cumulative);</li>
 *   <li>{@code dev-log.csv} (optional): {@code step,language,tier,n,accuracy}, one row per
 *       language per dev evaluation (step 0 = before training).</li>
 * </ul>
 * The files may be growing: a last line without its line end is being written and is ignored.
 * Columns are found by name (extra columns are allowed); "nan" and an empty cell read as NaN.
 */
final class RunLogs {
    static final String TRAIN = TrainingLog.TRAIN_FILE;
    static final String DEV = TrainingLog.DEV_FILE;
    static final List<String> TRAIN_COLUMNS = TrainingLog.TRAIN_COLUMNS;
    static final List<String> DEV_COLUMNS = TrainingLog.DEV_COLUMNS;
    static final String NAME = "Plots.trainingCurves";

    /** One optimizer step. */
    record Step(long step, double epoch, double tokens, double seconds, double loss, double learningRate,
                double gradNorm) {
    }

    /** One language's accuracy at one dev evaluation. */
    record Dev(long step, Language language, Tier tier, int n, double accuracy) {
    }

    private final Path dir;
    private final List<Step> steps;
    private final List<Dev> dev;

    private RunLogs(Path dir, List<Step> steps, List<Dev> dev) {
        this.dir = dir;
        this.steps = List.copyOf(steps);
        this.dev = List.copyOf(dev);
    }

    /** The logs of {@code dir}; an error when train-log.csv is missing, malformed or has no complete row. */
    static RunLogs read(Path dir, Languages registry) {
        return read(dir, registry, true);
    }

    /** What the logs of {@code dir} hold now, possibly no step yet; an error when train-log.csv is missing. */
    static RunLogs readSoFar(Path dir, Languages registry) {
        return read(dir, registry, false);
    }

    private static RunLogs read(Path dir, Languages registry, boolean requireStep) {
        if (dir == null) {
            throw new IllegalArgumentException(NAME + ": the run folder is null");
        }
        Path train = dir.resolve(TRAIN);
        if (!Files.isRegularFile(train)) {
            throw new IllegalArgumentException(NAME + ": " + dir + " is not a training run folder: it has no " + TRAIN
                    + " (header " + String.join(",", TRAIN_COLUMNS) + ")");
        }
        List<Step> steps = new ArrayList<>();
        for (Line line : lines(train, TRAIN_COLUMNS)) {
            steps.add(new Step(line.whole("step"), line.number("epoch"), line.number("tokens"), line.number("seconds"),
                    line.number("loss"), line.number("learning_rate"), line.number("grad_norm")));
        }
        if (requireStep && steps.isEmpty()) {
            throw new IllegalArgumentException(NAME + ": " + train + " has no complete step yet (only its header):"
                    + " nothing to plot until the first optimizer step is logged");
        }
        List<Dev> dev = new ArrayList<>();
        Path devFile = dir.resolve(DEV);
        if (Files.isRegularFile(devFile)) {
            for (Line line : lines(devFile, DEV_COLUMNS)) {
                String code = line.text("language");
                Language language = Accuracies.language(code, registry, NAME, devFile + " line " + line.number);
                int n = (int) line.whole("n");
                double accuracy = line.number("accuracy");
                if (accuracy < 0 || accuracy > 1) {
                    throw new IllegalArgumentException(NAME + ": " + devFile + " line " + line.number + ": accuracy "
                            + accuracy + " is not a fraction from 0 to 1");
                }
                String tier = line.text("tier");
                dev.add(new Dev(line.whole("step"), language, tier.isBlank() ? language.tier()
                        : Accuracies.tier(tier, NAME, code), n, accuracy));
            }
        }
        return new RunLogs(dir, steps, dev);
    }

    Path dir() {
        return dir;
    }

    /** The run's name: its folder's name. */
    String name() {
        return RunFolders.name(dir);
    }

    List<Step> steps() {
        return steps;
    }

    List<Dev> dev() {
        return dev;
    }

    /** A complete data line of a CSV file, read by column name. */
    private record Line(Path file, int number, Map<String, String> cells) {
        String text(String column) {
            return cells.get(column).strip();
        }

        double number(String column) {
            String v = text(column);
            if (v.isEmpty() || v.equalsIgnoreCase("nan")) {
                return Double.NaN;
            }
            try {
                return switch (v.toLowerCase(Locale.ROOT)) {
                    case "inf", "+inf", "infinity" -> Double.POSITIVE_INFINITY;
                    case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
                    default -> Double.parseDouble(v);
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(NAME + ": " + file + " line " + number + ", column " + column
                        + ": '" + v + "' is not a number");
            }
        }

        long whole(String column) {
            double v = number(column);
            if (Double.isNaN(v) || v != Math.rint(v)) {
                throw new IllegalArgumentException(NAME + ": " + file + " line " + number + ", column " + column
                        + ": '" + text(column) + "' is not a whole number");
            }
            return (long) v;
        }
    }

    private static List<Line> lines(Path file, List<String> required) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of(); // removed between the check and the read: nothing yet
        } catch (IOException e) {
            throw new UncheckedIOException(NAME + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        List<String> rows = new ArrayList<>(Arrays.asList(text.split("\r?\n", -1)));
        // The last element is what follows the last line end: empty when the file ends with one,
        // else a line still being written. Either way it is not a complete line.
        rows.remove(rows.size() - 1);
        if (rows.isEmpty()) {
            return List.of(); // the header is not complete yet
        }
        String[] header = rows.get(0).strip().split(",", -1);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < header.length; i++) {
            index.put(header[i].strip().toLowerCase(Locale.ROOT), i);
        }
        List<String> missing = required.stream().filter(c -> !index.containsKey(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(NAME + ": " + file + " lacks the column" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing) + "; expected the header " + String.join(",", required) + ", found "
                    + rows.get(0).strip());
        }
        List<Line> out = new ArrayList<>();
        for (int r = 1; r < rows.size(); r++) {
            String row = rows.get(r);
            if (row.isBlank()) {
                continue;
            }
            String[] cells = row.split(",", -1);
            if (cells.length != header.length) {
                throw new IllegalArgumentException(NAME + ": " + file + " line " + (r + 1) + " has " + cells.length
                        + " cells, the header " + header.length + ": '" + row + "'");
            }
            Map<String, String> byName = new HashMap<>();
            for (String c : required) {
                byName.put(c, cells[index.get(c)]);
            }
            out.add(new Line(file, r + 1, byName));
        }
        return out;
    }
}
