package org.globmed.kernel.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.ScatterPlot;
import tech.tablesaw.plotly.components.Figure;

/** The built-in renderers: tables, Plotly figures, images and the duck-typed mimeBundle(). */
class RenderersTest {
    private final Renderer renderer = Renderers.create();

    private JsonObject render(Object value) {
        return MimeBundles.json(renderer.render(value)).getAsJsonObject("data");
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    // --- tables -----------------------------------------------------------------------------

    @Test
    void tableRendersShapeTypedHeadersAndEscapedCells() {
        Table t = Table.create("patients",
                StringColumn.create("name", "Ana", "<b>&", "Li"),
                IntColumn.create("age", 31, 47, 52));
        JsonObject data = render(t);
        String html = data.get("text/html").getAsString();
        assertTrue(html.contains("<b>patients</b> 3 rows × 2 columns"), html);
        assertTrue(html.contains("<th>name<br><small>string</small></th>"), html);
        assertTrue(html.contains("<th>age<br><small>integer</small></th>"), html);
        assertTrue(html.contains("<td dir=\"auto\">&lt;b&gt;&amp;</td><td dir=\"auto\">47</td>"), html);
        assertFalse(html.contains("<b>&"), "cell text must be escaped");
        assertEquals(3, count(html, "<tr><td dir=\"auto\">"));
        assertFalse(html.contains("more rows"));

        String text = data.get("text/plain").getAsString();
        assertTrue(text.contains("name") && text.contains("age") && text.contains("Ana"), text);
    }

    @Test
    void longTableShowsTwentyRowsAndSaysHowManyMore() {
        int[] values = new int[25];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 10;
        }
        Table t = Table.create("long", IntColumn.create("v", values));
        JsonObject data = render(t);
        String html = data.get("text/html").getAsString();
        assertTrue(html.contains("25 rows × 1 columns"), html);
        assertEquals(20, count(html, "<tr><td dir=\"auto\">"));
        assertTrue(html.contains(">190</td>"), "row 20 is shown");
        assertFalse(html.contains(">200</td>"), "row 21 is not");
        assertTrue(html.contains("… 5 more rows"), html);
        assertTrue(data.get("text/plain").getAsString().contains("… 5 more rows"));
    }

    @Test
    void tableWithSpecialCharactersInNamesIsEscaped() {
        Table t = Table.create("a<b>", DoubleColumn.create("x \"&\" y", 1.5));
        String html = render(t).get("text/html").getAsString();
        assertTrue(html.contains("<b>a&lt;b&gt;</b>"), html);
        assertTrue(html.contains("<th>x &quot;&amp;&quot; y<br><small>double</small></th>"), html);
    }

    // --- figures ----------------------------------------------------------------------------

    private static Figure figure(String title) {
        Table t = Table.create("xy", DoubleColumn.create("x", 1, 2, 3), DoubleColumn.create("y", 2, 4, 8));
        return ScatterPlot.create(title, t, "x", "y");
    }

    private static String divId(String html) {
        Matcher m = Pattern.compile("<div id=\"(globmed_plot_[^\"]+)\"").matcher(html);
        assertTrue(m.find(), html.substring(Math.max(0, html.length() - 2000)));
        return m.group(1);
    }

    @Test
    void figureRendersADivAndItsScript() {
        JsonObject data = render(figure("Accuracy"));
        String html = data.get("text/html").getAsString();
        String id = divId(html);
        assertTrue(html.contains("Plotly.newPlot"), "draws with plotly.js");
        assertTrue(html.contains("document.getElementById('" + id + "')"), "the script draws into its own div");
        assertTrue(html.contains("Accuracy"));
        assertEquals("Plotly figure", data.get("text/plain").getAsString());
    }

    @Test
    void libraryFiguresRenderThroughTheFigureRenderer() {
        Table counts = Table.create("counts", StringColumn.create("language", "en", "sw"), IntColumn.create("n", 10, 10),
                IntColumn.create("correct", 8, 3));
        Figure figure = org.globmed.plot.Plots.options().title("Accuracy & gaps").accuracy(counts);
        render(figure("library goes here"));
        JsonObject data = render(figure);
        String html = data.get("text/html").getAsString();
        String id = divId(html);
        assertTrue(html.contains("document.getElementById(\"" + id + "\")"), "draws into its own div");
        assertTrue(html.contains("Plotly.newPlot("), html);
        assertTrue(html.contains("Accuracy & gaps"), "the title, not HTML-escaped a second time");
        assertFalse(html.contains("&amp;"), html);
        assertEquals("Figure: Accuracy & gaps (2 traces)", data.get("text/plain").getAsString());
    }

