package org.globmed.data;

import java.util.List;
import java.util.Locale;

/**
 * Resolves the many ways source datasets write a gold answer to the index of an option: a letter
 * ("B"), a letter in parentheses or with a dot ("(B)", "B."), an index (0- or 1-based, as the
 * source's adapter knows), or the option's own text. Anything else is an error that says what was
 * expected, so a wrong answer never loads silently.
 */
public final class Answers {

    private Answers() {
    }

    /** The label of option {@code index}: A, B, ... Z. */
    public static String label(int index) {
        if (index < 0 || index >= 26) {
            throw new IllegalArgumentException("option index " + index + " has no letter (0 to 25)");
        }
        return String.valueOf((char) ('A' + index));
    }

    /**
     * The index of the option {@code answer} designates.
     *
     * @param answer   the answer as the source wrote it: a String or a Number
     * @param options  the options, in order
     * @param oneBased whether a numeric answer counts from 1 (MedMCQA's cop in some exports)
     * @throws IllegalArgumentException naming the answer and the options when it matches none
     */
    public static int resolve(Object answer, List<String> options, boolean oneBased) {
        if (options.isEmpty()) {
            throw new IllegalArgumentException("answer " + quote(answer) + " cannot be resolved: the item has no options");
        }
        if (answer instanceof Number n) {
            return checkIndex(n.intValue() - (oneBased ? 1 : 0), answer, options);
        }
        if (!(answer instanceof String text)) {
            throw new IllegalArgumentException("answer " + quote(answer) + " is neither text nor a number");
        }
        String trimmed = text.strip();
        int letter = letter(trimmed);
        if (letter >= 0) {
            return checkIndex(letter, answer, options);
        }
        if (isDigits(trimmed)) {
            return checkIndex(Integer.parseInt(trimmed) - (oneBased ? 1 : 0), answer, options);
        }
        for (int i = 0; i < options.size(); i++) {
            if (options.get(i).strip().equalsIgnoreCase(trimmed)) {
                return i;
            }
        }
        throw new IllegalArgumentException("answer " + quote(answer) + " is not among the options " + labelled(options)
                + " (expected a letter A-" + label(options.size() - 1) + ", an index or an option's text)");
    }

    /** "B", "(B)", "B)", "B.", "B:" (either case) as 0-based index 1; -1 for anything else. */
    private static int letter(String s) {
        int at = s.startsWith("(") ? 1 : 0;
        if (s.length() <= at) {
            return -1;
        }
        char c = s.charAt(at);
        int index = c >= 'a' && c <= 'z' ? c - 'a' : c >= 'A' && c <= 'Z' ? c - 'A' : -1;
        int after = s.length() - at - 1;
        boolean closed = after == 0 || after == 1 && ").:".indexOf(s.charAt(s.length() - 1)) >= 0;
        return closed ? index : -1;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static int checkIndex(int index, Object answer, List<String> options) {
        if (index < 0 || index >= options.size()) {
            throw new IllegalArgumentException("answer " + quote(answer) + " points outside the " + options.size()
                    + " options " + labelled(options));
        }
        return index;
    }

    private static String labelled(List<String> options) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < options.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(label(i)).append(") ").append(abbreviate(options.get(i)));
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private static String quote(Object answer) {
        return answer instanceof String s ? "'" + s + "'" : String.valueOf(answer).toLowerCase(Locale.ROOT);
    }
}
