package org.globmed.display;

import java.util.Locale;
import tech.tablesaw.columns.Column;
import tech.tablesaw.table.Relation;

/**
 * A Tablesaw table as HTML: its shape, typed column headers and the first rows. Used by the
 * kernel's table renderer and by library objects that render themselves through {@code mimeBundle()}.
 */
public final class TableHtml {
    /** Rows shown before "… N more rows". */
    public static final int DEFAULT_ROWS = 20;
    /** Longer cells are cut, so a corpus of long passages still renders as a readable table. */
    static final int MAX_CELL_CHARS = 300;

    private TableHtml() {
    }

    public static String html(Relation table, int maxRows) {
        int rows = table.rowCount();
        int shown = Math.min(rows, maxRows);
        StringBuilder sb = new StringBuilder(256 + shown * table.columnCount() * 24);
        sb.append("<div class=\"globmed-table\">");
        sb.append("<p><b>").append(escape(table.name() == null ? "Table" : table.name())).append("</b> ")
                .append(String.format(Locale.ROOT, "%,d rows × %,d columns", rows, table.columnCount()))
                .append("</p>");
        sb.append("<table class=\"dataframe\"><thead><tr>");
        for (Column<?> c : table.columns()) {
            sb.append("<th>").append(escape(c.name())).append("<br><small>")
                    .append(escape(c.type().name().toLowerCase(Locale.ROOT))).append("</small></th>");
        }
        sb.append("</tr></thead><tbody>");
        for (int r = 0; r < shown; r++) {
            sb.append("<tr>");
            for (Column<?> c : table.columns()) {
                // dir="auto": Arabic and other right-to-left cells read in their own direction.
                sb.append("<td dir=\"auto\">").append(escape(cut(c.getString(r)))).append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table>");
        if (shown < rows) {
            sb.append(String.format(Locale.ROOT, "<p>… %,d more rows</p>", rows - shown));
        }
        return sb.append("</div>").toString();
    }

    public static String text(Relation table, int maxRows) {
        String body = table.print(maxRows);
        return table.rowCount() > maxRows
                ? body + String.format(Locale.ROOT, "%n… %,d more rows", table.rowCount() - maxRows) : body;
    }

    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String cut(String s) {
        return s.length() <= MAX_CELL_CHARS ? s : s.substring(0, MAX_CELL_CHARS - 1) + "…";
    }
}
