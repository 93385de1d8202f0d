package org.globmed.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aWriteReplacesTheFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("new/folder/results.jsonl");
        AtomicFiles.write(file, "first\n");
        AtomicFiles.write(file, "second, ü\n");
        assertEquals("second, ü\n", Files.readString(file));
        assertEquals(List.of("results.jsonl"), names(file.getParent()));
    }

    @Test
    void aWriteThatFailsLeavesTheOldFileWholeAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("report.json");
        AtomicFiles.write(file, new byte[]{1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, temporary -> {
            Files.writeString(temporary, "half a rep");
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals(3, Files.readAllBytes(file).length);
        assertEquals(List.of("report.json"), names(dir));
    }
}
