package org.globmed.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one JSON value from a streaming parser into plain Java values: {@code Map} (in field
 * order), {@code List}, {@code String}, {@code Integer}/{@code Long}/{@code BigInteger}/{@code Double},
 * {@code Boolean}, or null. A field whose value is JSON null maps to null and stays a key.
 *
 * <p>The adapters ({@link Records}) read these plain values. Jackson's tree model would serve as
 * well: loading the 600k-entry corpus measured the same either way (about 14 s at the time); what
 * this adds is adapters free of Jackson's node types, and JSON Lines and arrays read by one method.
 */
final class JsonValues {
    private JsonValues() {
    }

    /** The value at the parser's current token (which must be set). */
    static Object read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                String name;
                while ((name = parser.nextFieldName()) != null) {
                    parser.nextToken();
                    map.put(name, read(parser));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(parser));
                }
                return list;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return parser.getNumberValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IllegalStateException("unexpected JSON token " + token);
        }
    }
}
