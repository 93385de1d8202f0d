package org.globmed.kernel.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.globmed.kernel.Session;
import org.globmed.kernel.jupyter.JupyterKernel;

/**
 * The Java side of the {@code globmed} command ({@code environment/globmed} adds the JVM, the
 * class path and the subcommands that need Python's Jupyter, such as {@code kernel install}).
 *
 * <pre>
 * globmed kernel CONNECTION_FILE                  run as a Jupyter kernel
 * globmed run NOTEBOOK.ipynb|SCRIPT.jsh [--out F] run cells headless
 * globmed validate|stats|generate|sample ...      GlobMed data (see DataCommands)
 * globmed model info|bench ...                    models (see ModelCommands)
 * globmed serve MODEL_DIR [--port P]              an OpenAI-compatible server (see ServeCommand)
 * globmed evaluate --model M --out DIR ...        GlobMed-Bench (see EvaluateCommand)
 * globmed finetune --model M --out DIR ...        fine-tuning, full or LoRA (see FinetuneCommand)
 * globmed figures RESULTS_DIR... --out DIR        the standard figures (see FiguresCommand)
 * </pre>
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Logging.configure();
        List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        String command = args.length == 0 ? "help" : args[0];
        int status;
        try {
            status = dispatch(command, rest);
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("globmed " + command + ": " + e.getFile() + ": " + (e.getReason() == null
                    ? "no such file or folder" : e.getReason()));
            status = 2;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            System.err.println("globmed " + command + ": " + e.getMessage());
            status = 2;
        }
        System.exit(status);
    }

    private static int dispatch(String command, List<String> rest) throws Exception {
        return switch (command) {
            case "kernel" -> kernel(rest);
            case "run" -> RunCommand.run(rest);
            case "validate" -> DataCommands.validate(rest, System.out);
            case "stats" -> DataCommands.stats(rest, System.out);
            case "generate" -> DataCommands.generate(rest, System.out);
            case "sample" -> DataCommands.sample(rest, System.out);
            case "model" -> ModelCommands.run(rest, System.out);
            case "evaluate" -> EvaluateCommand.run(rest, System.out);
            case "finetune" -> FinetuneCommand.run(rest, System.out);
            case "serve" -> ServeCommand.run(rest, System.out);
            case "figures" -> FiguresCommand.run(rest, System.out);
            case "help", "-h", "--help" -> usage(0);
            default -> {
                System.err.println("globmed: unknown command '" + command + "'");
                yield usage(2);
            }
        };
    }

    private static int kernel(List<String> args) throws Exception {
        if (args.size() != 1) {
            System.err.println("usage: globmed kernel CONNECTION_FILE");
            return 2;
        }
        exitWithParent();
        try (Session session = Session.start()) {
            JupyterKernel.serve(session, Path.of(args.get(0)));
        }
        return 0;
    }

    /**
     * A kernel whose Jupyter died (killed server, crashed test) would run on forever holding its
     * memory; like ipykernel, it ends when the process in JPY_PARENT_PID ends.
     */
    private static void exitWithParent() {
        String parent = System.getenv("JPY_PARENT_PID");
        if (parent == null || !parent.matches("\\d+")) {
            return;
        }
        ProcessHandle.of(Long.parseLong(parent)).ifPresent(p -> p.onExit().thenRun(() -> {
            org.slf4j.LoggerFactory.getLogger(Main.class).warn("parent process {} ended; kernel exits", parent);
            System.exit(0);
        }));
    }

    static int usage(int status) {
        (status == 0 ? System.out : System.err).println(String.join("\n",
                "usage: globmed COMMAND [ARGS]",
                "",
                "  run NOTEBOOK.ipynb|SCRIPT.jsh [--out FILE.ipynb]",
                "                     run the cells without Jupyter; exits non-zero at the first failing cell",
                "  validate DIR       check a GlobMed folder: counts per language and source, every problem;",
                "                     exits 1 on any problem",
                "  stats DIR [--tokenizer tokenizer.json]",
                "                     items per language, source and split; tokenizer fertility per language",
                "  generate DIR [--entries N] [--seed S]",
                "                     write a synthetic corpus in the GlobMed layout (default 600,000 entries)",
                "  sample DIR         regenerate the bundled sample (data/) from its facts and templates",
                "  model info DIR|config.json",
                "                     architecture, parameters, dtype and memory (weights; full vs LoRA training)",
                "  model bench --write DIR | model bench DIR [--torchscript F.pt] [--batch B] [--seq T]",
                "                     decoder speed: matmul peak, scoring MFU, TorchScript peer, KV-cache generation",
                "  evaluate --model DIR|URL|predictions.jsonl --out RESULTS_DIR [--data DIR] [--languages a,b]",
                "           [--sources S,T] [--split test] [--shots K] [--seed S] [--generative] [--chat] [--batch N]",
                "                     GlobMed-Bench per language; resumable: run it again to go on after a stop",
                "  finetune --model DIR --out RUN_DIR [--data DIR] [--lora R] [--epochs E] [--lr LR] [--resume]",
                "           [--languages a,b] [--batch B] [--accumulate N] [--eval-every N] [--patience N] [--merge] ...",
                "                     full or LoRA fine-tuning on the train split, dev-evaluated, checkpointed;",
                "                     after a stop, the same command with --resume goes on from the last checkpoint",
                "  finetune bench peak|full|lora [--batch B] [--seq T] [--steps N] [--rank R]",
                "                     training speed and memory (environment/bench-train runs every mode)",
                "  serve MODEL_DIR|--tiny qwen3 [--port 8000] [--host 127.0.0.1] [--name NAME]",
                "                     an OpenAI-compatible server of the model (/v1/models, /v1/completions with",
                "                     echo log-probabilities, /v1/chat/completions) until Ctrl-C or SIGTERM",
                "  figures RESULTS_DIR... --out DIR [--data DIR|sample] [--tokenizer tokenizer.json]",
                "          [--formats html,png,svg] [--size WIDTHxHEIGHT] [--scale S]",
                "                     the standard figures of evaluation and training run folders, as HTML, PNG, SVG",
                "  kernel install [--name N] [--sys-prefix]   install the Jupyter kernelspec (default name: java)",
                "  kernel uninstall [--name N] [--sys-prefix] remove it",
                "  kernel CONNECTION_FILE                     run as a Jupyter kernel (Jupyter starts this)"));
        return status;
    }
}
