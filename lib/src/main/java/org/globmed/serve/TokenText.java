package org.globmed.serve;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.globmed.model.ModelTokenizer;

/**
 * The text of each token and where it starts, for OpenAI's {@code tokens} and {@code text_offset}.
 * Offsets count code points (what a Python client indexes a string by). A token that holds only
 * part of a character's UTF-8 bytes starts where that character starts, so every byte of "é"
 * under a byte-level tokenizer has the offset of "é". Thread-safe: request threads lay out their
 * own answers while the model's worker scores the next batch (decoding only reads the tokenizer).
 */
final class TokenText {
    private static final char REPLACEMENT = '\uFFFD';
    /** Tokens decoded together at most while waiting for a character's last byte. */
    private static final int MAX_PENDING = 8;

    private final ModelTokenizer tokenizer;
    private final int known;
    private final Map<Long, String> pieces = new ConcurrentHashMap<>();

    TokenText(ModelTokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.known = tokenizer.vocabularySize();
    }

    /** A token's own text, special tokens spelled out; empty for an embedding row that has no token. */
    String piece(long id) {
        return pieces.computeIfAbsent(id, i -> i < 0 || i >= known ? "" : tokenizer.decode(new long[]{i}, false));
    }

    /** The text of {@code ids}, special tokens spelled out. */
    String text(long[] ids) {
        return decode(ids, 0, ids.length);
    }

    /** The text of {@code ids} (special tokens spelled out) and the code-point offset of each token in it. */
    record Layout(String text, int[] offsets) {
    }

    Layout layout(long[] ids) {
        long[] real = Arrays.stream(ids).filter(id -> id >= 0 && id < known).toArray();
        String whole = tokenizer.decode(real, false);
        // Decoding piece by piece is linear and exact for byte-level decoders (Qwen, Llama 3); a decoder
        // that changes text at piece starts (SentencePiece's leading space) fails the check below and
        // gets the quadratic but always right decoding of every prefix.
        int[] offsets = new int[ids.length];
        StringBuilder done = new StringBuilder();
        int doneLength = 0;
        int pendingFrom = 0;
        String pending = ""; // the tokens since the last complete character
        for (int i = 0; i < ids.length; i++) {
            offsets[i] = doneLength + complete(pending);
            String alone = piece(ids[i]);
            if (pending.isEmpty() && alone.indexOf(REPLACEMENT) < 0) {
                done.append(alone); // a whole piece on its own: no decoding of runs needed
                doneLength += alone.codePointCount(0, alone.length());
                pendingFrom = i + 1;
                continue;
            }
            String withThis = decode(ids, pendingFrom, i + 1);
            if (withThis.isEmpty() || withThis.charAt(withThis.length() - 1) != REPLACEMENT
                    || i + 1 - pendingFrom >= MAX_PENDING) {
                done.append(withThis);
                doneLength += withThis.codePointCount(0, withThis.length());
                pendingFrom = i + 1;
                pending = "";
            } else {
                pending = withThis;
            }
        }
        done.append(pending);
        if (!done.toString().equals(whole)) {
            for (int i = 0; i < ids.length; i++) {
                offsets[i] = complete(decode(ids, 0, i));
            }
        }
        return new Layout(whole, offsets);
    }

    private String decode(long[] ids, int from, int to) {
        if (from >= to) {
            return "";
        }
        long[] real = Arrays.stream(ids, from, to).filter(id -> id >= 0 && id < known).toArray();
        return real.length == 0 ? "" : tokenizer.decode(real, false);
    }

    /** Code points of {@code text} without the replacement characters that stand for an unfinished character at its end. */
    private static int complete(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == REPLACEMENT) {
            end--;
        }
        return text.codePointCount(0, end);
    }
}
