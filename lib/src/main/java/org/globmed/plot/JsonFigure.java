package org.globmed.plot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.traces.Trace;

/**
 * A Tablesaw {@link Figure} whose plotly.js data, layout and config are JSON. Tablesaw 0.44's
 * templates have no error bars, shapes, layout annotations, cell text or more than three y axes,
 * and HTML-escape strings inside JavaScript literals; this figure writes the plotly.js JSON
 * itself. It is still a Tablesaw figure: the kernel's renderer, {@code Plot.show} and
 * {@link Figures} draw it like any other.
 */
final class JsonFigure extends Figure {
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private final ObjectNode spec;
    private final String title;

    /**
     * @param title  the title as plain text (for file names and page titles)
     * @param data   the traces
     * @param layout the layout
     * @param config the plotly.js config
     */
    JsonFigure(String title, ArrayNode data, ObjectNode layout, ObjectNode config) {
        super(new Trace[0]);
        this.title = title;
        this.spec = JSON.createObjectNode();
        spec.set("data", data);
        spec.set("layout", layout);
        spec.set("config", config);
    }

    /** A copy of {data, layout, config}. */
    ObjectNode spec() {
        return spec.deepCopy();
    }

    /** The traces (a copy). */
    ArrayNode data() {
        return (ArrayNode) spec.get("data").deepCopy();
    }

    /** The layout (a copy). */
    ObjectNode layout() {
        return spec.get("layout").deepCopy();
    }

    String title() {
        return title;
    }

    @Override
    public String asJavascript(String divName) {
        String target = "target_" + divName.replaceAll("[^A-Za-z0-9_]", "_");
        return "<script>\n"
                + "var " + target + " = document.getElementById(" + script(JSON.getNodeFactory().textNode(divName))
                + ");\n"
                + "Plotly.newPlot(" + target + ", " + script(spec.get("data")) + ", " + script(spec.get("layout"))
                + ", " + script(spec.get("config")) + ");\n"
                + "</script>";
    }

    @Override
    public String toString() {
        int traces = spec.get("data").size();
        return "Figure: " + title + " (" + traces + (traces == 1 ? " trace)" : " traces)");
    }

    /**
     * JSON as a JavaScript expression inside a script element: "</" cannot end the element early
     * ("<\/" is the same string in JSON), and U+2028/2029 are escaped for older parsers.
     */
    static String script(JsonNode node) {
        try {
            return JSON.writeValueAsString(node).replace("</", "<\\/").replace("<!--", "\\u003C!--")
                    .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
