package org.globmed.plot;

import java.util.Locale;

/**
 * Text for plotly.js, which reads titles, labels and hover text as a small subset of HTML
 * ({@code <br>}, {@code <b>}, {@code <i>}, {@code <sup>}, {@code <span style>}) and decodes
 * entities such as {@code &amp;}. Figures here are written as JSON, never through Tablesaw's
 * templates (which HTML-escape every string, so an escaped {@code &amp;} would show as
 * "&amp;amp;"): text from data and from the user passes through {@link #plain} once, which
 * protects only what plotly.js would take for markup.
 */
final class Text {
    private Text() {
    }

    /**
     * {@code s} shown literally: {@code <} and {@code >} become entities so that a name such as
     * "model <base>" is not taken for a tag; {@code &} is left alone unless it starts an entity
     * plotly.js would decode ("&lt;" as typed must still read "&lt;").
     */
    static String plain(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append(startsEntity(s, i) ? "&amp;" : "&");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A title with an optional smaller second line. */
    static String title(String title, String subtitle) {
        return subtitle == null || subtitle.isBlank() ? plain(title)
                : plain(title) + "<br><sup>" + plain(subtitle) + "</sup>";
    }

    static String percent(double fraction, int decimals) {
        return Double.isNaN(fraction) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * fraction);
    }

    static String signedPercent(double fraction, int decimals) {
        return Double.isNaN(fraction) ? "n/a" : String.format(Locale.ROOT, "%+." + decimals + "f%%", 100 * fraction);
    }

    static String fixed(double value, int decimals) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** A file-name-safe form of a name: letters, digits, '.', '_' and '-'. */
    static String slug(String name) {
        String s = name.strip().replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("-{2,}", "-")
                .replaceAll("^[-.]+|-+$", "");
        return s.isEmpty() ? "figure" : s;
    }

    // An entity as plotly.js decodes it: &name; &#123; &#x1F;
    private static boolean startsEntity(String s, int at) {
        int end = s.indexOf(';', at);
        return end > at + 1 && end - at <= 10 && s.substring(at + 1, end).matches("#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+");
    }
}
