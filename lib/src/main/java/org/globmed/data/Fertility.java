package org.globmed.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.globmed.model.ModelTokenizer;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

/**
 * Tokenizer fertility per language: how many tokens a tokenizer spends per word and per
 * character of each language's text. GlobMed relates per-language accuracy gaps to this cost, so
 * the table lines up with per-language results through its {@code language} column.
 *
 * <p>What is counted, item by item:
 * <ul>
 *   <li><b>Text</b>: every text field the item has, each on its own: question, context, premise,
 *       hypothesis, explanation; the options of multiple-choice ({@link Task#MCQ}) items; the gold
 *       answer's text of items without options (open and long-form QA). The options of yes/no/maybe
 *       and NLI items are a fixed label set rather than text in the item's language, and a choice
 *       item's gold text is one of its options, so neither is counted. Blank fields are skipped.</li>
 *   <li><b>Words</b>: ICU word segmentation ({@link BreakIterator#getWordInstance(ULocale)} with the
 *       item's language), counting the segments whose rule status is not {@code WORD_NONE}: words
 *       and numbers, not spaces or punctuation. Splitting on spaces would count a whole Chinese,
 *       Japanese or Thai sentence as one word; ICU segments those with its dictionaries, and keeps
 *       combining marks (Yorùbá's tone marks) inside their word.</li>
 *   <li><b>Characters</b>: Unicode code points that are not white space (the Unicode White_Space
 *       property, so no-break and ideographic spaces are not counted either).</li>
 *   <li><b>Tokens</b>: the ids the Hugging Face tokenizer gives each field, without special tokens
 *       (no BOS/EOS, no chat template) and without truncation. Fields are encoded separately, in
 *       batches.</li>
 * </ul>
 *
 * <p>The table has one row per language that has any text, sorted by language code: {@code language},
 * {@code english} and {@code tier} from the registry (empty for a code the registry does not know),
 * {@code items}, {@code words}, {@code characters}, {@code tokens}, {@code tokens_per_word} and
 * {@code tokens_per_char} (missing rather than divided by zero when a language has no words).
 * Sort it with {@code table.sortDescendingOn("tokens_per_word")} for the most expensive first.
 */
final class Fertility {
    /** Texts per call to the tokenizer: big enough for its parallel batch encoding, small in memory. */
    static final int BATCH = 256;
    static final String TITLE = "Tokenizer fertility";

    private Fertility() {
    }

    /**
     * Measures {@code items} with the tokenizer in {@code tokenizerJson}.
     *
     * @param tokenizerJson a Hugging Face {@code tokenizer.json}, or the model folder holding one
     * @throws IllegalArgumentException when the file is missing or not a tokenizer the Hugging Face
     *                                  tokenizers library can load (the message names the file)
     * @throws UncheckedIOException     when the file cannot be read
     * @throws IllegalStateException    when the tokenizers native library cannot be loaded
     */
    static Table measure(Path tokenizerJson, Iterable<Item> items, Languages languages) {
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(languages, "languages");
        Path file = tokenizerFile(tokenizerJson);
        try (HuggingFaceTokenizer tokenizer = open(file)) {
            return measure(tokenizer, items, languages, TITLE + " (" + describe(file) + ")");
        }
    }

    static Table measure(HuggingFaceTokenizer tokenizer, Iterable<Item> items, Languages languages, String title) {
        Map<String, Counts> byLanguage = new TreeMap<>();
        Map<String, BreakIterator> wordIterators = new HashMap<>();
        Batch batch = new Batch(tokenizer);
        for (Item item : items) {
            String code = item.language().toLowerCase(Locale.ROOT);
            Counts counts = byLanguage.computeIfAbsent(code, c -> new Counts());
            BreakIterator words = wordIterators.computeIfAbsent(code,
                    c -> BreakIterator.getWordInstance(ULocale.forLanguageTag(c)));
            counts.items++;
            for (String text : texts(item)) {
                counts.words += words(text, words);
                counts.characters += characters(text);
                batch.add(text, counts);
            }
        }
        batch.flush();
        return table(title, byLanguage, languages);
    }

    /** The texts of {@code item} that are measured, in field order; see the class comment. */
    static List<String> texts(Item item) {
        List<String> texts = new ArrayList<>();
        addText(texts, item.question());
        addText(texts, item.context());
        addText(texts, item.premise());
        addText(texts, item.hypothesis());
        if (item.task() == Task.MCQ) {
            item.options().forEach(o -> addText(texts, o));
        }
        if (!item.task().isChoice()) {
            addText(texts, item.goldText());
        }
        addText(texts, item.explanation());
        return texts;
    }

