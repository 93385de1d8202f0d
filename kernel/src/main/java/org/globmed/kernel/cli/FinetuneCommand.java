package org.globmed.kernel.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    private FinetuneCommand() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        if (!args.isEmpty() && args.get(0).equals("bench")) {
            return TrainBench.run(args.subList(1, args.size()), out);
        }
        Path model = null;
        Path data = null;
        Path runDir = null;
        List<String> languages = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        String trainSplit = "train";
        String devSplit = "test";
        boolean merge = false;
        TrainingConfig.Metric metric = null;
        // Options are applied once the output folder (the config's one required value) is known.
        List<java.util.function.Consumer<TrainingConfig>> settings = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--resume" -> {
                    settings.add(c -> c.resume(true));
                    continue;
                }
                case "--chat" -> {
                    settings.add(c -> c.chat(true));
                    continue;
                }
                case "--merge" -> {
                    merge = true;
                    continue;
                }
                case "--gradient-checkpointing" -> {
                    settings.add(c -> c.gradientCheckpointing(true));
                    continue;
                }
                default -> {
                }
            }
            if (i + 1 >= args.size()) {
                return usage("missing value after " + a);
            }
            String v = args.get(++i);
            try {
                switch (a) {
                    case "--model" -> model = Path.of(v);
                    case "--data" -> data = Path.of(v);
                    case "--out" -> runDir = Path.of(v);
                    case "--languages" -> languages.addAll(List.of(v.split(",")));
                    case "--sources" -> sources.addAll(List.of(v.split(",")));
                    case "--train-split" -> trainSplit = v;
                    case "--dev-split" -> devSplit = v;
                    case "--lora" -> {
                        int rank = Integer.parseInt(v);
                        settings.add(c -> c.lora(rank));
                    }
                    case "--lora-targets" -> {
                        List<String> targets = List.of(v.split(","));
                        settings.add(c -> c.loraTargets(targets));
                    }
                    case "--lora-alpha" -> {
                        double alpha = Double.parseDouble(v);
                        settings.add(c -> c.loraAlpha(alpha));
                    }
                    case "--lora-dropout" -> {
                        double dropout = Double.parseDouble(v);
                        settings.add(c -> c.loraDropout(dropout));
                    }
                    case "--epochs" -> {
                        int epochs = Integer.parseInt(v);
                        settings.add(c -> c.epochs(epochs));
                    }
                    case "--lr" -> {
                        double lr = Double.parseDouble(v);
                        settings.add(c -> c.learningRate(lr));
                    }
                    case "--batch" -> {
                        int batch = Integer.parseInt(v);
                        settings.add(c -> c.batchSize(batch));
                    }
                    case "--accumulate" -> {
                        int n = Integer.parseInt(v);
                        settings.add(c -> c.gradientAccumulation(n));
                    }
                    case "--max-length" -> {
                        int n = Integer.parseInt(v);
                        settings.add(c -> c.maxLength(n));
                    }
                    case "--max-steps" -> {
                        int n = Integer.parseInt(v);
                        settings.add(c -> c.maxSteps(n));
                    }
                    case "--temperature" -> {
                        double t = Double.parseDouble(v);
                        settings.add(c -> c.languageTemperature(t));
                    }
                    case "--eval-every" -> {
                        int n = Integer.parseInt(v);
                        settings.add(c -> c.evaluateEvery(n));
                    }
                    case "--patience" -> {
                        int n = Integer.parseInt(v);
                        settings.add(c -> c.patience(n));
                    }
                    case "--metric" -> metric = TrainingConfig.Metric.parse(v);
                    case "--checkpoint-every" -> {
                        int n = Integer.parseInt(v);
                        settings.add(c -> c.checkpointEvery(n));
                    }
                    case "--keep" -> {
                        int n = Integer.parseInt(v);
                        settings.add(c -> c.keepCheckpoints(n));
                    }
                    case "--seed" -> {
                        long s = Long.parseLong(v);
                        settings.add(c -> c.seed(s));
                    }
                    default -> {
                        return usage("unknown option " + a);
                    }
                }
            } catch (NumberFormatException e) {
                return usage(a + " expects a number, not '" + v + "'");
            }
        }
        if (model == null || runDir == null) {
            return usage("--model and --out are required");
        }
        GlobMedData selection = DataCommands.select(data, languages, sources);
        GlobMedData train = selection.splits(trainSplit);
        TrainingConfig config = new TrainingConfig(runDir);
        settings.forEach(s -> s.accept(config));
        if (metric != null) {
            config.metric(metric);
        }
        if (!devSplit.equals("none")) {
            GlobMedData dev = selection.splits(devSplit);
            if (dev.size() == 0) {
                return usage("the data has no '" + devSplit + "' items for the dev set (--dev-split none trains without one)");
            }
            config.dev(dev);
        }
        out.printf("training on %,d %s items (%s), run folder %s%n", train.size(), trainSplit,
                String.join(" ", train.languageCodes()), runDir);
        try (LanguageModel lm = Models.load(model)) {
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
