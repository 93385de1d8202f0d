package org.globmed.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads one split file, a JSON array of records or JSON Lines, into items and problems. Every
 * record the file delimits is counted as seen, and is either loaded or skipped with a problem; a
 * JSON error inside an array ends the file (what follows cannot be delimited), while JSON Lines
 * go on at the next line.
 */
final class SplitReader {
    private static final JsonFactory JSON = new JsonFactory();

    /** What a file gave: its items in order, its problems in order, and how many records it delimited. */
    record Result(SplitFile file, FileItems items, List<Problem> problems, int seen, int skipped) {
    }

    private final SplitFile file;
    private final Function<String, FieldMapping> mappings;
    private FileItems items;
    private final List<Problem> problems = new ArrayList<>();
    private int seen;
    private int skipped;
    /** MedMCQA records wait for the end of their file, which decides whether cop counts from 0 or 1. */
    private final List<Pending> medMcqa = new ArrayList<>();
    private boolean copZero;
    private boolean copFour;

    private record Pending(Map<String, Object> node, int line, int index) {
    }

    private final Records.Origin origin;
    private final Records.Origin oneBasedOrigin;

    private SplitReader(SplitFile file, Function<String, FieldMapping> mappings, Map<String, String> groups) {
        this.file = file;
        this.mappings = mappings;
        this.items = new FileItems(file, groups);
        this.origin = new Records.Origin(file.source(), file.language(), file.split(), false);
        this.oneBasedOrigin = new Records.Origin(file.source(), file.language(), file.split(), true);
    }

