package org.globmed.kernel.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.globmed.model.ModelConfig;
import org.globmed.model.ModelSize;

/**
 * The model subcommands of {@code globmed}:
 * <pre>
 * globmed model info DIR|config.json   architecture, parameter count, dtype, memory for inference and training
 * globmed model bench ...              speed of the decoder on this machine (see {@link ModelBench})
 * </pre>
 */
final class ModelCommands {
    private static final String USAGE = "model info DIR|config.json\n       globmed " + ModelBench.USAGE;

    private ModelCommands() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        if (args.size() == 2 && args.get(0).equals("info")) {
            return info(Path.of(args.get(1)), out);
        }
        if (!args.isEmpty() && args.get(0).equals("bench")) {
            return ModelBench.run(args.subList(1, args.size()), out);
        }
        System.err.println("usage: globmed " + USAGE);
        return 2;
    }

    /** Reads only config.json: a folder of an 8B model is described without loading its weights. */
    static int info(Path dirOrConfig, PrintStream out) throws IOException {
        Path config = Files.isDirectory(dirOrConfig) ? dirOrConfig.resolve("config.json") : dirOrConfig;
        out.print(new ModelSize(ModelConfig.read(config)).describe());
        return 0;
    }
}
