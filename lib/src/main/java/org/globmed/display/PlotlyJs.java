package org.globmed.display;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import tech.tablesaw.plotly.components.Figure;

/**
 * plotly.js from the pinned webjar ({@code org.webjars.npm:plotly.js-dist}, 2.x) and the script of
 * a Tablesaw {@link Figure}: the one place that reads the library, shared by the kernel's figure
 * renderer and by {@code org.globmed.plot.Figures}, which embeds it in standalone HTML files.
 */
public final class PlotlyJs {
    private static final String POM = "/META-INF/maven/org.webjars.npm/plotly.js-dist/pom.properties";
    /** The plotly.js version on the class path, as the webjar records it; null when the webjar is absent. */
    public static final String VERSION = webjarVersion();
    private static final String RESOURCE = "/META-INF/resources/webjars/plotly.js-dist/" + VERSION + "/plotly.js";

    // 10.8 MB of text: kept while memory allows, so saving a set of figures reads it once.
    private static SoftReference<String> cached = new SoftReference<>(null);

    private PlotlyJs() {
    }

    /** The plotly.js source. */
    public static synchronized String source() {
        String text = cached.get();
        if (text != null) {
            return text;
        }
        if (VERSION == null) {
            throw new IllegalStateException("plotly.js is missing from the class path (" + POM + "): the build lacks"
                    + " org.webjars.npm:plotly.js-dist, a dependency of globmed-lib");
        }
        try (InputStream in = PlotlyJs.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("plotly.js " + VERSION + " is missing from the class path (" + RESOURCE
                        + ")");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        cached = new SoftReference<>(text);
        return text;
    }

    /**
     * The JavaScript that draws {@code figure} into the element {@code divId}, without the
     * {@code <script>} tags Tablesaw wraps it in. It expects a global {@code Plotly} and, as
     * Tablesaw writes it, declares {@code var}s: run it inside a function to keep figures apart.
     */
    public static String figureScript(Figure figure, String divId) {
        String script = figure.asJavascript(divId).strip();
        if (script.startsWith("<script>")) {
            script = script.substring("<script>".length());
        }
        if (script.endsWith("</script>")) {
            script = script.substring(0, script.length() - "</script>".length());
        }
        return script;
    }

    private static String webjarVersion() {
        try (InputStream in = PlotlyJs.class.getResourceAsStream(POM)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            return null;
        }
    }
}