    /** {@code groups}: the parallel groups of the load so far, shared (see {@link FileItems}). */
    static Result read(SplitFile file, Function<String, FieldMapping> mappings, Map<String, String> groups) {
        SplitReader reader = new SplitReader(file, mappings, groups);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.path()), 1 << 16)) {
            reader.readAll(in);
            reader.finishMedMcqa();
        } catch (IOException e) {
            reader.problem(0, -1, null, "cannot be read: " + e);
        }
        return new Result(file, reader.items, reader.problems, reader.seen, reader.skipped);
    }

    private void readAll(InputStream in) throws IOException {
        in.mark(3);
        byte[] bom = in.readNBytes(3);
        if (bom.length == 3 && (bom[0] & 0xff) == 0xEF && (bom[1] & 0xff) == 0xBB && (bom[2] & 0xff) == 0xBF) {
            problem(1, -1, null, "starts with a UTF-8 byte order mark; expected UTF-8 without one (JSON forbids"
                    + " it, RFC 8259 section 8.1); its records were read");
        } else {
            in.reset();
        }
        int first = firstNonBlank(in);
        if (first == -1) {
            problem(0, -1, null, "is empty; expected a JSON array of records or JSON Lines");
        } else if (first == '[') {
            readArray(in);
        } else if (first == '{') {
            readLines(in);
        } else {
            problem(1, -1, null, "starts with '" + (char) first + "'; expected '[' (a JSON array of records) or '{'"
                    + " (JSON Lines)");
        }
    }

    private static int firstNonBlank(InputStream in) throws IOException {
        while (true) {
            in.mark(1);
            int b = in.read();
            if (b == -1 || !Character.isWhitespace(b)) {
                in.reset();
                return b;
            }
        }
    }

    private void readArray(InputStream in) throws IOException {
        try (JsonParser parser = JSON.createParser(new Utf8Reader(in))) {
            int index = 0;
            int line = 1;
            try {
                parser.nextToken(); // '['
                while (true) {
                    JsonToken token = parser.nextToken();
                    if (token == JsonToken.END_ARRAY) {
                        break;
                    }
                    line = parser.currentTokenLocation().getLineNr();
                    seen++;
                    if (token != JsonToken.START_OBJECT) {
                        parser.skipChildren();
                        skip(line, index, null, "expected a JSON object, found "
                                + (token.isScalarValue() ? "the value " + parser.getText() : "an array"));
                    } else {
                        add(object(parser), line, index);
                    }
                    index++;
                }
                JsonToken trailing = parser.nextToken();
                if (trailing != null) {
                    problem(parser.currentTokenLocation().getLineNr(), -1, null,
                            "has content after the closing ']' of its array; expected the end of the file");
                }
            } catch (CharacterCodingException e) {
                // The reader stops exactly at the bad bytes, so the parser's position is theirs.
                JsonLocation at = parser.currentLocation();
                if (seen > index) {
                    skipped++;
                }
                problem(at.getLineNr(), seen > index ? index : -1, null, "invalid UTF-8 at column " + at.getColumnNr()
                        + "; expected UTF-8 text; the rest of the file was not read");
            } catch (JsonProcessingException e) {
                boolean inRecord = seen > index;
                if (inRecord) {
                    skipped++;
                    problem(location(e, line), index, null, jsonError(e) + "; the rest of the file was not read");
                } else if (e.getOriginalMessage().contains("end-of-input")) {
                    problem(location(e, line), -1, null, "ends after " + index + " records without the closing ']';"
                            + " expected a complete JSON array (truncated?)");
                } else {
                    problem(location(e, line), -1, null, jsonError(e) + "; the rest of the file was not read");
                }
            }
        }
    }

    private void readLines(InputStream in) throws IOException {
        int lineNumber = 0;
        int index = 0;
        ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
        boolean more = true;
        while (more) {
            line.reset();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                line.write(b);
            }
            more = b != -1;
            lineNumber++;
            byte[] bytes = line.toByteArray();
            if (isBlank(bytes)) {
                continue;
            }
            seen++;
            try (JsonParser parser = JSON.createParser(bytes)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    Object value = JsonValues.read(parser);
                    skip(lineNumber, index, null, "expected a JSON object on each line, found " + Records.type(value));
                } else {
                    Map<String, Object> object = object(parser);
                    if (parser.nextToken() != null) {
                        skip(lineNumber, index, null, "has more after its JSON object at column "
                                + parser.currentTokenLocation().getColumnNr() + "; expected one object per line");
                    } else {
                        add(object, lineNumber, index);
                    }
                }
            } catch (JsonProcessingException e) {
                skip(lineNumber, index, null, jsonError(e));
            }
            index++;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(JsonParser parser) throws IOException {
        return (Map<String, Object>) JsonValues.read(parser);
    }

    private void add(Map<String, Object> node, int line, int index) throws IOException {
        FieldMapping mapping = mappings.apply(file.source());
        if (mapping == null && node.containsKey("opa")) {
            String cop = String.valueOf(node.get("cop")).strip();
            copZero |= cop.equals("0");
            copFour |= cop.equals("4");
            medMcqa.add(new Pending(node, line, index));
            return;
        }
        convert(node, line, index, mapping, false, items);
    }

    private void convert(Map<String, Object> node, int line, int index, FieldMapping mapping, boolean copOneBased,
                         FileItems into) {
        Records.Origin origin = copOneBased ? oneBasedOrigin : this.origin;
        try {
            String dataId = Records.dataId(node, mapping);
            into.add(Records.toItem(node, origin, index, mapping, dataId), line, index, dataId != null);
        } catch (Records.BadRecord e) {
            skip(line, index, e.field, e.getMessage());
        }
    }

    /**
     * MedMCQA's cop counts from 0 in the Hugging Face export and from 1 in the original JSON. A
     * file decides as a whole: a 0 means 0-based, a 4 (the fourth option counted from 1) means
     * 1-based, both at once is ambiguous, and neither defaults to the Hugging Face form.
     */
    private void finishMedMcqa() {
        if (medMcqa.isEmpty()) {
            return;
        }
        FileItems later = items.another();
        for (Pending p : medMcqa) {
            if (copZero && copFour) {
                skip(p.line, p.index, "cop", "the file has cop values 0 and 4; expected 0..3 (0-based) or 1..4"
                        + " (1-based) throughout the file");
            } else {
                convert(p.node, p.line, p.index, null, copFour, later);
            }
        }
        items = items.size() == 0 ? later : items.merge(later);
        problems.sort(Comparator.comparingInt(Problem::line));
    }

    private void skip(int line, int index, String field, String message) {
        skipped++;
        problem(line, index, field, message);
    }

    private void problem(int line, int index, String field, String message) {
        problems.add(new Problem(file.name(), line, index, field, message));
    }

    private static int location(JsonProcessingException e, int fallback) {
        JsonLocation at = e.getLocation();
        return at != null && at.getLineNr() > 0 ? at.getLineNr() : fallback;
    }

    private static String jsonError(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        int cut = message.indexOf("\n at [Source");
        message = cut >= 0 ? message.substring(0, cut) : message;
        JsonLocation at = e.getLocation();
        String column = at != null && at.getColumnNr() > 0 ? " at column " + at.getColumnNr() : "";
        if (message.contains("UTF-8") || message.contains("UTF8")) {
            return "invalid UTF-8" + column + " (" + message + "); expected UTF-8 text";
        }
        if (message.contains("end-of-input")) {
            return "ends in the middle of a JSON value" + column + "; expected a complete record (truncated?)";
        }
        return "malformed JSON" + column + ": " + message;
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

}
