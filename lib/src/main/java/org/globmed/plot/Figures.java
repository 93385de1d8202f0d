package org.globmed.plot;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.globmed.display.PlotlyJs;
import org.globmed.io.AtomicFiles;
import tech.tablesaw.plotly.components.Figure;

/**
 * Saves figures for papers and for sharing: standalone HTML with plotly.js inside (it opens with
 * no network), and PNG and SVG drawn by plotly.js in headless Chromium at a chosen size and scale.
 *
 * <pre>{@code
 * Figures.save(Plots.accuracy(results), Path.of("figures/accuracy.svg"));      // format from the extension
 * Figures.exporter().size(1200, 600).scale(3).save(figure, Path.of("fig1.png"));  // 3600 x 1800 pixels
 * Figures.exporter().saveAll(Plots.standardSet(folders), Path.of("figures"));      // HTML, PNG and SVG of each
 * }</pre>
 *
 * <p>Chromium is Debian's {@code chromium} (or {@code chromium-browser}, {@code google-chrome}) on
 * the PATH, or the executable named by {@code GLOBMED_CHROMIUM}; HTML needs no browser. All
 * images of one call are drawn in one Chromium run, offline (every host name is unresolvable).
 */
public final class Figures {
    /** Environment variable naming the Chromium executable. */
    public static final String CHROMIUM_ENV = "GLOBMED_CHROMIUM";
    static final int DEFAULT_WIDTH = 1000;
    static final int DEFAULT_HEIGHT = 600;

    /** What a figure is saved as. */
    public enum Format {
        HTML, PNG, SVG;

