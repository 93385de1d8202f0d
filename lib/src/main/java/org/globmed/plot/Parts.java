package org.globmed.plot;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.List;
import org.globmed.data.Language;
import org.globmed.data.Tier;

/** The pieces every figure shares: layout defaults, language axes, annotations, JSON arrays. */
final class Parts {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Fonts for Latin, Arabic, CJK and Devanagari labels; Chromium falls back per script from here. */
    static final String FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', 'WenQuanYi Micro Hei', 'Lohit Devanagari',"
            + " sans-serif";
    static final String GRID = "#E5E5E5";

    private Parts() {
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    static ArrayNode strings(Collection<String> values) {
        ArrayNode a = array();
        values.forEach(a::add);
        return a;
    }

    static ArrayNode numbers(double[] values) {
        ArrayNode a = array();
        for (double v : values) {
            if (Double.isNaN(v)) {
                a.addNull(); // plotly.js leaves a gap
            } else {
                a.add(v);
            }
        }
        return a;
    }

    static ArrayNode numbers(List<Double> values) {
        return numbers(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The layout every figure starts from: title, size, fonts, white background. */
    static ObjectNode layout(Plots.Options options, String defaultTitle, String subtitle) {
        ObjectNode layout = object();
        ObjectNode title = layout.putObject("title");
        title.put("text", Text.title(options.title() == null ? defaultTitle : options.title(), subtitle));
        title.put("x", 0.02);
        title.put("xanchor", "left");
        if (options.width() > 0) {
            layout.put("width", options.width());
        } else {
            layout.put("autosize", true);
        }
        layout.put("height", options.height());
        layout.putObject("font").put("family", FONT).put("size", 13).put("color", "#222222");
        layout.put("paper_bgcolor", "#FFFFFF");
        layout.put("plot_bgcolor", "#FFFFFF");
        layout.putObject("margin").put("l", 70).put("r", 30).put("t", subtitle == null ? 70 : 90).put("b", 90);
        layout.putObject("legend").put("orientation", "h").put("x", 0).put("y", -0.22).put("yanchor", "top");
        layout.putObject("hoverlabel").put("namelength", -1);
        return layout;
    }

    /** Download button settings: SVG, so a figure taken from the notebook is ready for a paper. */
    static ObjectNode config(Plots.Options options, String title) {
        ObjectNode config = object();
        config.put("displaylogo", false);
        config.put("responsive", true);
        ObjectNode image = config.putObject("toImageButtonOptions");
        image.put("format", "svg");
        image.put("filename", Text.slug(options.title() == null ? title : options.title()));
        if (options.width() > 0) {
            image.put("width", options.width());
        }
        image.put("height", options.height());
        return config;
    }

    static ObjectNode valueAxis(String title, boolean percent) {
        ObjectNode axis = object();
        axis.putObject("title").put("text", Text.plain(title));
        axis.put("gridcolor", GRID);
        axis.put("zeroline", false);
        if (percent) {
            axis.put("tickformat", ".0%");
        }
        return axis;
    }

    /**
     * A category axis of languages in the given order, labelled with English and native names;
     * LOW-tier labels are italic and vermillion, so the tier reads in colour and in shape.
     */
    static ObjectNode languageAxis(List<Language> languages, List<Tier> tiers, Plots.Options options, String title) {
        ObjectNode axis = object();
        axis.put("type", "category");
        ArrayNode codes = strings(languages.stream().map(Language::code).toList());
        axis.put("categoryorder", "array");
        axis.set("categoryarray", codes);
        axis.put("tickmode", "array");
        axis.set("tickvals", codes.deepCopy());
        ArrayNode text = array();
        for (int i = 0; i < languages.size(); i++) {
            text.add(languageLabel(languages.get(i), tiers.get(i), options.nativeNames()));
        }
        axis.set("ticktext", text);
        if (title != null) {
            axis.putObject("title").put("text", Text.plain(title));
        }
        axis.put("automargin", true);
        return axis;
    }

    /** "Swahili<br>Kiswahili", italic and vermillion when LOW. */
    static String languageLabel(Language language, Tier tier, boolean nativeNames) {
        String label = Text.plain(language.english());
        if (nativeNames && !language.nativeName().equals(language.english())) {
            label += "<br>" + Text.plain(language.nativeName());
        }
        return tier == Tier.LOW ? "<i><span style=\"color:" + Palette.VERMILLION + "\">" + label + "</span></i>" : label;
    }

    /** The note under a figure that explains the LOW-tier marking of language labels. */
    static ObjectNode tierNote(double y) {
        return note("<i><span style=\"color:" + Palette.VERMILLION + "\">Italic vermillion</span></i> labels:"
                + " LOW-resource languages", 1, y, "right");
    }

    /** A text in paper coordinates. */
    static ObjectNode note(String html, double x, double y, String xanchor) {
        ObjectNode a = object();
        a.put("text", html);
        a.put("xref", "paper");
        a.put("yref", "paper");
        a.put("x", x);
        a.put("y", y);
        a.put("xanchor", xanchor);
        a.put("yanchor", "top");
        a.put("showarrow", false);
        a.putObject("font").put("size", 11).put("color", "#555555");
        return a;
    }

    /** A horizontal dashed line across the plot at {@code y}, in data coordinates of axis {@code yref}. */
    static ObjectNode horizontalLine(double y, String color, String yref) {
        ObjectNode s = object();
        s.put("type", "line");
        s.put("xref", "paper");
        s.put("x0", 0);
        s.put("x1", 1);
        s.put("yref", yref);
        s.put("y0", y);
        s.put("y1", y);
        s.putObject("line").put("color", color).put("width", 2).put("dash", "dash");
        return s;
    }
}
