package org.globmed.kernel.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.Set;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.display.MimeBundles;
import org.junit.jupiter.api.Test;

/** The helpers user code calls; the bundles need no running session. */
class DisplayTest {
    private static JsonObject data(DisplayData d) {
        return MimeBundles.json(d).getAsJsonObject("data");
    }

    @Test
    void htmlBundle() {
        JsonObject d = data(Display.html("<b>x</b>"));
        assertEquals(Set.of("text/html", "text/plain"), d.keySet());
        assertEquals("<b>x</b>", d.get("text/html").getAsString());
    }

    @Test
    void markdownBundle() {
        JsonObject d = data(Display.markdown("# Title"));
        assertEquals(Set.of("text/markdown", "text/plain"), d.keySet());
        assertEquals("# Title", d.get("text/markdown").getAsString());
        assertEquals("# Title", d.get("text/plain").getAsString());
    }

    @Test
    void svgBundle() {
        String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>";
        JsonObject d = data(Display.svg(svg));
        assertEquals(Set.of("image/svg+xml", "text/plain"), d.keySet());
        assertEquals(svg, d.get("image/svg+xml").getAsString());
    }

    @Test
    void latexBundle() {
        JsonObject d = data(Display.latex("$e^{i\\pi} + 1 = 0$"));
        assertEquals(Set.of("text/latex", "text/plain"), d.keySet());
        assertEquals("$e^{i\\pi} + 1 = 0$", d.get("text/latex").getAsString());
    }

    @Test
    void displayOutsideASessionSaysWhy() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Display.display("x"));
        assertTrue(e.getMessage().contains("no GlobMed session"), e.getMessage());
    }
}