        /** The format of a file name's extension ({@code .html}/{@code .htm}, {@code .png}, {@code .svg}). */
        public static Format of(Path file) {
            String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".html") || name.endsWith(".htm")) {
                return HTML;
            }
            if (name.endsWith(".png")) {
                return PNG;
            }
            if (name.endsWith(".svg")) {
                return SVG;
            }
            throw new IllegalArgumentException("cannot tell the figure format of " + file
                    + ": name it .html, .png or .svg");
        }

        String extension() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private Figures() {
    }

    /** Saves {@code figure} in the format of {@code file}'s extension, at the default size; returns the file. */
    public static Path save(Figure figure, Path file) {
        return exporter().save(figure, file);
    }

    /** An exporter with the defaults: the figure's own size (else 1000 × 600 px), scale 1. */
    public static Exporter exporter() {
        return new Exporter(0, 0, 1, null, Duration.ofMinutes(3));
    }

    /** The Chromium executable image export would use, if there is one. */
    public static Optional<Path> chromium() {
        String configured = System.getenv(CHROMIUM_ENV);
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** A standalone HTML page of {@code figure}, with plotly.js inside. */
    public static String html(Figure figure) {
        String title = figure instanceof JsonFigure f ? f.title() : "Figure";
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
                + org.globmed.display.TableHtml.escape(title) + "</title>\n"
                + "<style>body { margin: 0; padding: 12px; font-family: sans-serif; background: #fff; }</style>\n"
                + "<script>" + PlotlyJs.source() + "</script>\n</head>\n<body>\n"
                + "<div id=\"figure\" class=\"globmed-figure\"></div>\n<script>\n(function () {\n"
                + PlotlyJs.figureScript(figure, "figure") + "\n})();\n</script>\n</body>\n</html>\n";
    }

    /**
     * Where and how figures are saved. Immutable; every method returns a changed copy.
     */
    public static final class Exporter {
        private final int width;
        private final int height;
        private final double scale;
        private final Path chromium;
        private final Duration timeout;

        private Exporter(int width, int height, double scale, Path chromium, Duration timeout) {
            this.width = width;
            this.height = height;
            this.scale = scale;
            this.chromium = chromium;
            this.timeout = timeout;
        }

        /** Image size in CSS pixels (PNG pixels are these times the scale); HTML pages stay responsive. */
        public Exporter size(int width, int height) {
            if (width < 50 || height < 50 || width > 10_000 || height > 10_000) {
                throw new IllegalArgumentException("image size " + width + " x " + height + ": expected 50 to 10000 each");
            }
            return new Exporter(width, height, scale, chromium, timeout);
        }

        /** PNG pixels per CSS pixel (2 or 3 for print); SVG is unaffected. */
        public Exporter scale(double scale) {
            if (!(scale > 0 && scale <= 10)) {
                throw new IllegalArgumentException("scale " + scale + ": expected more than 0, at most 10");
            }
            return new Exporter(width, height, scale, chromium, timeout);
        }

        /** The Chromium executable (default: {@link Figures#chromium()}). */
        public Exporter chromium(Path executable) {
            return new Exporter(width, height, scale, Objects.requireNonNull(executable, "executable"), timeout);
        }

        /** How long Chromium may take for one call (default 3 minutes). */
        public Exporter timeout(Duration timeout) {
            return new Exporter(width, height, scale, chromium, Objects.requireNonNull(timeout, "timeout"));
        }

        /** Saves {@code figure} in the format of {@code file}'s extension; returns the file. */
        public Path save(Figure figure, Path file) {
            Objects.requireNonNull(figure, "figure");
            Format format = Format.of(file);
            if (format == Format.HTML) {
                write(file, html(figure).getBytes(StandardCharsets.UTF_8));
            } else {
                Map<String, byte[]> images = render(List.of(figure), EnumSet.of(format));
                write(file, images.get(key(0, format)));
            }
            return file;
        }

        /**
         * Saves every figure as {@code dir/<name>.<format>} in each of {@code formats} (default:
         * HTML, PNG and SVG), drawing all images in one Chromium run; returns the files written.
         */
        public List<Path> saveAll(Map<String, ? extends Figure> figures, Path dir, Format... formats) {
            Objects.requireNonNull(figures, "figures");
            if (figures.isEmpty()) {
                throw new IllegalArgumentException("no figures to save");
            }
            Set<Format> wanted = formats.length == 0 ? EnumSet.allOf(Format.class) : EnumSet.of(formats[0], formats);
            List<String> names = new ArrayList<>(figures.keySet());
            List<Figure> list = names.stream().<Figure>map(figures::get).toList();
            Set<Format> images = EnumSet.copyOf(wanted);
            images.remove(Format.HTML);
            Map<String, byte[]> rendered = images.isEmpty() ? Map.of() : render(list, images);
            List<Path> written = new ArrayList<>();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < names.size(); i++) {
                for (Format f : wanted) {
                    Path file = dir.resolve(Text.slug(names.get(i)) + "." + f.extension());
                    write(file, f == Format.HTML ? html(list.get(i)).getBytes(StandardCharsets.UTF_8)
                            : rendered.get(key(i, f)));
                    written.add(file);
                }
            }
            return written;
        }

        int width(Figure figure) {
            return width > 0 ? width : layoutSize(figure, "width", DEFAULT_WIDTH);
        }

        int height(Figure figure) {
            return height > 0 ? height : layoutSize(figure, "height", DEFAULT_HEIGHT);
        }

        private static int layoutSize(Figure figure, String key, int otherwise) {
            if (figure instanceof JsonFigure f) {
                JsonNode v = f.layout().get(key);
                if (v != null && v.isNumber()) {
                    return v.asInt();
                }
            }
            return otherwise;
        }

        /** PNG and SVG bytes of every figure, keyed "index.format", from one Chromium run. */
        private Map<String, byte[]> render(List<Figure> figures, Set<Format> formats) {
            Path browser = chromium != null ? chromium : Figures.chromium().orElseThrow(() -> new IllegalStateException(
                    "PNG and SVG export needs Chromium, and none was found: install Debian's chromium"
                            + " (environment/setup does) or name the executable in " + CHROMIUM_ENV
                            + "; HTML export works without it"));
            if (!Files.isExecutable(browser)) {
                throw new IllegalStateException("PNG and SVG export needs Chromium, and " + browser + " is not an"
                        + " executable: install Debian's chromium or name the executable in " + CHROMIUM_ENV);
            }
            Path work = null;
            try {
                work = Files.createTempDirectory("globmed-figures-");
                Files.writeString(work.resolve("plotly.js"), PlotlyJs.source(), StandardCharsets.UTF_8);
                Files.writeString(work.resolve("export.html"), exportPage(figures, formats), StandardCharsets.UTF_8);
                String dom = runChromium(browser, work);
                return parse(dom, figures.size(), formats);
            } catch (IOException e) {
                throw new UncheckedIOException("image export: " + e.getMessage(), e);
            } finally {
                if (work != null) {
                    delete(work);
                }
            }
        }

        private String exportPage(List<Figure> figures, Set<Format> formats) {
            StringBuilder page = new StringBuilder();
            page.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<script>\n")
                    .append("window.__errors = [];\n")
                    .append("window.addEventListener('error', function (e) { window.__errors.push(String(e.message)")
                    .append(" + ' (line ' + e.lineno + ')'); });\n")
                    .append("</script>\n<script src=\"plotly.js\"></script>\n<script>\n")
                    // Tablesaw figures call Plotly.newPlot without returning its promise: keep each one.
                    .append("var __plots = [];\nif (window.Plotly) { var __newPlot = Plotly.newPlot;\n")
                    .append("  Plotly.newPlot = function () { var p = __newPlot.apply(Plotly, arguments);")
                    .append(" __plots.push(p); return p; }; }\n")
                    .append("</script>\n</head><body>\n");
            for (int i = 0; i < figures.size(); i++) {
                Figure f = figures.get(i);
                page.append("<div id=\"f").append(i).append("\" style=\"width:").append(width(f)).append("px;height:")
                        .append(height(f)).append("px\"></div>\n<script>\n(function () {\ntry {\n")
                        .append(PlotlyJs.figureScript(f, "f" + i))
                        .append("\n} catch (e) { window.__errors.push('figure ").append(i)
                        .append(": ' + e); }\n})();\n</script>\n");
            }
            page.append("<pre id=\"out\"></pre>\n<script>\n(function () {\n")
                    .append("  var out = {}; var jobs = [];\n")
                    .append("  function done() { out.errors = window.__errors;")
                    .append(" document.getElementById('out').textContent = JSON.stringify(out);")
                    .append(" document.documentElement.setAttribute('data-export-done', 'yes'); }\n")
                    .append("  if (!window.Plotly) { window.__errors.push('plotly.js did not load'); done(); return; }\n")
                    .append("  Promise.all(__plots).then(function () {\n");
            for (int i = 0; i < figures.size(); i++) {
                Figure f = figures.get(i);
                for (Format format : formats) {
                    page.append("    jobs.push(Plotly.toImage(document.getElementById('f").append(i)
                            .append("'), {format: '").append(format.extension()).append("', width: ").append(width(f))
                            .append(", height: ").append(height(f)).append(", scale: ")
                            .append(format == Format.PNG ? String.format(Locale.ROOT, "%s", scale) : "1")
                            .append("}).then(function (url) { out['").append(key(i, format))
                            .append("'] = url; }, function (e) { window.__errors.push('figure ").append(i)
                            .append(" ").append(format.extension()).append(": ' + e); }));\n");
                }
            }
            page.append("    return Promise.all(jobs);\n")
                    .append("  }, function (e) { window.__errors.push('drawing: ' + e); }).then(done, function (e) {")
                    .append(" window.__errors.push(String(e)); done(); });\n")
                    .append("})();\n</script>\n</body></html>\n");
            return page.toString();
        }

        private String runChromium(Path browser, Path work) throws IOException {
            Path profile = work.resolve("profile");
            List<String> command = List.of(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--no-first-run", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                    "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + profile,
                    "--virtual-time-budget=60000", "--dump-dom", work.resolve("export.html").toUri().toString());
            Path stdout = work.resolve("stdout.html");
            Path stderr = work.resolve("stderr.txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            if (System.getenv("GLOBMED_PRELOADED") != null) {
                // The launcher preloads jemalloc for the JVM (libtorch's tensors); Chromium has its own allocator.
                builder.environment().remove("LD_PRELOAD");
                builder.environment().remove("MALLOC_CONF");
            }
            Process process = builder.start();
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new IllegalStateException("Chromium (" + browser + ") did not finish drawing the figures"
                            + " within " + timeout.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while Chromium drew the figures", e);
            }
            String dom = Files.readString(stdout, StandardCharsets.UTF_8);
            if (!dom.contains("data-export-done=\"yes\"")) {
                String err = Files.readString(stderr, StandardCharsets.UTF_8);
                throw new IllegalStateException("Chromium (" + browser + ") exited with status " + process.exitValue()
                        + " without drawing the figures: " + tail(err));
            }
            return dom;
        }

        private static Map<String, byte[]> parse(String dom, int count, Set<Format> formats) {
            Matcher m = Pattern.compile("<pre id=\"out\">([^<]*)</pre>").matcher(dom);
            if (!m.find()) {
                throw new IllegalStateException("the export page gave no output");
            }
            String json = m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&amp;", "&");
            JsonNode out;
            try {
                out = JsonFigure.JSON.readTree(json);
            } catch (IOException e) {
                throw new IllegalStateException("the export page gave unreadable output: " + e.getMessage(), e);
            }
            List<String> errors = new ArrayList<>();
            out.path("errors").forEach(e -> errors.add(e.asText()));
            if (!errors.isEmpty()) {
                throw new IllegalStateException("plotly.js failed to draw: " + String.join("; ", errors));
            }
            Map<String, byte[]> images = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                for (Format f : formats) {
                    String url = out.path(key(i, f)).asText("");
                    int comma = url.indexOf(',');
                    if (comma < 0) {
                        throw new IllegalStateException("plotly.js gave no " + f + " of figure " + i);
                    }
                    String body = url.substring(comma + 1);
                    images.put(key(i, f), url.substring(0, comma).endsWith(";base64")
                            ? Base64.getDecoder().decode(body)
                            : URLDecoder.decode(body.replace("+", "%2B"), StandardCharsets.UTF_8)
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
            return images;
        }
    }

    private static String key(int index, Format format) {
        return index + "." + format.extension();
    }

    private static void write(Path file, byte[] bytes) {
        try {
            AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String tail(String text) {
        String t = text.strip();
        return t.isEmpty() ? "(no output)" : t.length() <= 1500 ? t : "…" + t.substring(t.length() - 1500);
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
