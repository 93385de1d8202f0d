package org.globmed.data;

import java.nio.file.Path;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.globmed.display.TableHtml;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.selection.BitmapBackedSelection;
import tech.tablesaw.selection.Selection;

/**
 * Loaded GlobMed items: a table with one row per item ({@link #table()}), the items themselves
 * ({@link #items()}), per-language counts ({@link #summary()}), filters that return a new
 * {@code GlobMedData}, and the {@link LoadReport} of the load. Renders in the kernel as its summary.
 */
public final class GlobMedData {
    private final Table table;
    private final Languages languages;
    private final LoadReport report;

    GlobMedData(Table table, Languages languages, LoadReport report) {
        this.table = table;
        this.languages = languages;
        this.report = report;
    }

    /** Number of items. */
    public int size() {
        return table.rowCount();
    }

    /**
     * One row per item, typed columns (see the column list in the project README). This is the
     * data itself, not a copy: filter it with Tablesaw, or with this class's filters.
     */
    public Table table() {
        return table;
    }

    /** The items, rebuilt from the table's rows as they are read. */
    public List<Item> items() {
        IntFunction<Item> reader = ItemTable.reader(table);
        return new AbstractList<>() {
            @Override
            public Item get(int index) {
                return reader.apply(index);
            }

            @Override
            public int size() {
                return table.rowCount();
            }
        };
    }

    public Stream<Item> stream() {
        return items().stream();
    }

    /** What the load read, skipped and why. */
    public LoadReport report() {
        return report;
    }

    /** The registry that named the languages and gave their tiers. */
    public Languages registry() {
        return languages;
    }

    /** Languages present, by code. */
    public Set<String> languageCodes() {
        return new TreeSet<>(table.stringColumn("language").asSet());
    }

    /** Sources present. */
    public Set<String> sources() {
        return new TreeSet<>(table.stringColumn("source").asSet());
    }

    /**
     * Items per language and tier × source and split: one row per language (language, english,
     * native, tier, then a column per {@code source/split}, then total).
     */
    public Table summary() {
        StringColumn lang = table.stringColumn("language");
        StringColumn source = table.stringColumn("source");
        StringColumn split = table.stringColumn("split");
        // Counted by the three values first: a "source/split" string per row would be 600k strings.
        Map<List<String>, int[]> byValues = new HashMap<>();
        for (int r = 0; r < table.rowCount(); r++) {
            byValues.computeIfAbsent(List.of(lang.get(r), source.get(r), split.get(r)), k -> new int[1])[0]++;
        }
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        Set<String> keys = new TreeSet<>();
        byValues.forEach((values, n) -> {
            String key = values.get(1) + "/" + values.get(2);
            keys.add(key);
            counts.computeIfAbsent(values.get(0), k -> new TreeMap<>()).merge(key, n[0], Integer::sum);
        });
        StringColumn code = StringColumn.create("language");
        StringColumn english = StringColumn.create("english");
        StringColumn nativeName = StringColumn.create("native");
        StringColumn tier = StringColumn.create("tier");
        Map<String, IntColumn> byKey = new LinkedHashMap<>();
        keys.forEach(k -> byKey.put(k, IntColumn.create(k)));
        IntColumn total = IntColumn.create("total");
        counts.forEach((c, perKey) -> {
            Language l = languages.get(c);
            code.append(c);
            english.append(l.english());
            nativeName.append(l.nativeName());
            tier.append(l.tier().name());
            byKey.forEach((k, column) -> column.append(perKey.getOrDefault(k, 0)));
            total.append(perKey.values().stream().mapToInt(Integer::intValue).sum());
        });
        Table summary = Table.create(String.format(Locale.ROOT, "GlobMed summary: %,d items", size()), code,
                english, nativeName, tier);
        byKey.values().forEach(summary::addColumns);
        return summary.addColumns(total);
    }

    /**
     * The same item in every language it exists in: one row per language (language, english, tier,
     * script, the item's text, its options and gold answer).
     */
    public Table parallel(String parallelGroup) {
        Selection rows = table.stringColumn("parallel_group").isEqualTo(parallelGroup);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no items in parallel group '" + parallelGroup
                    + "'; groups look like '" + (size() == 0 ? "" : table.stringColumn("parallel_group").get(0))
                    + "'");
        }
        StringColumn code = StringColumn.create("language");
        StringColumn english = StringColumn.create("english");
        StringColumn tier = StringColumn.create("tier");
        StringColumn text = StringColumn.create("text");
        StringColumn options = StringColumn.create("options");
        StringColumn gold = StringColumn.create("gold");
        IntFunction<Item> reader = ItemTable.reader(table);
        for (int r : rows) {
            Item item = reader.apply(r);
            Language l = languages.get(item.language());
            code.append(item.language());
            english.append(l.english());
            tier.append(l.tier().name());
            text.append(item.task() == Task.NLI ? item.premise() + " ⇒ " + item.hypothesis()
                    : item.context() == null ? item.question() : item.question() + " — " + item.context());
            StringBuilder opts = new StringBuilder();
            for (int i = 0; i < item.options().size(); i++) {
                opts.append(i == 0 ? "" : "  ").append(Answers.label(i)).append(") ").append(item.options().get(i));
            }
            options.append(opts.toString());
            gold.append(item.task().isChoice() ? item.goldLabel() + ") " + item.goldText() : item.goldText());
        }
        return Table.create("Parallel group " + parallelGroup, code, english, tier, text, options, gold);
    }

    /**
     * Tokenizer fertility per language for a Hugging Face {@code tokenizer.json}: tokens per word
     * and per character (see {@link Fertility}).
     */
    public Table fertility(Path tokenizerJson) {
        return Fertility.measure(tokenizerJson, items(), languages);
    }

    /** Only items in these languages. */
    public GlobMedData languages(String... codes) {
        Arrays.stream(codes).forEach(languages::get);
        return where("language", codes);
    }

    /** Only items of these sources. */
    public GlobMedData sources(String... names) {
        return where("source", names);
    }

    /** Only items of these splits. */
    public GlobMedData splits(String... names) {
        return where("split", names);
    }

    /** Only items of these tasks. */
    public GlobMedData tasks(Task... tasks) {
        return where("task", Arrays.stream(tasks).map(Task::name).toArray(String[]::new));
    }

    /** Only items of languages in this tier. */
    public GlobMedData tier(Tier tier) {
        return where("tier", tier.name());
    }

    /** Only items that pass {@code test} (slower than the column filters: rebuilds each item). */
    public GlobMedData filter(Predicate<Item> test) {
        Selection rows = new BitmapBackedSelection();
        IntFunction<Item> reader = ItemTable.reader(table);
        for (int r = 0; r < table.rowCount(); r++) {
            if (test.test(reader.apply(r))) {
                rows.add(r);
            }
        }
        return new GlobMedData(ItemTable.subset(table, rows), languages, report);
    }

    private GlobMedData where(String column, String... values) {
        return new GlobMedData(ItemTable.subset(table, table.stringColumn(column).isIn(values)), languages, report);
    }

    /** The kernel shows the summary and the load's counts. */
    public Map<String, Object> mimeBundle() {
        Map<String, Object> bundle = new LinkedHashMap<>();
        bundle.put("text/plain", toString());
        bundle.put("text/html", "<p><b>" + TableHtml.escape(toString()) + "</b></p>"
                + TableHtml.html(summary(), 50));
        return bundle;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "GlobMed data: %,d items, %d languages, %d sources (%s)", size(),
                languageCodes().size(), sources().size(), report.isClean() ? report.counts()
                        : report.counts() + "; see report()");
    }
}
