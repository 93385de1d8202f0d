package org.globmed.bench;

import com.ibm.icu.lang.UScript;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.globmed.data.Answers;
import org.globmed.data.Item;
import org.globmed.data.Languages;
import org.globmed.data.Task;

/**
 * Reads the answer out of a generated text for a choice item (multiple choice, yes/no/maybe, NLI)
 * and returns it as the item's option label, the form of {@link Item#goldLabel()}: "A", "B", ...
 * for every choice task. The data layer stores yes/no/maybe and NLI items as options in the order
 * of their labels ({@code ["yes", "no", "maybe"]}; NLI {@code ["entailment", "neutral",
 * "contradiction"]} or binary {@code ["entailment", "contradiction"]}), so "no" is "B" and a binary
 * item's "contradiction" is "B" too; {@code options.get(label - 'A')} gives the word back.
 *
 * <p>Recognised: option letters in Latin (either case), full-width (Ａ), circled (Ⓐ) and the
 * conventions of other scripts listed in {@code answer-words.tsv} (Arabic أ ب ج د, Devanagari
 * क ख ग घ and अ ब स द, Bengali ক খ গ ঘ, Thai ก ข ค ง, Cyrillic А Б В Г, katakana ア イ ウ, Ethiopic
 * ሀ ለ ሐ መ, Korean ① ②); the forms "A", "(A)", "A.", "A)", "[A]", "**A**", "\boxed{A}"; answer
 * phrases with an optional copula and "option" word ("Answer: A", "The answer is option A",
 * "答案是C", "正解はB", "الإجابة: ب", "Jibu ni A", "उत्तर: B"); localised yes/no/maybe and NLI words;
 * an option's own text. The phrases and words of each language are data; English ones are accepted
 * in every language.
 *
 * <p>Precedence, first rule that gives an answer wins:
 * <ol>
 *   <li><b>Explicit</b>: an answer phrase or {@code \boxed{}} followed by a letter, a label word or an
 *       option's text. When there are several, the last one wins (a final answer after reasoning).</li>
 *   <li><b>Leading</b>: the text starts (after spaces, markdown and opening quotes or brackets) with
 *       a delimited letter ("B", "B.", "(B)", "B) aspirin") or label word ("Yes,", "No."). Skipped for
 *       letters when two or more lines start with different letters: the model is listing options.</li>
 *   <li><b>Whole text</b>: the text is exactly one option's text (case, punctuation and spacing aside).</li>
 *   <li><b>Marked</b>: letters or label words in bold or brackets, or letters after an option word
 *       ("I would go with option D"), anywhere, when all name one option.</li>
 *   <li><b>Trailing</b> (yes/no/maybe): the text ends with a label word ("..., so yes.").</li>
 *   <li><b>Anywhere</b> (NLI; its words are specific, unlike "no"): label words that all name one
 *       option ("The premise entails the hypothesis").</li>
 *   <li><b>Option text</b> (multiple choice): exactly one option's text occurs in the text (an option
 *       contained in a longer one that also occurs does not count).</li>
 * </ol>
 * Otherwise the answer is unextractable: {@link Optional#empty()}.
 *
 * <p>False positives are guarded: a letter counts only when it is not part of a word ("Vitamin
 * B12", "B-cell", "I.V.", "I'm"); without an answer phrase it must be delimited, so the article in
 * "A patient..." and the pronoun in "I think..." are not answers; after a phrase, a lower-case
 * letter or "I" followed by a word is not one either ("The answer is a combination", "Answer: I
 * believe"). Label words likewise must be delimited ("No evidence suggests..." is not "no"; "Si el
 * paciente" is not Spanish "sí", which needs its accent). A letter beyond the item's options, or a
 * label that is not one of its options (binary NLI's "neutral"), is no answer.
 */
