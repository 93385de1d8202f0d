package org.globmed.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.globmed.bench.Backend;
import org.globmed.bench.Bench;
import org.globmed.bench.HarnessFormat;
import org.globmed.bench.HttpBackend;
import org.globmed.bench.Predictions;
import org.globmed.bench.Progress;
import org.globmed.bench.Results;
import org.globmed.data.GlobMed;
import org.globmed.data.GlobMedData;
import org.globmed.model.LanguageModel;
import org.globmed.model.Models;

/**
 * {@code globmed evaluate}: GlobMed-Bench from the command line, resumable.
 * <pre>
 * globmed evaluate --model DIR|URL|predictions.jsonl|.csv --out RESULTS_DIR [--data DIR] [--languages a,b]
 *                  [--sources S,T] [--split test] [--shots K] [--seed S] [--generative] [--chat]
 *                  [--batch N] [--name MODEL_NAME]
 * </pre>
 * RESULTS_DIR keeps every item's result as it is produced (items.jsonl), so the same command run
 * again after a crash or a kill goes on where it stopped; at the end it writes results.jsonl, the
 * per-language report (report.txt) and lm-evaluation-harness's results JSON and samples JSONL.
 */
final class EvaluateCommand {
    static final String USAGE = "evaluate --model DIR|URL|predictions.jsonl --out RESULTS_DIR [--data DIR]"
            + " [--languages a,b] [--sources S,T] [--split test] [--shots K] [--seed S] [--generative] [--chat]"
            + " [--batch N] [--name MODEL_NAME]";

    private EvaluateCommand() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        String model = null;
        Path results = null;
        Path data = null;
        List<String> languages = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        String split = "test";
        int shots = 0;
        long seed = 1234;
        boolean generative = false;
        boolean chat = false;
        int batch = LanguageModel.DEFAULT_BATCH_SIZE;
        String name = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--generative")) {
                generative = true;
                continue;
            }
            if (a.equals("--chat")) {
                chat = true;
                continue;
            }
            if (i + 1 >= args.size()) {
                return usage();
            }
            String v = args.get(++i);
            switch (a) {
                case "--model" -> model = v;
                case "--out" -> results = Path.of(v);
                case "--data" -> data = Path.of(v);
                case "--languages" -> languages.addAll(List.of(v.split(",")));
                case "--sources" -> sources.addAll(List.of(v.split(",")));
                case "--split" -> split = v;
                case "--shots" -> shots = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--name" -> name = v;
                default -> {
                    return usage();
                }
            }
        }
        if (model == null || results == null) {
            return usage();
        }
        GlobMedData selection = DataCommands.select(data, languages, sources);
        Files.createDirectories(results);

        Results done;
        String lower = model.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".jsonl") || lower.endsWith(".csv")) {
            Predictions.Imported imported = Predictions.read(Path.of(model), selection, split);
            if (imported.unmatched() > 0) {
                out.printf(Locale.ROOT, "%,d predictions name items outside the selection; they were not used%n",
                        imported.unmatched());
            }
            done = imported.results();
        } else {
            Bench.Builder bench = Bench.builder().shots(shots).seed(seed).generative(generative).chat(chat)
                    .batchSize(batch).split(split).cache(results).progress(Progress.console(System.err));
            if (lower.startsWith("http://") || lower.startsWith("https://")) {
                try (Backend http = HttpBackend.builder(model, name == null ? "default" : name).build()) {
                    done = bench.backend(http).evaluate(selection);
                }
            } else {
                try (LanguageModel lm = Models.load(Path.of(model))) {
                    done = bench.model(lm).evaluate(selection);
                }
            }
        }
        done.save(results, HarnessFormat.RunInfo.of(done.model(), done.settings()).withFewshot(shots)
                .withBatchSize(batch).withSeed(seed));
        out.println(done.report().printAll());
        out.printf(Locale.ROOT, "%,d items (%,d from the cache) -> %s%n", done.items().size(), done.cached(), results);
        return 0;
    }

    private static int usage() {
        System.err.println("usage: globmed " + USAGE);
        return 2;
    }
}
