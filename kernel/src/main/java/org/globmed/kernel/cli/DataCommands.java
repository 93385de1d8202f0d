package org.globmed.kernel.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.globmed.data.GlobMed;
import org.globmed.data.GlobMedData;
import org.globmed.data.LoadReport;
import org.globmed.data.Problem;

/**
 * The data subcommands of {@code globmed}:
 * <pre>
 * globmed validate DIR                       counts per language and source, every problem; exit 1 on any
 * globmed stats DIR [--tokenizer FILE] [--memory]  the summary, load time, tokenizer fertility, heap use
 * globmed generate DIR [--entries N] [--seed S]   a synthetic corpus in the GlobMed layout
 * globmed sample DIR                         regenerate the bundled sample (data/)
 * </pre>
 */
final class DataCommands {
    private DataCommands() {
    }

    static int validate(List<String> args, PrintStream out) throws IOException {
        if (args.size() != 1) {
            return usage("validate DIR");
        }
        GlobMedData data = GlobMed.loader().lenient().load(Path.of(args.get(0)));
        LoadReport report = data.report();
        out.println(data.summary().printAll());
        out.println(report.counts());
        for (Problem p : report.problems()) {
            out.println("  " + p);
        }
        out.println(report.isClean() ? "valid: no problems"
                : String.format(Locale.ROOT, "invalid: %,d problems", report.problems().size()));
        return report.isClean() ? 0 : 1;
    }

    static int stats(List<String> args, PrintStream out) throws IOException {
        Path dir = null;
        Path tokenizer = null;
        boolean memory = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--memory")) {
                memory = true;
            } else if (a.equals("--tokenizer") && i + 1 < args.size()) {
                tokenizer = Path.of(args.get(++i));
            } else if (a.startsWith("--tokenizer=")) {
                tokenizer = Path.of(a.substring("--tokenizer=".length()));
            } else if (dir == null && !a.startsWith("--")) {
                dir = Path.of(a);
            } else {
                return usage(STATS);
            }
        }
        if (dir == null) {
            return usage(STATS);
        }
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            System.err.println("globmed stats: " + tokenizer + ": no such file (expected a Hugging Face tokenizer.json)");
            return 2;
        }
        long start = System.nanoTime();
        GlobMedData data = GlobMed.loader().lenient().load(dir);
        double seconds = (System.nanoTime() - start) / 1e9;
        out.println(data.summary().printAll());
        out.printf(Locale.ROOT, "%s in %.2f s%s%n", data.report().counts(), seconds, data.report().isClean() ? ""
                : " (problems: see globmed validate " + dir + ")");
        if (memory) {
            out.println(heap(data));
        }
        if (tokenizer != null) {
            out.println();
            out.println(data.fertility(tokenizer).printAll());
        }
        return 0;
    }

    private static final String STATS = "stats DIR [--tokenizer tokenizer.json] [--memory]";

    /**
     * Heap in use after a full collection, and what of it is not the text: each distinct string's
     * characters counted as Java stores them (1 byte each for Latin-1 strings, 2 otherwise); the
     * rest is the per-entry cost of string headers, the table's columns and everything else.
     */
    private static String heap(GlobMedData data) {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long used = rt.totalMemory() - rt.freeMemory();
        long text = 0;
        // Identity: an MCQ's gold_text is its option's own String, and the few-valued columns share theirs.
        java.util.Set<String> counted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (var column : data.table().columns()) {
            if (column instanceof tech.tablesaw.api.StringColumn strings) {
                for (String s : strings) {
                    if (counted.add(s)) {
                        text += latin1(s) ? s.length() : 2L * s.length();
                    }
                }
            }
        }
        int n = Math.max(1, data.size());
        return String.format(Locale.ROOT, "heap after GC: %,.0f MB, of which text %,.0f MB; %,d bytes per entry"
                + " beyond the text", used / 1e6, text / 1e6, (used - text) / n);
    }

    private static boolean latin1(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    static int generate(List<String> args, PrintStream out) throws IOException {
        Path dir = null;
        long entries = GlobMed.DEFAULT_ENTRIES;
        long seed = 0;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--entries") && i + 1 < args.size()) {
                    entries = Long.parseLong(args.get(++i).replace("_", "").replace(",", ""));
                } else if (a.equals("--seed") && i + 1 < args.size()) {
                    seed = Long.parseLong(args.get(++i));
                } else if (dir == null && !a.startsWith("--")) {
                    dir = Path.of(a);
                } else {
                    return usage("generate DIR [--entries N] [--seed S]");
                }
            }
        } catch (NumberFormatException e) {
            System.err.println("globmed generate: " + e.getMessage() + " is not a whole number");
            return 2;
        }
        if (dir == null || entries < 1) {
            return usage("generate DIR [--entries N (at least 1)] [--seed S]");
        }
        long start = System.nanoTime();
        String summary = GlobMed.generate(dir, entries, seed);
        out.printf(Locale.ROOT, "%s in %.1f s%n", summary, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    static int sample(List<String> args, PrintStream out) throws IOException {
        if (args.size() != 1) {
            return usage("sample DIR");
        }
        out.println(GlobMed.writeSample(Path.of(args.get(0))));
        return 0;
    }

    private static int usage(String synopsis) {
        System.err.println("usage: globmed " + synopsis);
        return 2;
    }

    /**
     * The items of {@code data} (the bundled sample when null) in {@code languages} and
     * {@code sources} (all when empty): the selection options of evaluate and finetune.
     */
    static GlobMedData select(Path data, List<String> languages, List<String> sources) throws IOException {
        GlobMed.Loader loader = GlobMed.loader();
        if (!languages.isEmpty()) {
            loader.languages(languages.toArray(String[]::new));
        }
        if (!sources.isEmpty()) {
            loader.sources(sources.toArray(String[]::new));
        }
        return data == null ? loader.load() : loader.load(data);
    }
}
