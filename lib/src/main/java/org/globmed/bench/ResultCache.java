package org.globmed.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-item results on disk, one JSON line per item as it is produced, so a run that is killed
 * loses at most the batch in flight and a new run with the same folder skips what is done.
 *
 * <p>Each line carries a key: a digest of everything that decides the item's answer (the
 * backend's fingerprint, the exact prompt and continuations, the gold answer, the decoding
 * settings). A line whose key no longer matches — another model, prompt or dataset — is ignored,
 * never mixed in. A last line cut short by a crash is skipped; lines are written whole and synced
 * per batch.
 */
final class ResultCache implements AutoCloseable {
    static final String FILE = "items.jsonl";
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /** A cached line: the key it was computed under, and the result. */
    record Line(String key, ItemResult result) {
    }

    private final Map<String, ItemResult> byKey = new HashMap<>();
    private final FileChannel out;
    private final int ignored;

    private ResultCache(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve(FILE);
        int skipped = 0;
        if (Files.exists(file)) {
            for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (text.isBlank()) {
                    continue;
                }
                try {
                    Line line = JSON.readValue(text, Line.class);
                    byKey.put(line.key(), line.result());
                } catch (JsonProcessingException e) {
                    skipped++; // a line cut short by a kill: its item is computed again
                }
            }
        }
        ignored = skipped;
        out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (out.size() > 0) {
            ByteBuffer last = ByteBuffer.allocate(1);
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                in.read(last, in.size() - 1);
            }
            if (last.get(0) != '\n') {
                out.write(ByteBuffer.wrap(new byte[]{'\n'})); // end the cut line, so the next one starts clean
            }
        }
    }

    static ResultCache open(Path folder) throws IOException {
        return new ResultCache(folder);
    }

    /** The result cached under {@code key}, or null. */
    ItemResult get(String key) {
        return byKey.get(key);
    }

    /** Lines that could not be read (cut short by a crash). */
    int unreadable() {
        return ignored;
    }

    /** Appends a batch of results and syncs them to disk before returning. */
    void putAll(List<Line> lines) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Line line : lines) {
            text.append(JSON.writeValueAsString(line)).append('\n');
            byKey.put(line.key(), line.result());
        }
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
        out.force(false);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
