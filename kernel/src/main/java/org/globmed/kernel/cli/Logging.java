package org.globmed.kernel.cli;

import java.util.Locale;

/**
 * Where log lines of the kernel and of libraries (DJL, Maven's resolver) go: never into a cell's
 * output unless asked. {@code GLOBMED_LOG} = {@code stderr} (default: the process's own stderr,
 * i.e. the terminal that runs Jupyter), {@code cell} (the running cell's stderr), or a file path;
 * {@code GLOBMED_LOG_LEVEL} = error, warn (default), info, debug, trace.
 */
final class Logging {
    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private Logging() {
    }

    static void configure() {
        String target = System.getenv().getOrDefault("GLOBMED_LOG", "stderr");
        String level = System.getenv().getOrDefault("GLOBMED_LOG_LEVEL", "warn").toLowerCase(Locale.ROOT);
        setDefault(PREFIX + "defaultLogLevel", level);
        // DJL warns about the missing GPU on every first load; on a CPU machine that is not news.
        setDefault(PREFIX + "log.ai.djl", level.equals("warn") ? "error" : level);
        setDefault(PREFIX + "showDateTime", "true");
        setDefault(PREFIX + "dateTimeFormat", "HH:mm:ss.SSS");
        switch (target) {
            case "cell" -> setDefault(PREFIX + "logFile", "System.err");
            case "stderr" -> {
                // Cached: bound to the real stderr before the session redirects System.err to cells.
                setDefault(PREFIX + "logFile", "System.err");
                setDefault(PREFIX + "cacheOutputStream", "true");
            }
            default -> setDefault(PREFIX + "logFile", target);
        }
        org.slf4j.LoggerFactory.getLogger(Logging.class).debug("logging to {} at {}", target, level);
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
