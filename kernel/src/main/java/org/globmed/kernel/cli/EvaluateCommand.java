package org.globmed.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
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
        Options o;
        int shots;
        long seed;
        int batch;
        try {
            o = Options.parse(args, Set.of("--model", "--out", "--data", "--languages", "--sources", "--split",
                    "--shots", "--seed", "--batch", "--name"), Set.of("--generative", "--chat"));
            if (!o.positional().isEmpty()) {
                throw new Options.UsageException("unexpected argument " + o.positional().get(0));
            }
            if (!o.has("--model") || !o.has("--out")) {
                throw new Options.UsageException("--model and --out are required");
            }
            shots = o.integer("--shots", 0);
            seed = o.longInteger("--seed", 1234);
            batch = o.integer("--batch", LanguageModel.DEFAULT_BATCH_SIZE);
        } catch (Options.UsageException e) {
            return usage(e.getMessage());
        }
        String model = o.text("--model", null);
        Path results = o.path("--out");
        Path data = o.path("--data");
        List<String> languages = o.list("--languages");
        List<String> sources = o.list("--sources");
        String split = o.text("--split", "test");
        boolean generative = o.has("--generative");
        boolean chat = o.has("--chat");
        String name = o.text("--name", null);
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

    private static int usage(String problem) {
        System.err.println("globmed evaluate: " + problem + "\nusage: globmed " + USAGE);
        return 2;
    }
}
