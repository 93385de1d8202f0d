package org.globmed.data;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.strings.ByteDictionaryMap;
import tech.tablesaw.columns.strings.NullDictionaryMap;
import tech.tablesaw.selection.Selection;

/**
 * Items as a Tablesaw table, one row per item, and back. The table is where loaded data lives:
 * text columns keep one reference per row and no dictionary (a dictionary of 600k distinct
 * questions would cost more than the questions' own headers), the few-valued columns are
 * dictionary-encoded, and {@link Item}s are rebuilt from a row on demand.
 *
 * <p>Columns: id, source, task, language, tier, split, question, context, premise, hypothesis,
 * n_options, option_A, option_B, … (as many as the widest item), gold_index, gold_label, gold_text,
 * explanation, parallel_group. A missing text is the empty string, Tablesaw's missing value.
 */
final class ItemTable {
    static final String NAME = "GlobMed items";
    private static final String OPTION_PREFIX = "option_";
    private static final List<String> TEXT = List.of("id", "question", "context", "premise", "hypothesis",
            "gold_text", "explanation", "parallel_group");

    private final Languages languages;
    private final StringColumn id = text("id");
    private final StringColumn source = StringColumn.create("source");
    private final StringColumn task = StringColumn.create("task");
    private final StringColumn language = StringColumn.create("language");
    private final StringColumn tier = StringColumn.create("tier");
    private final StringColumn split = StringColumn.create("split");
    private final StringColumn question = text("question");
    private final StringColumn context = text("context");
    private final StringColumn premise = text("premise");
    private final StringColumn hypothesis = text("hypothesis");
    private final IntColumn optionCount = IntColumn.create("n_options");
    private final List<StringColumn> options = new ArrayList<>();
    private final IntColumn goldIndex = IntColumn.create("gold_index");
    private final StringColumn goldLabel = StringColumn.create("gold_label");
    private final StringColumn goldText = text("gold_text");
    private final StringColumn explanation = text("explanation");
    private final StringColumn parallel = text("parallel_group");
    private int rows;

    ItemTable(Languages languages) {
        this.languages = languages;
    }

    /**
     * Starts Tablesaw's one-time set-up in the background. Its {@code Table} class scans the class
     * path for readers and writers as it initialises, about 0.6 s with the kernel's class path; a
     * load that starts it now has it done by the time its table is built.
     */
    static void prepare() {
        CompletableFuture.runAsync(() -> Table.create(NAME));
    }

    /** Appends {@code rows} of a file's items, column by column. */
    void append(FileItems items, int[] rows) {
        SplitFile file = items.file;
        text(id, items::id, rows);
        repeat(source, file.source(), rows.length);
        for (int r : rows) {
            task.append(items.task(r).name());
        }
        repeat(language, file.language(), rows.length);
        repeat(tier, languages.get(file.language()).tier().name(), rows.length);
        repeat(split, file.split(), rows.length);
        text(question, items::question, rows);
        text(context, items::context, rows);
        text(premise, items::premise, rows);
        text(hypothesis, items::hypothesis, rows);
        for (int r : rows) {
            optionCount.append(items.optionCount(r));
        }
        while (options.size() < items.optionColumns()) {
            StringColumn column = text(OPTION_PREFIX + Answers.label(options.size()));
            repeat(column, "", this.rows);
            options.add(column);
        }
        for (int k = 0; k < options.size(); k++) {
            if (k < items.optionColumns()) {
                int option = k;
                text(options.get(k), r -> items.option(option, r), rows);
            } else {
                repeat(options.get(k), "", rows.length);
            }
        }
        for (int r : rows) {
            goldIndex.append(items.goldIndex(r));
        }
        text(goldLabel, items::goldLabel, rows);
        text(goldText, items::goldText, rows);
        text(explanation, items::explanation, rows);
        text(parallel, items::parallel, rows);
        this.rows += rows.length;
    }

    /** A missing text (null) is the empty string, Tablesaw's missing value. */
    private static void text(StringColumn column, IntFunction<String> value, int[] rows) {
        for (int r : rows) {
            String s = value.apply(r);
            column.append(s == null ? "" : s);
        }
    }

    private static void repeat(StringColumn column, String value, int times) {
        for (int i = 0; i < times; i++) {
            column.append(value);
        }
    }

    Table table() {
        List<Column<?>> columns = new ArrayList<>(List.of(id, source, task, language, tier, split, question, context,
                premise, hypothesis, optionCount));
        columns.addAll(options);
        columns.addAll(List.of(goldIndex, goldLabel, goldText, explanation, parallel));
        return Table.create(NAME, columns);
    }

    /**
     * Reads items back from a table this class built (or a subset of one), its columns looked up
     * once rather than by name for every item.
     */
    static IntFunction<Item> reader(Table table) {
        StringColumn id = table.stringColumn("id");
        StringColumn source = table.stringColumn("source");
        StringColumn task = table.stringColumn("task");
        StringColumn language = table.stringColumn("language");
        StringColumn split = table.stringColumn("split");
        StringColumn question = table.stringColumn("question");
        StringColumn context = table.stringColumn("context");
        StringColumn premise = table.stringColumn("premise");
        StringColumn hypothesis = table.stringColumn("hypothesis");
        IntColumn optionCount = table.intColumn("n_options");
        List<StringColumn> options = new ArrayList<>();
        while (table.containsColumn(OPTION_PREFIX + Answers.label(options.size()))) {
            options.add(table.stringColumn(OPTION_PREFIX + Answers.label(options.size())));
        }
        IntColumn goldIndex = table.intColumn("gold_index");
        StringColumn goldText = table.stringColumn("gold_text");
        StringColumn explanation = table.stringColumn("explanation");
        StringColumn parallel = table.stringColumn("parallel_group");
        return row -> {
            int n = optionCount.getInt(row);
            List<String> opts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                opts.add(options.get(i).get(row));
            }
            return new Item(id.get(row), source.get(row), Task.valueOf(task.get(row)), language.get(row),
                    split.get(row), orNull(question, row), orNull(context, row), orNull(premise, row),
                    orNull(hypothesis, row), opts, goldIndex.getInt(row), goldText.get(row),
                    orNull(explanation, row), orNull(parallel, row));
        };
    }

    /**
     * The selected rows, keeping text columns free of dictionaries (Tablesaw's own {@code where}
     * would build one per text column).
     */
    static Table subset(Table table, Selection rows) {
        int[] index = rows.toArray();
        List<Column<?>> columns = new ArrayList<>(table.columnCount());
        for (Column<?> c : table.columns()) {
            if (c instanceof StringColumn s && isText(s.name())) {
                StringColumn copy = text(s.name());
                for (int r : index) {
                    copy.append(s.get(r));
                }
                columns.add(copy);
            } else {
                columns.add(c.subset(index));
            }
        }
        return Table.create(table.name(), columns);
    }

    private static boolean isText(String column) {
        return TEXT.contains(column) || column.startsWith(OPTION_PREFIX);
    }

    private static StringColumn text(String name) {
        return StringColumn.createInternal(name, new NullDictionaryMap(new ByteDictionaryMap()));
    }

    private static String orNull(StringColumn column, int row) {
        String s = column.get(row);
        return s.isEmpty() ? null : s;
    }
}
