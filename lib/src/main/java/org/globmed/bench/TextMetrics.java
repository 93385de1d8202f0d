package org.globmed.bench;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UScript;
import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reference metrics for generated answers, per language: SQuAD-style token F1 and ROUGE-L.
 *
 * <p>Tokens, the same for both metrics:
 * <ol>
 *   <li>NFKC (full-width letters and digits become ASCII), lower case in the language's locale
 *       (Turkish dotted and dotless i), then Unicode case folding (ß = ss).</li>
 *   <li>ICU word segmentation for the language's locale ({@link BreakIterator#getWordInstance(ULocale)}),
 *       keeping the words, numbers, kana and ideographs (rule status ≥ 100) and dropping spaces,
 *       punctuation and symbols. This splits Arabic, Devanagari, Ethiopic and Latin text at spaces
 *       and punctuation, keeps combining marks in their word, and segments Thai (written without
 *       spaces) with ICU's dictionary.</li>
 *   <li>Chinese and Japanese: every segment holding Han, hiragana or katakana is split into single
 *       characters, the usual unit for Chinese QA metrics; ICU's dictionary words for these
 *       languages would make the score depend on the dictionary. Runs of Latin letters and digits
 *       inside such text ("CT", "5mg") stay whole. This is by script, so a Chinese term in an
 *       English answer is split the same way.</li>
 *   <li>Punctuation inside a kept token is removed ("don't" = "dont", "3.5" = "35"), as SQuAD's
 *       normalisation removes it. Articles are not removed: SQuAD's English list has no
 *       counterpart across the registry's languages.</li>
 * </ol>
 */
public final class TextMetrics {
    /** BreakIterators are stateful and not thread-safe: one per thread and locale. */
    private static final ThreadLocal<Map<String, BreakIterator>> WORDS = ThreadLocal.withInitial(HashMap::new);

    private TextMetrics() {
    }

    /**
     * SQuAD's token F1: the harmonic mean of precision and recall of the tokens the prediction and
     * the reference share, counted as multisets. 1 when both have no tokens, 0 when only one has none.
     */
    public static double tokenF1(String prediction, String reference, String language) {
        List<String> p = tokens(prediction, language);
        List<String> r = tokens(reference, language);
        if (p.isEmpty() || r.isEmpty()) {
            return p.isEmpty() && r.isEmpty() ? 1 : 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        r.forEach(t -> counts.merge(t, 1, Integer::sum));
        int common = 0;
        for (String t : p) {
            Integer left = counts.get(t);
            if (left != null && left > 0) {
                counts.put(t, left - 1);
                common++;
            }
        }
        return f1(common, p.size(), r.size());
    }

    /**
     * ROUGE-L F-measure with beta = 1: precision and recall of the longest common subsequence of
     * tokens. 0 when either side has no tokens (as Google's rouge-score package scores it).
     */
    public static double rougeL(String prediction, String reference, String language) {
        List<String> p = tokens(prediction, language);
        List<String> r = tokens(reference, language);
        if (p.isEmpty() || r.isEmpty()) {
            return 0;
        }
        return f1(lcs(p, r), p.size(), r.size());
    }

    /** The tokens both metrics compare, after normalisation (see the class comment). */
    public static List<String> tokens(String text, String language) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        String code = language == null ? "" : language.toLowerCase(Locale.ROOT);
        ULocale locale = new ULocale(code);
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC);
        s = UCharacter.foldCase(s.toLowerCase(locale.toLocale()), UCharacter.FOLD_CASE_DEFAULT);
        BreakIterator words = WORDS.get().computeIfAbsent(code, c -> BreakIterator.getWordInstance(locale));
        words.setText(s);
        List<String> out = new ArrayList<>();
        for (int start = words.first(), end = words.next(); end != BreakIterator.DONE; start = end, end = words.next()) {
            if (words.getRuleStatus() < BreakIterator.WORD_NUMBER) {
                continue; // spaces, punctuation, symbols
            }
            String segment = s.substring(start, end);
            if (isIdeographic(segment)) {
                segment.codePoints().filter(TextMetrics::isKept)
                        .forEach(cp -> out.add(new String(Character.toChars(cp))));
            } else {
                StringBuilder kept = new StringBuilder();
                segment.codePoints().filter(TextMetrics::isKept).forEach(kept::appendCodePoint);
                if (!kept.isEmpty()) {
                    out.add(kept.toString());
                }
            }
        }
        return out;
    }

    static double f1(int common, int predicted, int reference) {
        if (common == 0) {
            return 0;
        }
        double precision = (double) common / predicted;
        double recall = (double) common / reference;
        return 2 * precision * recall / (precision + recall);
    }

    /** Length of the longest common subsequence, in two rows of the usual table. */
    static int lcs(List<String> a, List<String> b) {
        int[] previous = new int[b.size() + 1];
        int[] current = new int[b.size() + 1];
        for (String x : a) {
            for (int j = 1; j <= b.size(); j++) {
                current[j] = x.equals(b.get(j - 1)) ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.size()];
    }

    private static boolean isIdeographic(String segment) {
        return segment.codePoints().anyMatch(cp -> {
            int script = UScript.getScript(cp);
            return script == UScript.HAN || script == UScript.HIRAGANA || script == UScript.KATAKANA;
        });
    }

    /** Everything but punctuation (which SQuAD's normalisation removes). */
    private static boolean isKept(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> false;
            default -> true;
        };
    }
}
