package org.globmed.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Reads one JSON value from a streaming parser into plain Java values: {@code Map} (in field
 * order), {@code List}, {@code String}, {@code Integer}/{@code Long}/{@code BigInteger}/{@code Double},
 * {@code Boolean}, or null. A field whose value is JSON null maps to null and stays a key; a field
 * that repeats keeps its last value, in its first place.
 *
 * <p>The adapters ({@link Records}) read these plain values. Jackson's tree model would serve as
 * well: loading the 600k-entry corpus measured the same either way (about 14 s at the time); what
 * this adds is adapters free of Jackson's node types, and JSON Lines and arrays read by one method.
 * Objects are {@link Fields}, not {@code LinkedHashMap}s: a record has a handful of fields, which a
 * scan finds as fast as a hash, and the hash tables and entries were a sixth of what loading
 * GlobMed allocated.
 */
final class JsonValues {
    private JsonValues() {
    }

    /** The value at the parser's current token (which must be set). */
    static Object read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Fields fields = new Fields();
                String name;
                while ((name = parser.nextFieldName()) != null) {
                    parser.nextToken();
                    fields.put(name, read(parser));
                }
                return fields;
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

    /** A JSON object's fields in their order, found by a scan. */
    static final class Fields extends AbstractMap<String, Object> {
        private String[] names = new String[8];
        private Object[] values = new Object[8];
        private int size;

        private int indexOf(Object name) {
            for (int i = 0; i < size; i++) {
                if (names[i].equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public Object get(Object name) {
            int i = indexOf(name);
            return i < 0 ? null : values[i];
        }

        @Override
        public boolean containsKey(Object name) {
            return indexOf(name) >= 0;
        }

        @Override
        public Object put(String name, Object value) {
            int i = indexOf(name);
            if (i >= 0) {
                Object old = values[i];
                values[i] = value;
                return old;
            }
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            values[size++] = value;
            return null;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < size;
                        }

                        @Override
                        public Entry<String, Object> next() {
                            if (next >= size) {
                                throw new NoSuchElementException();
                            }
                            int i = next++;
                            return new SimpleImmutableEntry<>(names[i], values[i]);
                        }
                    };
                }

                @Override
                public int size() {
                    return size;
                }
            };
        }
    }
}
