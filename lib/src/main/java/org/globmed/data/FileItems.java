package org.globmed.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The items of one split file as plain columns, filled on the thread that reads the file and
 * appended to the table's columns on the loading thread, with where each came from (line, record
 * index) for the messages that may still name it.
 *
 * <p>Why columns and not a list of {@link Item}s: an item a reader thread holds until the loading
 * thread takes it outlives a young collection, so the collector copies it into the old generation,
 * where it dies. On GlobMed's 600k entries the items, their option lists and their line numbers
 * were about 45 MB of such garbage, which made the heap, and the process, larger than loading
 * needs. Here an item lives only from its record to {@link #add}, and what stays are the texts
 * the table keeps anyway.
 */
final class FileItems {
    final SplitFile file;
    /**
     * Parallel groups already seen in this load, shared by its reader threads: a group recurs in
     * every language, and one string for the twelve saves about 35 MB on GlobMed.
     */
    private final Map<String, String> groups;
    private int size;
    private String[] id = new String[16];
    private Task[] task = new Task[16];
    private String[] question = new String[16];
    private String[] context = new String[16];
    private String[] premise = new String[16];
    private String[] hypothesis = new String[16];
    /** options.get(k)[row]: the k-th option of each row, null where a row has fewer. */
    private final List<String[]> options = new ArrayList<>();
    private int[] optionCount = new int[16];
    private int[] goldIndex = new int[16];
    private String[] goldText = new String[16];
    private String[] explanation = new String[16];
    private String[] parallel = new String[16];
    private int[] line = new int[16];
    private int[] index = new int[16];
    /** The item's id came from the data (so it may repeat), not from its position (unique by construction). */
    private boolean[] ownId = new boolean[16];

    FileItems(SplitFile file, Map<String, String> groups) {
        this.file = file;
        this.groups = groups;
    }

    /** An empty set of items of the same file and load. */
    FileItems another() {
        return new FileItems(file, groups);
    }

    int size() {
        return size;
    }

    void add(Item item, int line, int index, boolean ownId) {
        if (size == id.length) {
            grow();
        }
        int r = size++;
        id[r] = item.id();
        task[r] = item.task();
        question[r] = item.question();
        context[r] = item.context();
        premise[r] = item.premise();
        hypothesis[r] = item.hypothesis();
        List<String> opts = item.options();
        while (options.size() < opts.size()) {
            options.add(new String[id.length]);
        }
        for (int k = 0; k < opts.size(); k++) {
            options.get(k)[r] = opts.get(k);
        }
        optionCount[r] = opts.size();
        goldIndex[r] = item.goldIndex();
        goldText[r] = item.goldText();
        explanation[r] = item.explanation();
        parallel[r] = item.parallelGroup() == null ? null
                : groups.computeIfAbsent(item.parallelGroup(), group -> group);
        this.line[r] = line;
        this.index[r] = index;
        this.ownId[r] = ownId;
    }

    /**
     * The rows of this file and of {@code later} (items of the same file converted after the
     * others) in record order; both must be in record order already.
     */
    FileItems merge(FileItems later) {
        FileItems merged = another();
        int a = 0;
        int b = 0;
        while (a < size || b < later.size) {
            boolean fromThis = b == later.size || (a < size && index[a] < later.index[b]);
            FileItems from = fromThis ? this : later;
            int r = fromThis ? a++ : b++;
            merged.add(from.item(r), from.line[r], from.index[r], from.ownId[r]);
        }
        return merged;
    }

    private void grow() {
        int n = id.length * 2;
        id = Arrays.copyOf(id, n);
        task = Arrays.copyOf(task, n);
        question = Arrays.copyOf(question, n);
        context = Arrays.copyOf(context, n);
        premise = Arrays.copyOf(premise, n);
        hypothesis = Arrays.copyOf(hypothesis, n);
        options.replaceAll(column -> Arrays.copyOf(column, n));
        optionCount = Arrays.copyOf(optionCount, n);
        goldIndex = Arrays.copyOf(goldIndex, n);
        goldText = Arrays.copyOf(goldText, n);
        explanation = Arrays.copyOf(explanation, n);
        parallel = Arrays.copyOf(parallel, n);
        line = Arrays.copyOf(line, n);
        index = Arrays.copyOf(index, n);
        ownId = Arrays.copyOf(ownId, n);
    }

    /** Row {@code r} as an item again. */
    Item item(int r) {
        List<String> opts = new ArrayList<>(optionCount[r]);
        for (int k = 0; k < optionCount[r]; k++) {
            opts.add(options.get(k)[r]);
        }
        return new Item(id[r], file.source(), task[r], file.language(), file.split(), question[r], context[r],
                premise[r], hypothesis[r], opts, goldIndex[r], goldText[r], explanation[r], parallel[r]);
    }

    String id(int r) {
        return id[r];
    }

    Task task(int r) {
        return task[r];
    }

    String question(int r) {
        return question[r];
    }

    String context(int r) {
        return context[r];
    }

    String premise(int r) {
        return premise[r];
    }

    String hypothesis(int r) {
        return hypothesis[r];
    }

    int optionColumns() {
        return options.size();
    }

    /** Option {@code k} of row {@code r}, or null when the row has fewer options. */
    String option(int k, int r) {
        return options.get(k)[r];
    }

    int optionCount(int r) {
        return optionCount[r];
    }

    int goldIndex(int r) {
        return goldIndex[r];
    }

    /** The gold option's letter, null for open tasks. */
    String goldLabel(int r) {
        return Item.goldLabel(task[r], goldIndex[r]);
    }

    String goldText(int r) {
        return goldText[r];
    }

    String explanation(int r) {
        return explanation[r];
    }

    String parallel(int r) {
        return parallel[r];
    }

    int line(int r) {
        return line[r];
    }

    int index(int r) {
        return index[r];
    }

    boolean ownId(int r) {
        return ownId[r];
    }
}