public final class AnswerExtractor {
    static final List<String> LABELS = List.of("yes", "no", "maybe", "entailment", "neutral", "contradiction");
    static final List<String> KINDS = List.of("answer", "copula", "option", "letters", "yes", "no", "maybe",
            "entailment", "neutral", "contradiction");
    private static final List<String> YES_NO_MAYBE = List.of("yes", "no", "maybe");
    private static final List<String> NLI = List.of("entailment", "neutral", "contradiction");
    /** Characters between an answer phrase and the answer: "Answer: **(B)**", "答案是「C」". */
    private static final String GAP = " \t\r\n:=-–—*_\"'`“”‘’«»‹›「」『』【】《》〈〉([{<$#>、";
    /** LaTeX's \boxed{} announces an answer, in every language. */
    private static final String BOXED = "\\boxed{";
    private static final List<String> GAP_WORDS = List.of(BOXED, "\\textbf{", "\\text{", "\\mathrm{");
    private static final String LEADING = " \t\r\n*_#>`\"'“‘«「『【[(";
    private static final List<String[]> MARKS = List.of(new String[] {"**", "**"}, new String[] {"__", "__"},
            new String[] {"*", "*"}, new String[] {"(", ")"}, new String[] {"[", "]"}, new String[] {"【", "】"},
            new String[] {"〔", "〕"});
    private static final String APOSTROPHES = "'’ʼ";
    private static final AnswerExtractor DEFAULTS = parse(resource(), "answer-words.tsv (built in)");

    /** language → kind → rows of words, as the data file has them. */
    private final Map<String, Map<String, List<List<String>>>> rows;
    private final Map<String, Lexicon> lexicons = new ConcurrentHashMap<>();

    private AnswerExtractor(Map<String, Map<String, List<List<String>>>> rows) {
        this.rows = rows;
    }

    /** The extractor with the built-in words of every registry language. */
    public static AnswerExtractor defaults() {
        return DEFAULTS;
    }

    /** The label ("A", "B", ...) of the option {@code output} answers for {@code item}, or empty. */
    public Optional<String> extract(Item item, String output) {
        return extract(item.task(), item.language(), item.options(), output);
    }

    /**
     * The label ("A", "B", ...) of the option {@code output} answers, or empty when none can be read.
     *
     * @param task     a choice task: MCQ, YES_NO_MAYBE or NLI
     * @param language the ISO code of the item's language (unknown codes get the English words)
     * @param options  the options' texts in order; for yes/no/maybe and NLI the item's label words,
     *                 or empty for the three-way defaults
     * @param output   the generated text; null counts as unextractable
     */
    public Optional<String> extract(Task task, String language, List<String> options, String output) {
        OptionalInt index = extractIndex(task, language, options, output);
        return index.isPresent() ? Optional.of(Answers.label(index.getAsInt())) : Optional.empty();
    }