    /** Words in {@code text} of language {@code code}, as the class comment defines them. */
    static long words(String text, String code) {
        return words(text, BreakIterator.getWordInstance(ULocale.forLanguageTag(code)));
    }

    /** Code points of {@code text} that are not white space. */
    static long characters(String text) {
        return text.codePoints().filter(cp -> !UCharacter.isUWhiteSpace(cp)).count();
    }

    private static long words(String text, BreakIterator iterator) {
        iterator.setText(text);
        long count = 0;
        iterator.first();
        for (int end = iterator.next(); end != BreakIterator.DONE; end = iterator.next()) {
            if (iterator.getRuleStatus() >= BreakIterator.WORD_NONE_LIMIT) {
                count++;
            }
        }
        return count;
    }

    private static void addText(List<String> texts, String text) {
        if (text != null && !text.isBlank()) {
            texts.add(text);
        }
    }

    /** The tokenizer file {@code path} designates: itself, or the tokenizer.json in a folder. */
    static Path tokenizerFile(Path path) {
        Objects.requireNonNull(path, "tokenizer path");
        if (Files.isDirectory(path)) {
            Path file = path.resolve("tokenizer.json");
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(path + " is a folder without a tokenizer.json; expected a Hugging Face "
                        + "tokenizer.json or the model folder that holds one");
            }
            return file;
        }
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("the tokenizer file " + path + " does not exist; expected a Hugging Face "
                    + "tokenizer.json (the file of that name in a model folder)");
        }
        return path;
    }

    /** Opens a tokenizer.json for counting: no special tokens, no truncation, no padding. */
    static HuggingFaceTokenizer open(Path file) {
        return ModelTokenizer.openFile(file);
    }

    private static String describe(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null || parent.getFileName() == null ? file.getFileName().toString()
                : parent.getFileName() + "/" + file.getFileName();
    }

    private static Table table(String title, Map<String, Counts> byLanguage, Languages languages) {
        StringColumn language = StringColumn.create("language");
        StringColumn english = StringColumn.create("english");
        StringColumn tier = StringColumn.create("tier");
        IntColumn items = IntColumn.create("items");
        LongColumn words = LongColumn.create("words");
        LongColumn characters = LongColumn.create("characters");
        LongColumn tokens = LongColumn.create("tokens");
        DoubleColumn perWord = DoubleColumn.create("tokens_per_word");
        DoubleColumn perChar = DoubleColumn.create("tokens_per_char");
        // Printed and rendered with 3 decimals; the values keep full precision.
        perWord.setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(3));
        perChar.setPrintFormatter(NumberColumnFormatter.fixedWithGrouping(3));
        byLanguage.forEach((code, c) -> {
            if (c.characters == 0) {
                return; // no text: nothing to measure
            }
            language.append(code);
            english.append(languages.find(code).map(Language::english).orElse(""));
            tier.append(languages.find(code).map(l -> l.tier().name()).orElse(""));
            items.append(c.items);
            words.append(c.words);
            characters.append(c.characters);
            tokens.append(c.tokens);
            if (c.words == 0) {
                perWord.appendMissing();
            } else {
                perWord.append((double) c.tokens / c.words);
            }
            perChar.append((double) c.tokens / c.characters);
        });
        return Table.create(title, language, english, tier, items, words, characters, tokens, perWord, perChar);
    }

    /** Running totals of one language. */
    private static final class Counts {
        int items;
        long words;
        long characters;
        long tokens;
    }

    /** Texts waiting to be tokenized, with the totals their token counts go to. */
    private static final class Batch {
        private final HuggingFaceTokenizer tokenizer;
        private final List<String> texts = new ArrayList<>(BATCH);
        private final List<Counts> owners = new ArrayList<>(BATCH);

        Batch(HuggingFaceTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        void add(String text, Counts owner) {
            texts.add(text);
            owners.add(owner);
            if (texts.size() == BATCH) {
                flush();
            }
        }

        void flush() {
            if (texts.isEmpty()) {
                return;
            }
            Encoding[] encodings = tokenizer.batchEncode(texts, false, false);
            for (int i = 0; i < encodings.length; i++) {
                owners.get(i).tokens += encodings[i].getIds().length;
            }
            texts.clear();
            owners.clear();
        }
    }
}
