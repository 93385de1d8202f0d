package org.globmed.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Files written so that no reader, and no run killed halfway, ever sees half of one: the content
 * goes to a hidden temporary file next to the target, then a rename replaces the target at once.
 * Every file the project writes for a user (results, logs, checkpoints, weights, figures,
 * notebooks, generated corpora) goes through here.
 *
 * <p>The temporary file is made with the umask's mode, not {@code Files.createTempFile}'s 0600,
 * which the rename would carry over; its name is unique, so concurrent writers of one target never
 * share it; it is removed when writing fails. On a file system that cannot rename atomically the
 * rename still replaces the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** What fills the temporary file, for content that is streamed rather than held in memory. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path temporary) throws IOException;
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, temporary -> Files.write(temporary, bytes));
    }

    /** {@code text} as UTF-8. */
    public static void write(Path file, CharSequence text) throws IOException {
        write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Lets {@code content} fill a temporary file, then renames it to {@code file}; creates missing folders. */
    public static void write(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temporary = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            content.writeTo(temporary);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
