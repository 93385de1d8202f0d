package org.globmed.kernel.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.globmed.model.LanguageModel;
import org.globmed.model.Models;
import org.globmed.serve.OpenAiServer;

/**
 * {@code globmed serve}: a model folder as an OpenAI-compatible endpoint, until the process is
 * stopped (Ctrl-C or SIGTERM close it cleanly).
 * <pre>
 * globmed serve MODEL_DIR [--port 8000] [--host 127.0.0.1] [--name NAME]
 * globmed serve --tiny qwen3 ...       a tiny random model with the byte tokenizer: no download, for trying it out
 * </pre>
 * The host defaults to the loopback interface; {@code --host 0.0.0.0} shares the model with the
 * room (the server checks no API key).
 */
final class ServeCommand {
    static final String USAGE = "serve MODEL_DIR|--tiny qwen3|qwen2|llama [--port P] [--host 127.0.0.1] [--name NAME]";
    private static final Set<String> TINY = Set.of("qwen3", "qwen2", "llama");

    private ServeCommand() {
    }

    /** What to serve and where. */
    record Serving(Path dir, String tiny, String host, int port, String name) {
    }

    static Serving parse(List<String> args) {
        Options o;
        try {
            o = Options.parse(args, Set.of("--tiny", "--port", "--host", "--name"), Set.of());
        } catch (Options.UsageException e) {
            throw usage(e.getMessage());
        }
        if (o.positional().size() > 1) {
            throw usage("one model folder, not " + String.join(" and ", o.positional()));
        }
        Path dir = o.positional().isEmpty() ? null : Path.of(o.positional().get(0));
        String tiny = o.text("--tiny", null);
        if (tiny != null && !TINY.contains(tiny)) {
            throw usage("--tiny takes qwen3, qwen2 or llama, not " + tiny);
        }
        if ((dir == null) == (tiny == null)) {
            throw usage(dir == null ? "a model folder or --tiny TYPE is required" : "a model folder or --tiny, not both");
        }
        String name = o.text("--name", tiny != null ? "tiny-" + tiny
                : dir.toAbsolutePath().normalize().getFileName().toString());
        if (name.isBlank()) {
            throw usage("--name must not be blank");
        }
        return new Serving(dir, tiny, o.text("--host", "127.0.0.1"), port(o.text("--port", "8000")), name);
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw usage("--port takes 0 to 65535 (0: any free port), not " + value);
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem + "\nusage: globmed " + USAGE);
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Serving options = parse(args);
        LanguageModel model = options.tiny() != null ? Models.tiny(options.tiny()) : Models.load(options.dir());
        OpenAiServer server;
        try {
            server = OpenAiServer.start(model, options.name(), new InetSocketAddress(options.host(), options.port()));
        } catch (BindException e) {
            model.close();
            throw new IllegalArgumentException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + e.getMessage() + " (another server? try --port 0 for any free port)", e);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            model.close();
            out.println("stopped serving " + options.name());
            out.flush();
        }, "globmed-serve-stop"));
        out.println("serving " + options.name() + " (" + model + ") at " + server.baseUrl());
        out.println("  try: curl " + server.baseUrl() + "/chat/completions -H 'Content-Type: application/json' "
                + "-d '{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 32}'");
        out.println("  Ctrl-C or SIGTERM stops it");
        out.flush();
        new CountDownLatch(1).await(); // requests are served on the server's threads until the JVM is stopped
        return 0;
    }
}
