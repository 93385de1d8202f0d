package org.globmed.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.globmed.data.Answers;
import org.globmed.data.Item;
import org.globmed.data.Task;

/**
 * The prompt of an item, as data: per-language wording ({@code prompts.tsv}: instruction and the
 * labels Question, Context, Premise, Hypothesis, Answer, with English where a language has none)
 * around the item's fields, its options lettered A, B, …, and k solved examples before it.
 *
 * <pre>
 * Answer the following medical question with the letter of the correct option.
 *
 * Question: Which vitamin deficiency causes scurvy?
 * A. Vitamin C
 * B. Vitamin D
 * Answer: A
 *
 * Question: …
 * Answer:
 * </pre>
 *
 * Yes/no/maybe and NLI items show their options in the item's language (from the answer-word
 * lists the extractor reads), so a Swahili item reads "A. ndiyo" rather than "A. yes".
 */
final class Prompts {
    /** What a choice item's continuations are: the option letters (" A"), or the options' texts. */
    enum Choices { LETTERS, TEXT }

    private static final Map<String, Map<String, String>> WORDING = load();
    private static final String ENGLISH = "en";

    private final Choices choices;
    private final BiFunction<String, String, String> localWord;

    /**
     * @param localWord the word for an option label ("yes", "entailment", …) in a language, or the
     *                  label itself when the language has none
     */
    Prompts(Choices choices, BiFunction<String, String, String> localWord) {
        this.choices = choices;
        this.localWord = localWord;
    }

    /** A prompt: the context to score or continue, and for a choice item one continuation per option. */
    record Built(String context, List<String> continuations, List<String> labels) {
    }

    Built build(Item item, List<Item> shots) {
        String language = item.language();
        StringBuilder text = new StringBuilder();
        String instruction = word(language, "instruction");
        if (item.task().isChoice()) {
            text.append(instruction).append("\n\n");
        }
        for (Item shot : shots) {
            body(text, shot, language);
            text.append(' ').append(answer(shot, language)).append("\n\n");
        }
        body(text, item, language);
        List<String> continuations = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        if (item.task().isChoice()) {
            for (int i = 0; i < item.options().size(); i++) {
                labels.add(Answers.label(i));
                continuations.add(" " + (choices == Choices.LETTERS ? Answers.label(i) : optionText(item, i, language)));
            }
        }
        return new Built(text.toString(), continuations, labels);
    }

    /** The solved answer of a shot, as the continuation of its own kind would be. */
    private String answer(Item shot, String language) {
        if (!shot.task().isChoice()) {
            return shot.goldText();
        }
        return choices == Choices.LETTERS ? shot.goldLabel() : optionText(shot, shot.goldIndex(), language);
    }

    private void body(StringBuilder text, Item item, String language) {
        Task task = item.task();
        if (item.context() != null && !item.context().isBlank()) {
            text.append(word(language, "context")).append(": ").append(item.context()).append('\n');
        }
        if (task == Task.NLI) {
            text.append(word(language, "premise")).append(": ").append(item.premise()).append('\n');
            text.append(word(language, "hypothesis")).append(": ").append(item.hypothesis()).append('\n');
            text.append(word(language, "relation")).append('\n');
        } else {
            text.append(word(language, "question")).append(": ").append(item.question()).append('\n');
        }
        if (task.isChoice()) {
            for (int i = 0; i < item.options().size(); i++) {
                text.append(Answers.label(i)).append(". ").append(optionText(item, i, language)).append('\n');
            }
        }
        text.append(word(language, "answer")).append(':');
    }

    /** An option as shown: yes/no/maybe and NLI labels in the item's language, other options as written. */
    private String optionText(Item item, int index, String language) {
        String option = item.options().get(index);
        return item.task() == Task.YES_NO_MAYBE || item.task() == Task.NLI ? localWord.apply(language, option) : option;
    }

    static String word(String language, String key) {
        String local = WORDING.getOrDefault(language, Map.of()).get(key);
        return local == null || local.isEmpty() ? WORDING.get(ENGLISH).get(key) : local;
    }

    /** The languages with their own wording. */
    static java.util.Set<String> languages() {
        return WORDING.keySet();
    }

    private static Map<String, Map<String, String>> load() {
        try (InputStream in = Prompts.class.getResourceAsStream("prompts.tsv")) {
            Map<String, Map<String, String>> out = new HashMap<>();
            String[] header = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cells = line.split("\t", -1);
                if (header == null) {
                    header = cells;
                    continue;
                }
                if (cells.length != header.length) {
                    throw new IllegalStateException("prompts.tsv: the row of '" + cells[0] + "' has " + cells.length
                            + " cells; expected " + header.length);
                }
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i < header.length; i++) {
                    row.put(header[i], cells[i].strip());
                }
                out.put(cells[0], row);
            }
            return Map.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
