package org.globmed.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.globmed.data.GlobMedData;
import org.globmed.model.LanguageModel;
import org.globmed.model.Lora;
import org.globmed.model.Models;
import org.globmed.train.FineTune;
import org.globmed.train.TrainingConfig;
import org.globmed.train.TrainingProgress;

/**
 * {@code globmed finetune}: fine-tuning from the command line, for cluster jobs without a browser.
 * <pre>
 * globmed finetune --model DIR --out RUN_DIR [--data DIR] [--lora R] [--epochs E] [--lr LR] [--resume]
 *                  [--lora-targets q_proj,v_proj,...] [--lora-alpha A] [--lora-dropout P]
 *                  [--languages a,b] [--sources S,T] [--train-split train] [--dev-split test]
 *                  [--batch B] [--accumulate N] [--max-length T] [--max-steps N] [--temperature τ]
 *                  [--eval-every N] [--patience N] [--metric macro|micro|low-resource] [--checkpoint-every N]
 *                  [--keep K] [--seed S] [--chat] [--merge] [--gradient-checkpointing]
 * </pre>
 * Trains on the train split of the data (the bundled sample without {@code --data}), evaluates on
 * the dev split before, during ({@code --eval-every}) and after, and writes everything into
 * RUN_DIR (see {@link FineTune}). Progress goes to stderr as text lines. After a crash or a kill,
 * the same command with {@code --resume} continues from the newest checkpoint. {@code --merge}
 * also writes the LoRA-merged model in the Hugging Face layout to RUN_DIR/merged.
 * {@code globmed finetune bench ...} is the training benchmark ({@link TrainBench}).
 */
final class FinetuneCommand {
    static final String USAGE = "finetune --model DIR --out RUN_DIR [--data DIR] [--lora R] [--epochs E] [--lr LR]"
            + " [--resume] [--lora-targets M,N] [--lora-alpha A] [--lora-dropout P] [--languages a,b] [--sources S,T] [--train-split train] [--dev-split test|none] [--batch B]"
            + " [--accumulate N] [--max-length T] [--max-steps N] [--temperature T] [--eval-every N] [--patience N]"
            + " [--metric macro|micro|low-resource] [--checkpoint-every N] [--keep K] [--seed S] [--chat] [--merge]"
            + " [--gradient-checkpointing]";

    private static final Set<String> VALUED = Set.of("--model", "--data", "--out", "--languages", "--sources",
            "--train-split", "--dev-split", "--lora", "--lora-targets", "--lora-alpha", "--lora-dropout", "--epochs",
            "--lr", "--batch", "--accumulate", "--max-length", "--max-steps", "--temperature", "--eval-every",
            "--patience", "--metric", "--checkpoint-every", "--keep", "--seed");

    private FinetuneCommand() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        if (!args.isEmpty() && args.get(0).equals("bench")) {
            return TrainBench.run(args.subList(1, args.size()), out);
        }
        Options o;
        TrainingConfig config;
        GlobMedData train;
        try {
            o = Options.parse(args, VALUED, Set.of("--resume", "--chat", "--merge", "--gradient-checkpointing"));
            if (!o.positional().isEmpty()) {
                throw new Options.UsageException("unexpected argument " + o.positional().get(0));
            }
            if (!o.has("--model") || !o.has("--out")) {
                throw new Options.UsageException("--model and --out are required");
            }
            config = new TrainingConfig(o.path("--out")).resume(o.has("--resume")).chat(o.has("--chat"))
                    .gradientCheckpointing(o.has("--gradient-checkpointing"));
            o.ifInteger("--lora", config::lora);
            if (o.has("--lora-targets")) {
                config.loraTargets(o.list("--lora-targets"));
            }
            o.ifNumber("--lora-alpha", config::loraAlpha);
            o.ifNumber("--lora-dropout", config::loraDropout);
            o.ifInteger("--epochs", config::epochs);
            o.ifNumber("--lr", config::learningRate);
            o.ifInteger("--batch", config::batchSize);
            o.ifInteger("--accumulate", config::gradientAccumulation);
            o.ifInteger("--max-length", config::maxLength);
            o.ifInteger("--max-steps", config::maxSteps);
            o.ifNumber("--temperature", config::languageTemperature);
            o.ifInteger("--eval-every", config::evaluateEvery);
            o.ifInteger("--patience", config::patience);
            o.ifInteger("--checkpoint-every", config::checkpointEvery);
            o.ifInteger("--keep", config::keepCheckpoints);
            if (o.has("--seed")) {
                config.seed(o.longInteger("--seed", 0));
            }
            if (o.has("--metric")) {
                config.metric(TrainingConfig.Metric.parse(o.text("--metric", null)));
            }
            GlobMedData selection = DataCommands.select(o.path("--data"), o.list("--languages"), o.list("--sources"));
            train = selection.splits(o.text("--train-split", "train"));
            String devSplit = o.text("--dev-split", "test");
            if (!devSplit.equals("none")) {
                GlobMedData dev = selection.splits(devSplit);
                if (dev.size() == 0) {
                    throw new Options.UsageException("the data has no '" + devSplit + "' items for the dev set"
                            + " (--dev-split none trains without one)");
                }
                config.dev(dev);
            }
        } catch (Options.UsageException e) {
            return usage(e.getMessage());
        }
        Path runDir = o.path("--out");
        String trainSplit = o.text("--train-split", "train");
        boolean merge = o.has("--merge");
        out.printf("training on %,d %s items (%s), run folder %s%n", train.size(), trainSplit,
                String.join(" ", train.languageCodes()), runDir);
        try (LanguageModel lm = Models.load(o.path("--model"))) {
            FineTune.Result result = FineTune.run(lm, train, config, TrainingProgress.console(System.err));
            out.println(result.report());
            if (merge && lm.lora().isPresent()) {
                Lora lora = lm.lora().get();
                lora.merge();
                lm.save(runDir.resolve("merged"));
                out.println("merged model -> " + runDir.resolve("merged"));
            }
        } catch (IllegalArgumentException | FineTune.TrainingException e) {
            System.err.println("globmed finetune: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private static int usage(String problem) {
        System.err.println("globmed finetune: " + problem);
        System.err.println("usage: globmed " + USAGE);
        return 2;
    }
}