    @Test
    void plotlyLibraryIsSentWithTheFirstFigureOnly() {
        String first = render(figure("one")).get("text/html").getAsString();
        String second = render(figure("two")).get("text/html").getAsString();
        String version = PlotlyHtml.version();
        assertNotNull(version, "versions.properties names the plotly.js version");
        assertTrue(first.contains("plotly.js v" + version), "the first figure carries plotly.js " + version);
        assertFalse(second.contains("plotly.js v"), "the second does not");
        assertTrue(first.length() > 1_000_000, "plotly.js is inline: " + first.length());
        assertTrue(second.length() * 50 < first.length(), second.length() + " vs " + first.length());
        // AMD's define is hidden while plotly.js loads, then restored (Notebook 6 has require.js).
        assertTrue(first.indexOf("window.define = undefined") < first.indexOf("plotly.js v" + version));
        assertTrue(first.indexOf("window.define = window.__globmedDefine") > first.indexOf("plotly.js v" + version));

        Renderer another = Renderers.create();
        String fresh = MimeBundles.json(another.render(figure("three"))).getAsJsonObject("data")
                .get("text/html").getAsString();
        assertTrue(fresh.contains("plotly.js v" + version), "each renderer (session) sends it once");
    }

    @Test
    void twoFiguresDoNotShareGlobalVariables() {
        render(figure("library goes here"));
        String a = render(figure("a")).get("text/html").getAsString();
        String b = render(figure("b")).get("text/html").getAsString();
        assertNotEquals(divId(a), divId(b));
        for (String html : new String[]{a, b}) {
            String script = html.substring(html.indexOf("<script>"));
            assertTrue(script.startsWith("<script>\n(function () {"), script);
            int draw = script.indexOf("function draw(Plotly) {");
            assertTrue(draw > 0, script);
            int layout = script.indexOf("var layout");
            assertTrue(layout > draw, "var layout sits inside the function, not at the top level");
            assertTrue(script.strip().endsWith("})();\n</script>".strip()), script);
        }
    }

    // --- images -----------------------------------------------------------------------------

    @Test
    void bufferedImageRendersAsPngOfTheSameSize() throws Exception {
        BufferedImage image = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
        image.setRGB(2, 3, 0xFF0000);
        JsonObject data = render(image);
        byte[] png = Base64.getDecoder().decode(data.get("image/png").getAsString());
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(7, back.getWidth());
        assertEquals(5, back.getHeight());
        assertEquals(0xFF0000, back.getRGB(2, 3) & 0xFFFFFF);
        assertEquals(0x000000, back.getRGB(0, 0) & 0xFFFFFF);
    }

    // --- duck typing ------------------------------------------------------------------------

    public static final class Bundled {
        static final byte[] BYTES = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 255};

        public Map<String, Object> mimeBundle() {
            return Map.of("text/html", "<i>x</i>", "image/png", BYTES);
        }

        @Override
        public String toString() {
            return "Bundled!";
        }
    }

    /** Not public: the duck-typed renderer must still call its public method (cell classes are like this). */
    static final class HiddenBundled {
        public Map<String, String> mimeBundle() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("text/markdown", "**hidden**");
            m.put("text/plain", "own text");
            return m;
        }
    }

    public static final class Failing {
        public Map<String, Object> mimeBundle() {
            throw new IllegalArgumentException("no data yet");
        }
    }

    public static final class ReturnsNull {
        public Map<String, Object> mimeBundle() {
            return null;
        }
    }

    public static final class WrongType {
        public String mimeBundle() {
            return "<b>not a map</b>";
        }

        @Override
        public String toString() {
            return "WrongType";
        }
    }

    public static final class Plain {
        @Override
        public String toString() {
            return "just text";
        }
    }

    @Test
    void mimeBundleMethodRendersEveryTypeWithBytesInBase64() {
        JsonObject data = render(new Bundled());
        assertEquals("<i>x</i>", data.get("text/html").getAsString());
        assertEquals(Base64.getEncoder().encodeToString(Bundled.BYTES), data.get("image/png").getAsString());
        assertEquals("Bundled!", data.get("text/plain").getAsString());
    }

    @Test
    void mimeBundleOfANonPublicClassIsUsedAndItsTextWins() {
        JsonObject data = render(new HiddenBundled());
        assertEquals("**hidden**", data.get("text/markdown").getAsString());
        assertEquals("own text", data.get("text/plain").getAsString());
    }

    @Test
    void failingMimeBundleGivesAnErrorNamingTheClassAndTheCause() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> renderer.render(new Failing()));
        assertTrue(e.getMessage().contains(Failing.class.getName() + ".mimeBundle() failed"), e.getMessage());
        assertTrue(e.getMessage().contains("no data yet"), e.getMessage());
        assertEquals(IllegalArgumentException.class, e.getCause().getClass());
    }

    @Test
    void mimeBundleReturningNullIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> renderer.render(new ReturnsNull()));
        assertTrue(e.getMessage().contains("must return a Map"), e.getMessage());
    }

    @Test
    void objectsWithoutAUsableMimeBundleFallBackToToString() {
        assertEquals(Set.of("text/plain"), render(new Plain()).keySet());
        assertEquals("just text", render(new Plain()).get("text/plain").getAsString());
        assertEquals(Set.of("text/plain"), render(new WrongType()).keySet());
        assertEquals("[1, 2]", render(java.util.List.of(1, 2)).get("text/plain").getAsString());
    }
}
