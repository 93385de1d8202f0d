package org.globmed.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds the split files under a path in the published layout. The path may be a root holding
 * {@code GlobMed_<Source>} folders, one such dataset folder, one language folder, or one file; the
 * source, language and split come from the folder and file names. Files other than {@code .json}
 * and {@code .jsonl} (READMEs, licences) are not data and are passed over; a JSON file outside a
 * language folder is reported, not guessed at.
 */
final class Layout {
    static final String PREFIX = "GlobMed_";

    /**
     * The order files are read and items listed in: split, language, source. Besides being stable,
     * it shows the reader every source's format and every script within the first small (test)
     * files; read source by source, each new format made the JIT throw away and redo its compiled
     * code (reading and converting the 600k corpus on 2 cores: 8.3 s that way, 6.5 s this way).
     */
    static final Comparator<SplitFile> READING_ORDER = Comparator.comparing(SplitFile::split)
            .thenComparing(SplitFile::language).thenComparing(SplitFile::source);

    /** The files found, in {@link #READING_ORDER}, and what did not fit the layout. */
    record Found(List<SplitFile> files, List<Problem> problems) {
    }

    /** Names in messages start below this folder: GlobMed_MedQA/sw/test.json, whatever was loaded. */
    private final Path base;
    private final List<SplitFile> files = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();

    private Layout(Path base) {
        this.base = base;
    }

    static Found find(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null,
                    "no such file or folder; expected a GlobMed folder (<root>/GlobMed_<Source>/<lang>/<split>.json)"
                            + " or one split file");
        }
        path = path.toAbsolutePath().normalize();
        Layout layout;
        if (!Files.isDirectory(path)) {
            layout = new Layout(ancestor(path, 3));
            layout.file(path, source(path.getParent().getParent()), name(path.getParent()));
        } else if (children(path).stream().anyMatch(p -> Files.isDirectory(p) && name(p).startsWith(PREFIX))) {
            layout = new Layout(path);
            for (Path child : children(path)) {
                if (Files.isDirectory(child) && name(child).startsWith(PREFIX)) {
                    layout.dataset(child);
                } else {
                    layout.stray(child);
                }
            }
        } else if (children(path).stream().anyMatch(Files::isDirectory)) {
            layout = new Layout(ancestor(path, 1));
            layout.dataset(path);
        } else {
            layout = new Layout(ancestor(path, 2));
            layout.language(path, source(path.getParent()), name(path));
        }
        if (layout.files.isEmpty() && layout.problems.isEmpty()) {
            throw new NoSuchFileException(path.toString(), null, "has no split files; expected"
                    + " <root>/GlobMed_<Source>/<lang>/<split>.json (or .jsonl)");
        }
        layout.files.sort(READING_ORDER);
        return new Found(layout.files, layout.problems);
    }

    private void dataset(Path dir) throws IOException {
        String source = source(dir);
        for (Path child : children(dir)) {
            if (Files.isDirectory(child)) {
                language(child, source, name(child));
            } else {
                stray(child);
            }
        }
    }

    private void language(Path dir, String source, String language) throws IOException {
        for (Path child : children(dir)) {
            if (Files.isDirectory(child)) {
                problems.add(new Problem(relative(child), 0, -1, null, "is a folder inside a language folder;"
                        + " expected only split files (<lang>/<split>.json)"));
            } else {
                file(child, source, language);
            }
        }
    }

    private void file(Path file, String source, String language) {
        String name = name(file);
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".json") || lower.endsWith(".jsonl")) {
            String split = name.substring(0, name.lastIndexOf('.'));
            files.add(new SplitFile(file, relative(file), source, language, split));
        }
    }

    private void stray(Path path) {
        String lower = name(path).toLowerCase(Locale.ROOT);
        if (lower.endsWith(".json") || lower.endsWith(".jsonl")) {
            problems.add(new Problem(relative(path), 0, -1, null, "is outside a language folder; expected"
                    + " GlobMed_<Source>/<lang>/<split>.json, so its language is unknown"));
        }
    }

    private String relative(Path p) {
        return base == null ? p.toString() : base.relativize(p).toString().replace('\\', '/');
    }

    private static Path ancestor(Path p, int levels) {
        for (int i = 0; i < levels && p != null; i++) {
            p = p.getParent();
        }
        return p;
    }

    private static String source(Path dir) {
        String name = dir == null ? "" : name(dir);
        return name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
    }

    private static String name(Path p) {
        Path name = p.getFileName();
        return name == null ? "" : name.toString().replaceAll("/$", "");
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !name(p).startsWith(".")).sorted(Comparator.comparing(Layout::name)).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
