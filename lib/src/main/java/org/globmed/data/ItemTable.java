package org.globmed.data;

import java.util.ArrayList;
import java.util.List;
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

    void append(Item item) {
        id.append(item.id());
        source.append(item.source());
        task.append(item.task().name());
        language.append(item.language());
        tier.append(languages.get(item.language()).tier().name());
        split.append(item.split());
        question.append(orEmpty(item.question()));
        context.append(orEmpty(item.context()));
        premise.append(orEmpty(item.premise()));
        hypothesis.append(orEmpty(item.hypothesis()));
        List<String> opts = item.options();
        optionCount.append(opts.size());
        while (options.size() < opts.size()) {
            StringColumn column = text(OPTION_PREFIX + Answers.label(options.size()));
            for (int r = 0; r < rows; r++) {
                column.append("");
            }
            options.add(column);
        }
        for (int i = 0; i < options.size(); i++) {
            options.get(i).append(i < opts.size() ? opts.get(i) : "");
        }
        goldIndex.append(item.goldIndex());
        goldLabel.append(orEmpty(item.goldLabel()));
        goldText.append(item.goldText());
        explanation.append(orEmpty(item.explanation()));
        parallel.append(orEmpty(item.parallelGroup()));
        rows++;
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

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String orNull(StringColumn column, int row) {
        String s = column.get(row);
        return s.isEmpty() ? null : s;
    }
}
