package org.globmed.kernel.display;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.globmed.display.PlotlyJs;
import tech.tablesaw.plotly.components.Figure;

/**
 * Tablesaw Plotly figures as notebook HTML that draws with no network: plotly.js comes from the
 * pinned webjar on the class path ({@link PlotlyJs}) and is sent once per kernel session, inline, with the
 * first figure; every later figure waits for it. Under Notebook 6, require.js is on the page and
 * plotly.js would register itself as an AMD module instead of {@code window.Plotly}, so the
 * library is loaded with {@code define} hidden for that one script.
 */
final class PlotlyHtml {
    /**
     * Shown instead of a figure when plotly.js is not on the page: the output that carried it
     * (the first figure of the kernel session) was cleared or replaced by running its cell again.
     */
    static final String MISSING_LIBRARY = "plotly.js is not on this page: the output that carried it (the first"
            + " figure of this kernel session) was cleared or run again. Restart the kernel and run all cells.";

    private final AtomicBoolean librarySent = new AtomicBoolean();

    String html(Figure figure) {
        String id = "globmed_plot_" + UUID.randomUUID().toString().replace('-', '_'); // Tablesaw names a JS variable after it
        StringBuilder sb = new StringBuilder();
        if (librarySent.compareAndSet(false, true)) {
            sb.append(libraryHtml());
        }
        String script = PlotlyJs.figureScript(figure, id);
        sb.append("<div id=\"").append(id).append("\" class=\"globmed-plot\"></div>\n<script>\n")
                .append("(function () {\n")
                // Tablesaw declares `var layout`, `var data`: a function scope keeps figures apart.
                .append("  function draw(Plotly) {\n").append(script).append("\n  }\n")
                .append("  var tries = 0;\n")
                .append("  (function wait() {\n")
                .append("    if (window.Plotly) { draw(window.Plotly); return; }\n")
                .append("    if (++tries > 40) {\n")
                .append("      document.getElementById('").append(id)
                .append("').textContent = '" + MISSING_LIBRARY + "';\n")
                .append("      return;\n    }\n")
                .append("    setTimeout(wait, 50);\n")
                .append("  })();\n")
                .append("})();\n</script>");
        return sb.toString();
    }

    /** "Plotly figure", or the figure's own description when its class has one (Plots' figures do). */
    static String text(Figure figure) {
        try {
            if (figure.getClass().getMethod("toString").getDeclaringClass() != Object.class) {
                return figure.toString();
            }
        } catch (NoSuchMethodException e) {
            // every class has toString
        }
        return "Plotly figure";
    }

    /** The plotly.js library as three scripts: hide AMD define, the library, restore define. */
    static String libraryHtml() {
        return "<script>window.__globmedDefine = window.define; window.define = undefined;</script>\n"
                + "<script type=\"text/javascript\">" + PlotlyJs.source() + "</script>\n"
                + "<script>window.define = window.__globmedDefine; delete window.__globmedDefine;</script>\n";
    }

    static String version() {
        return PlotlyJs.VERSION;
    }

}
