package org.globmed.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.globmed.display.TableHtml;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * What a load read and what it could not use. The counts reconcile: every record a file delimits
 * is seen, and {@code seen == loaded + skipped + filtered}; each skipped record has a problem
 * naming its file, line, record and field. Problems about a whole file (an empty or truncated
 * file, a byte order mark, an unknown language folder) are listed too.
 *
 * @param files    split files read
 * @param seen     records delimited in them
 * @param loaded   records that became items
 * @param skipped  records that could not (each has a problem)
 * @param filtered records left out by a task filter
 * @param problems every problem, in file order
 */
public record LoadReport(int files, long seen, long loaded, long skipped, long filtered, List<Problem> problems) {

    public LoadReport {
        problems = List.copyOf(problems);
        if (seen != loaded + skipped + filtered) {
            throw new IllegalStateException("load counts do not reconcile: seen " + seen + " != loaded " + loaded
                    + " + skipped " + skipped + " + filtered " + filtered);
        }
    }

    /** True when nothing was skipped and no file had a problem. */
    public boolean isClean() {
        return problems.isEmpty();
    }

    /** The problems as a table: file, line, record, field, problem. */
    public Table table() {
        StringColumn file = StringColumn.create("file");
        IntColumn line = IntColumn.create("line");
        IntColumn record = IntColumn.create("record");
        StringColumn field = StringColumn.create("field");
        StringColumn message = StringColumn.create("problem");
        for (Problem p : problems) {
            file.append(p.file());
            line.append(p.line());
            record.append(p.record());
            field.append(p.field() == null ? "" : p.field());
            message.append(p.message());
        }
        return Table.create("Load report: " + counts(), file, line, record, field, message);
    }

    /** "5,760 records in 72 files: 5,758 loaded, 2 skipped". */
    public String counts() {
        String s = String.format(Locale.ROOT, "%,d records in %,d files: %,d loaded, %,d skipped", seen, files,
                loaded, skipped);
        if (filtered > 0) {
            s += String.format(Locale.ROOT, ", %,d filtered out", filtered);
        }
        int fileProblems = (int) problems.stream().filter(p -> p.record() < 0).count();
        return fileProblems == 0 ? s : s + String.format(Locale.ROOT, ", %,d file problems", fileProblems);
    }

    /** Rendered by the kernel: the counts, then the problems. */
    public Map<String, Object> mimeBundle() {
        Map<String, Object> bundle = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder("Load report: ").append(counts());
        problems.stream().limit(TableHtml.DEFAULT_ROWS).forEach(p -> text.append("\n  ").append(p));
        if (problems.size() > TableHtml.DEFAULT_ROWS) {
            int more = problems.size() - TableHtml.DEFAULT_ROWS;
            text.append(String.format(Locale.ROOT, "%n  … %,d more problems", more));
        }
        bundle.put("text/plain", text.toString());
        bundle.put("text/html", isClean() ? "<p>Load report: " + TableHtml.escape(counts()) + ", no problems</p>"
                : TableHtml.html(table(), TableHtml.DEFAULT_ROWS));
        return bundle;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Load report: ").append(counts());
        for (Problem p : problems) {
            sb.append(System.lineSeparator()).append("  ").append(p);
        }
        return sb.toString();
    }
}