    OptionalInt extractIndex(Task task, String language, List<String> options, String output) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        if (!task.isChoice()) {
            throw new IllegalArgumentException(task + " is not a choice task; score its answers with TextMetrics");
        }
        if (task == Task.MCQ && options.isEmpty()) {
            throw new IllegalArgumentException("a multiple-choice question needs its options to read an answer");
        }
        List<String> opts = !options.isEmpty() ? options : task == Task.NLI ? NLI : YES_NO_MAYBE;
        if (output == null || output.isBlank()) {
            return OptionalInt.empty();
        }
        Lexicon lexicon = lexicon(language == null ? "" : language.toLowerCase(Locale.ROOT));
        Integer found = new Reading(lexicon, task, opts, prepare(output)).answer();
        return found == null ? OptionalInt.empty() : OptionalInt.of(found);
    }

    /** The words the data lists for {@code label} in {@code language} itself (no English fallback). */
    List<String> words(String language, String label) {
        return rows.getOrDefault(language, Map.of()).getOrDefault(label, List.of()).stream()
                .flatMap(List::stream).toList();
    }

    /** The languages the data has rows for (not "*"). */
    Set<String> languages() {
        Set<String> codes = new TreeSet<>(rows.keySet());
        codes.remove("*");
        return codes;
    }

    private Lexicon lexicon(String language) {
        return lexicons.computeIfAbsent(language, this::build);
    }

    /** The language's words, then English, then "*"; words sorted longest first so "不是" beats "不". */
    private Lexicon build(String language) {
        List<String> cues = new ArrayList<>(List.of(BOXED));
        List<String> copulas = new ArrayList<>();
        List<String> optionWords = new ArrayList<>();
        List<Form> letters = new ArrayList<>();
        List<Form> labels = new ArrayList<>();
        for (String source : new LinkedHashSet<>(List.of(language, "en", "*"))) {
            Map<String, List<List<String>>> kinds = rows.getOrDefault(source, Map.of());
            kinds.getOrDefault("answer", List.of()).forEach(cues::addAll);
            kinds.getOrDefault("copula", List.of()).forEach(copulas::addAll);
            kinds.getOrDefault("option", List.of()).forEach(optionWords::addAll);
            if (!source.equals("en")) { // English has no letters beyond the built-in Latin ones
                for (List<String> row : kinds.getOrDefault("letters", List.of())) {
                    for (int i = 0; i < row.size(); i++) {
                        letters.add(new Form(row.get(i), i, null));
                    }
                }
            }
            for (String label : LABELS) {
                kinds.getOrDefault(label, List.of()).forEach(row -> row.forEach(w -> labels.add(new Form(w, -1, label))));
            }
        }
        Comparator<String> longestFirst = Comparator.comparingInt(String::length).reversed();
        cues.sort(longestFirst);
        copulas.sort(longestFirst);
        optionWords.sort(longestFirst);
        letters.sort(Comparator.comparing(Form::text, longestFirst));
        labels.sort(Comparator.comparing(Form::text, longestFirst));
        boolean unspaced = Languages.defaults().find(language).map(l -> !l.spaced()).orElse(false);
        return new Lexicon(cues, copulas, optionWords, letters, labels, unspaced);
    }

    /** One letter or word and what it stands for: an option index (letters) or a label (words). */
    private record Form(String text, int index, String label) {
    }

    private record Lexicon(List<String> cues, List<String> copulas, List<String> optionWords, List<Form> letters,
                   List<Form> labels, boolean unspaced) {
    }

    /** A letter or word ending at {@code end} and naming option {@code index} (-1: a label that is no option). */
    private record Hit(int index, int end, Strength strength, boolean lowerCase, boolean pronounI) {
    }

    /** How a letter or word ends: not at all (inside a word), followed by a word, or delimited. */
    private enum Strength { NONE, WEAK, STRONG }

    /** One extraction: the text, the item's options, and the rules in order of precedence. */
    private static final class Reading {
        private final Lexicon lx;
        private final Task task;
        private final List<String> options;
        private final String t;
        /** The labels this task's answers can be: yes/no/maybe, NLI, or (MCQ options "Yes", "No") all. */
        private final List<String> family;

        Reading(Lexicon lexicon, Task task, List<String> options, String text) {
            this.lx = lexicon;
            this.task = task;
            this.options = options;
            this.t = text;
            this.family = task == Task.NLI ? NLI : task == Task.YES_NO_MAYBE ? YES_NO_MAYBE : LABELS;
        }

        Integer answer() {
            Integer found = explicit();
            if (found == null) {
                found = leading();
            }
            if (found == null) {
                found = wholeText();
            }
            if (found == null) {
                found = marked();
            }
            if (found == null && task == Task.YES_NO_MAYBE) {
                found = trailing();
            }
            if (found == null && task == Task.NLI) {
                found = anywhere();
            }
            if (found == null && task == Task.MCQ) {
                found = containedOption();
            }
            return found;
        }

        /** Rule 1: the last answer phrase that is followed by an answer. */
        private Integer explicit() {
            Integer last = null;
            for (int i = 0; i < t.length(); i++) {
                for (String cue : lx.cues) {
                    if (t.regionMatches(true, i, cue, 0, cue.length()) && cueBounded(cue, i, i + cue.length())) {
                        Integer found = afterCue(i + cue.length());
                        if (found != null) {
                            last = found;
                        }
                        i += cue.length() - 1;
                        break;
                    }
                }
            }
            return last;
        }

        /** Latin, Arabic... phrases must be whole words; Han, kana, Thai and Hangul ones attach. */
        private boolean cueBounded(String cue, int start, int end) {
            int first = cue.codePointAt(0);
            if (attaches(first) || first == '\\') {
                return true;
            }
            int script = wordScript(cue);
            return !(start > 0 && joins(t.codePointBefore(start), script))
                    && (end >= t.length() || !joins(t.codePointAt(end), script));
        }

        /** gap [copula gap] [option-word gap] answer, trying the longest reading first. */
        private Integer afterCue(int end) {
            for (int variant = 0; variant < 4; variant++) {
                int p = skipGap(end);
                if (variant < 2) {
                    p = word(p, lx.copulas);
                    if (p < 0) {
                        continue;
                    }
                    p = skipGap(p);
                }
                if (variant % 2 == 0) {
                    p = word(p, lx.optionWords);
                    if (p < 0) {
                        continue;
                    }
                    p = skipGap(p);
                }
                Integer found = candidate(p, true);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }

        /** Rule 2: a delimited letter or label word at the start. */
        private Integer leading() {
            int p = skip(0, LEADING);
            int afterOption = word(p, lx.optionWords);
            boolean listing = listsOptions();
            for (int start : afterOption < 0 ? new int[] {p} : new int[] {skipGap(afterOption), p}) {
                Hit letter = letter(start);
                Hit label = label(start);
                boolean isLabel = label != null && label.strength == Strength.STRONG && label.index >= 0;
                if (letter != null && !listing && letter.strength == Strength.STRONG && valid(letter.index)
                        && !(isLabel && label.end > letter.end)) { // Hausa "A'a" is "no", not option A
                    return letter.index;
                }
                if (isLabel) {
                    return label.index;
                }
            }
            return null;
        }

        /** Whether two or more lines start with different delimited letters ("A. ...\nB. ..."). */
        private boolean listsOptions() {
            Set<Integer> starts = new TreeSet<>();
            int lineStart = 0;
            while (lineStart <= t.length()) {
                Hit h = letter(skip(lineStart, LEADING));
                if (h != null && h.strength == Strength.STRONG && valid(h.index)) {
                    starts.add(h.index);
                }
                int newline = t.indexOf('\n', lineStart);
                if (newline < 0) {
                    break;
                }
                lineStart = newline + 1;
            }
            return starts.size() >= 2;
        }

        /** Rule 3: the whole text is one option's text. */
        private Integer wholeText() {
            String text = normalise(t);
            Integer found = null;
            for (int i = 0; i < options.size(); i++) {
                if (!text.isEmpty() && normalise(options.get(i)).equals(text)) {
                    if (found != null) {
                        return null; // two options with the same text: no way to tell
                    }
                    found = i;
                }
            }
            return found;
        }

        /** Rule 4: bold or bracketed letters and label words, or "option D", when they agree. */
        private Integer marked() {
            Set<Integer> found = new TreeSet<>();
            for (int i = 0; i < t.length(); i++) {
                int afterWord = i > 0 && joins(t.codePointBefore(i), script(t.codePointAt(i))) ? -1
                        : word(i, lx.optionWords);
                if (afterWord > 0) {
                    Hit letter = letter(skipGap(afterWord));
                    if (letter != null && valid(letter.index) && (letter.strength == Strength.STRONG
                            || letter.strength == Strength.WEAK && !letter.lowerCase && !letter.pronounI)) {
                        found.add(letter.index);
                    }
                }
                for (String[] mark : MARKS) {
                    if (!t.startsWith(mark[0], i)) {
                        continue;
                    }
                    int p = i + mark[0].length();
                    Hit letter = letter(p);
                    if (letter != null && valid(letter.index) && t.startsWith(mark[1], letter.end)) {
                        found.add(letter.index);
                    }
                    Hit label = label(p);
                    if (label != null && label.index >= 0 && t.startsWith(mark[1], label.end)) {
                        found.add(label.index);
                    }
                }
            }
            return found.size() == 1 ? found.iterator().next() : null;
        }

        /** Rule 5 (yes/no/maybe): the text ends with a label word, after which only punctuation follows. */
        private Integer trailing() {
            int end = t.length();
            while (end > 0 && !isWordChar(t.codePointBefore(end))) {
                end -= Character.charCount(t.codePointBefore(end));
            }
            for (Form w : lx.labels) {
                if (!family.contains(w.label)) {
                    continue;
                }
                int start = end - w.text.length();
                if (start >= 0 && t.regionMatches(true, start, w.text, 0, w.text.length())
                        && !joinedBefore(start, wordScript(w.text))) {
                    int index = optionOf(w.label);
                    return index >= 0 ? index : null;
                }
            }
            return null;
        }

        /** Rule 6: NLI label words anywhere, when they all name the same option. */
        private Integer anywhere() {
            Set<Integer> found = new TreeSet<>();
            for (int i = 0; i < t.length(); i++) {
                if (joinedBefore(i, script(t.codePointAt(i)))) {
                    continue;
                }
                Hit h = label(i);
                if (h != null && h.strength != Strength.NONE) {
                    if (h.index < 0) {
                        return null; // a label that is not an option of this item
                    }
                    found.add(h.index);
                    i = h.end - 1;
                }
            }
            return found.size() == 1 ? found.iterator().next() : null;
        }

        /** Rule 7: exactly one option's text occurs, not counting options inside a longer match. */
        private Integer containedOption() {
            String text = " " + normalise(t) + " ";
            List<Integer> matched = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                String o = normalise(options.get(i));
                if (o.codePointCount(0, o.length()) < 3) {
                    continue; // "1", "No": too likely to occur by chance
                }
                if (o.codePoints().anyMatch(AnswerExtractor::attaches) ? text.contains(o) : text.contains(" " + o + " ")) {
                    matched.add(i);
                }
            }
            List<Integer> kept = matched.stream().filter(i -> matched.stream().noneMatch(j -> !j.equals(i)
                    && normalise(options.get(j)).contains(normalise(options.get(i)))
                    && !normalise(options.get(j)).equals(normalise(options.get(i))))).toList();
            return kept.size() == 1 ? kept.get(0) : null;
        }

        /** The answer at {@code p}: a letter, a label word, or (after a phrase) an option's text. */
        private Integer candidate(int p, boolean afterCue) {
            Hit letter = letter(p);
            Hit label = label(p);
            boolean isLabel = label != null && label.index >= 0 && label.strength != Strength.NONE;
            if (letter != null && valid(letter.index) && (letter.strength == Strength.STRONG || afterCue
                    && letter.strength == Strength.WEAK && !letter.lowerCase && !letter.pronounI)
                    && !(isLabel && label.end > letter.end)) {
                return letter.index;
            }
            if (isLabel) {
                return label.index;
            }
            return afterCue ? optionTextAt(p) : null;
        }

        /** An option's text starting at {@code p} (the longest, when one contains another). */
        private Integer optionTextAt(int p) {
            int lineEnd = t.indexOf('\n', p);
            String rest = normalise(t.substring(p, lineEnd < 0 ? t.length() : lineEnd)) + " ";
            Integer found = null;
            int longest = 0;
            for (int i = 0; i < options.size(); i++) {
                String o = normalise(options.get(i));
                if (!o.isEmpty() && rest.startsWith(o) && (rest.charAt(o.length()) == ' '
                        || o.codePoints().anyMatch(AnswerExtractor::attaches)) && o.length() >= longest) {
                    found = o.length() == longest ? null : i;
                    longest = o.length();
                }
            }
            return found;
        }

        private boolean valid(int index) {
            return index >= 0 && index < options.size();
        }

        /** The option whose text is {@code label} ("yes", "entailment"), or -1. */
        private int optionOf(String label) {
            for (int i = 0; i < options.size(); i++) {
                if (options.get(i).strip().equalsIgnoreCase(label)) {
                    return i;
                }
            }
            return -1;
        }

        /** A letter at {@code p}: built-in Latin A-Z / a-z, else the language's letters. */
        private Hit letter(int p) {
            if (p >= t.length()) {
                return null;
            }
            char c = t.charAt(p);
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
                boolean pronoun = c == 'I';
                int index = Character.toUpperCase(c) - 'A';
                return new Hit(index, p + 1, strength(p + 1, UScript.LATIN, pronoun || c >= 'a'), c >= 'a',
                        pronoun);
            }
            for (Form f : lx.letters) {
                if (t.regionMatches(true, p, f.text, 0, f.text.length())) {
                    int end = p + f.text.length();
                    boolean lower = !t.startsWith(f.text, p); // Cyrillic "в" is a preposition, "В" a letter
                    return new Hit(f.index, end, strength(end, wordScript(f.text), lower), lower, false);
                }
            }
            return null;
        }

        /** A label word at {@code p}, with its option index (-1 when it is not an option). */
        private Hit label(int p) {
            for (Form w : lx.labels) {
                if (family.contains(w.label) && t.regionMatches(true, p, w.text, 0, w.text.length())) {
                    int end = p + w.text.length();
                    Strength s = strength(end, wordScript(w.text), true);
                    if (s != Strength.NONE) {
                        return new Hit(optionOf(w.label), end, s, false, false);
                    }
                }
            }
            return null;
        }

        /** The end of the longest of {@code words} at {@code p} that ends a word, or -1. */
        private int word(int p, List<String> words) {
            for (String w : words) {
                if (t.regionMatches(true, p, w, 0, w.length())) {
                    int end = p + w.length();
                    int last = w.codePointBefore(w.length());
                    if (end >= t.length() || attaches(last) || !isWordChar(last)
                            || !joins(t.codePointAt(end), wordScript(w))) {
                        return end;
                    }
                }
            }
            return -1;
        }

        /**
         * How what follows position {@code end} delimits a letter or word of {@code script}.
         * {@code glued}: an apostrophe and a letter continue it ("I'm", Hausa "a'a"); otherwise they
         * are a suffix (Turkish "B'dir").
         */
        private Strength strength(int end, int script, boolean glued) {
            if (end >= t.length()) {
                return Strength.STRONG;
            }
            int cp = t.codePointAt(end);
            if (joins(cp, script)) {
                return Strength.NONE;
            }
            boolean letterNext = end + 1 < t.length() && Character.isLetterOrDigit(t.codePointAt(end + 1));
            if (APOSTROPHES.indexOf(cp) >= 0 && letterNext) {
                return glued ? Strength.NONE : Strength.STRONG;
            }
            if (".-/‐_".indexOf(cp) >= 0 && letterNext || "+#%&".indexOf(cp) >= 0) {
                return Strength.NONE; // "I.V.", "B-cell", "A+"
            }
            if (Character.isWhitespace(cp)) {
                int i = end;
                while (i < t.length() && Character.isWhitespace(t.charAt(i)) && t.charAt(i) != '\n') {
                    i++;
                }
                if (i >= t.length() || t.charAt(i) == '\n' || lx.unspaced) {
                    return Strength.STRONG; // in Chinese, Japanese and Thai a space ends a phrase
                }
                return joins(t.codePointAt(i), script) ? Strength.WEAK : Strength.STRONG;
            }
            return Strength.STRONG;
        }

        /** Whether what precedes {@code start} makes it part of a word: a letter, or "yes/" and "B-". */
        private boolean joinedBefore(int start, int script) {
            if (start == 0) {
                return false;
            }
            int before = t.codePointBefore(start);
            if ("/-‐".indexOf(before) >= 0 && start > 1) {
                return isWordChar(t.codePointBefore(start - 1));
            }
            return joins(before, script);
        }

        private int skipGap(int p) {
            while (p < t.length()) {
                if (GAP.indexOf(t.charAt(p)) >= 0) {
                    p++;
                    continue;
                }
                int q = p;
                for (String w : GAP_WORDS) {
                    if (t.startsWith(w, p)) {
                        q = p + w.length();
                        break;
                    }
                }
                if (q == p) {
                    return p;
                }
                p = q;
            }
            return p;
        }

        private int skip(int p, String chars) {
            while (p < t.length() && chars.indexOf(t.charAt(p)) >= 0) {
                p++;
            }
            return p;
        }
    }

    /** Whether {@code cp} continues a word of {@code script}: a mark, a digit, or a letter of that script. */
    static boolean joins(int cp, int script) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK || Character.isDigit(cp)) {
            return true;
        }
        if (!Character.isLetter(cp) || script == UScript.COMMON || script == UScript.INHERITED) {
            return false;
        }
        int s = UScript.getScript(cp);
        return s == script || s == UScript.COMMON || s == UScript.INHERITED;
    }

    private static boolean isWordChar(int cp) {
        int type = Character.getType(cp);
        return Character.isLetterOrDigit(cp) || type == Character.NON_SPACING_MARK
                || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK;
    }

    private static int script(int cp) {
        return UScript.getScript(cp);
    }

    /** The script of a word's first letter (a Thai word may end in a mark, whose script is inherited). */
    static int wordScript(String word) {
        return word.codePoints().map(UScript::getScript).filter(s -> s != UScript.COMMON && s != UScript.INHERITED)
                .findFirst().orElse(UScript.COMMON);
    }

    /** Scripts written without spaces between words, or whose particles attach (Korean). */
    static boolean attaches(int cp) {
        int s = UScript.getScript(cp);
        return s == UScript.HAN || s == UScript.HIRAGANA || s == UScript.KATAKANA || s == UScript.THAI
                || s == UScript.HANGUL;
    }

    /** NFC, and full-width ASCII (Ａ, （, ：) and the ideographic space folded, keeping positions. */
    static String prepare(String s) {
        char[] chars = Normalizer.normalize(s, Normalizer.Form.NFC).toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= '\uFF01' && chars[i] <= '\uFF5E') {
                chars[i] = (char) (chars[i] - 0xFEE0);
            } else if (chars[i] == '\u3000') {
                chars[i] = ' ';
            }
        }
        return new String(chars);
    }

    /** For comparing option texts: NFKC, lower case, punctuation and symbols as spaces, spaces collapsed. */
    static String normalise(String s) {
        String n = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder(n.length());
        boolean space = true;
        for (int i = 0; i < n.length(); ) {
            int cp = n.codePointAt(i);
            i += Character.charCount(cp);
            if (isWordChar(cp)) {
                sb.appendCodePoint(cp);
                space = false;
            } else if (!space) {
                sb.append(' ');
                space = true;
            }
        }
        return sb.toString().strip();
    }

    private static InputStream resource() {
        InputStream in = AnswerExtractor.class.getResourceAsStream("answer-words.tsv");
        if (in == null) {
            throw new IllegalStateException("answer-words.tsv is missing from the globmed-lib jar");
        }
        return in;
    }

    /**
     * Reads the word table: {@code language \t kind \t word|word...}, # comments. Errors name the
     * line; a word that would mean two labels in one language (with English and * merged) is one.
     */
    static AnswerExtractor parse(InputStream in, String source) {
        Map<String, Map<String, List<List<String>>>> rows = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cells = line.split("\t", -1);
                String where = source + " line " + number + ": ";
                if (cells.length != 3) {
                    problems.add(where + "expected 3 tab-separated columns (language, kind, words), found " + cells.length);
                    continue;
                }
                String language = cells[0].strip().toLowerCase(Locale.ROOT);
                String kind = cells[1].strip().toLowerCase(Locale.ROOT);
                if (!language.equals("*") && !language.matches("[a-z]{2,3}")) {
                    problems.add(where + "expected an ISO 639 code or *, found '" + cells[0] + "'");
                    continue;
                }
                if (!KINDS.contains(kind)) {
                    problems.add(where + "unknown kind '" + cells[1] + "'; expected one of " + String.join(", ", KINDS));
                    continue;
                }
                List<String> words = new ArrayList<>();
                for (String w : cells[2].split("\\|", -1)) {
                    String word = Normalizer.normalize(w.strip(), Normalizer.Form.NFC);
                    if (word.isEmpty()) {
                        problems.add(where + "an empty word in '" + cells[2] + "'");
                    }
                    words.add(word);
                }
                rows.computeIfAbsent(language, k -> new HashMap<>()).computeIfAbsent(kind, k -> new ArrayList<>())
                        .add(List.copyOf(words));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
        }
        checkConflicts(rows, problems, source);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return new AnswerExtractor(rows);
    }

    /** A word must mean one label, and a letter one index, in each language (merged with en and *). */
    private static void checkConflicts(Map<String, Map<String, List<List<String>>>> rows, List<String> problems,
                                       String source) {
        for (String language : rows.keySet()) {
            Map<String, String> meaning = new HashMap<>();
            Map<String, Integer> letters = new HashMap<>();
            for (String from : new LinkedHashSet<>(List.of(language, "en", "*"))) {
                Map<String, List<List<String>>> kinds = rows.getOrDefault(from, Map.of());
                for (String label : LABELS) {
                    for (List<String> row : kinds.getOrDefault(label, List.of())) {
                        for (String w : row) {
                            String key = w.toLowerCase(Locale.ROOT);
                            String before = meaning.putIfAbsent(key, label);
                            if (before != null && !before.equals(label)) {
                                problems.add(source + ": '" + w + "' means both " + before + " and " + label
                                        + " in language " + language);
                            }
                        }
                    }
                }
                if (from.equals("en") && !language.equals("en")) {
                    continue;
                }
                for (List<String> row : kinds.getOrDefault("letters", List.of())) {
                    for (int i = 0; i < row.size(); i++) {
                        Integer before = letters.putIfAbsent(row.get(i), i);
                        if (before != null && before != i) {
                            problems.add(source + ": letter '" + row.get(i) + "' is option " + Answers.label(before)
                                    + " and option " + Answers.label(i) + " in language " + language);
                        }
                    }
                }
            }
        }
    }
}
