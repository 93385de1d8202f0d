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
 * globmed stats DIR [--tokenizer FILE]       the summary, and tokenizer fertility per language
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
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--tokenizer") && i + 1 < args.size()) {
                tokenizer = Path.of(args.get(++i));
            } else if (a.startsWith("--tokenizer=")) {
                tokenizer = Path.of(a.substring("--tokenizer=".length()));
            } else if (dir == null && !a.startsWith("--")) {
                dir = Path.of(a);
            } else {
                return usage("stats DIR [--tokenizer tokenizer.json]");
            }
        }
        if (dir == null) {
            return usage("stats DIR [--tokenizer tokenizer.json]");
        }
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            System.err.println("globmed stats: " + tokenizer + ": no such file (expected a Hugging Face tokenizer.json)");
            return 2;
        }
        GlobMedData data = GlobMed.loader().lenient().load(dir);
        out.println(data.summary().printAll());
        out.println(data.report().counts() + (data.report().isClean() ? ""
                : " (problems: see globmed validate " + dir + ")"));
        if (tokenizer != null) {
            out.println();
            out.println(data.fertility(tokenizer).printAll());
        }
        return 0;
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
}
