package org.globmed.train;

import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.globmed.model.SafeTensors;

/**
 * The checkpoints of a run: {@code step-NNNNNNNN/} folders holding the trained values
 * ({@value #WEIGHTS}, float32), the optimizer's moments ({@value #OPTIMIZER}) and
 * {@value #STATE}. A checkpoint is written into a hidden temporary folder and renamed into place,
 * so a kill leaves either the whole checkpoint or none; only the newest {@code keep} stay.
 */
final class TrainingCheckpoints {
    static final String WEIGHTS = "trained.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";
    private static final Pattern NAME = Pattern.compile("step-(\\d{8})");

    private final Path root;
    private final int keep;

    TrainingCheckpoints(Path root, int keep) {
        this.root = root;
        this.keep = keep;
    }

    Path folder(long step) {
        return root.resolve(String.format("step-%08d", step));
    }

    /** Steps of the complete checkpoints on disk, oldest first. */
    List<Long> steps() throws IOException {
        List<Long> steps = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return steps;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                Matcher m = NAME.matcher(dir.getFileName().toString());
                if (m.matches() && Files.isRegularFile(dir.resolve(STATE))) {
                    steps.add(Long.parseLong(m.group(1)));
                }
            }
        }
        steps.sort(Comparator.naturalOrder());
        return steps;
    }

    /** The newest checkpoint's state, or null when there is none. */
    TrainingState latest() throws IOException {
        List<Long> steps = steps();
        return steps.isEmpty() ? null : TrainingState.read(folder(steps.get(steps.size() - 1)).resolve(STATE));
    }

    void write(TrainingState state, AdamW optimizer) throws IOException {
        Files.createDirectories(root);
        Path target = folder(state.step);
        Path tmp = root.resolve("." + target.getFileName() + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        Map<String, String> meta = Map.of("format", "pt", "step", Long.toString(state.step));
        SafeTensors.write(tmp.resolve(WEIGHTS), optimizer.values(), meta, DataType.FLOAT32);
        SafeTensors.write(tmp.resolve(OPTIMIZER), optimizer.moments(), meta, DataType.FLOAT32);
        state.write(tmp.resolve(STATE)); // last: a folder with state.json is complete
        replace(tmp, target);
        List<Long> steps = steps();
        for (int i = 0; i < steps.size() - keep; i++) {
            deleteTree(folder(steps.get(i)));
        }
    }

    /** Moves {@code from} to {@code to} in one rename, replacing what was there. */
    static void replace(Path from, Path to) throws IOException {
        Path old = to.resolveSibling("." + to.getFileName() + ".old");
        deleteTree(old);
        if (Files.exists(to)) {
            Files.move(to, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
