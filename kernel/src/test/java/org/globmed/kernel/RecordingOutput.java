package org.globmed.kernel;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.globmed.kernel.display.MimeBundles;

/** A {@link CellOutput} that keeps everything a cell sends, in arrival order, for assertions. */
public final class RecordingOutput implements CellOutput {
    /** One output event: a stream chunk, a display (or update) or a clear. */
    public record Event(String kind, String name, String text, DisplayData data) {
    }

    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void stream(String name, String text) {
        events.add(new Event("stream", name, text, null));
        notifyAll();
    }

    @Override
    public synchronized void display(DisplayData data, boolean update) {
        events.add(new Event(update ? "update" : "display", null, null, data));
        notifyAll();
    }

    @Override
    public synchronized void clear(boolean wait) {
        events.add(new Event("clear", null, null, null));
        notifyAll();
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Everything written to {@code name} ("stdout" or "stderr"), joined. */
    public synchronized String text(String name) {
        StringBuilder sb = new StringBuilder();
        for (Event e : events) {
            if (e.kind().equals("stream") && e.name().equals(name)) {
                sb.append(e.text());
            }
        }
        return sb.toString();
    }

    public String stdout() {
        return text("stdout");
    }

    public String stderr() {
        return text("stderr");
    }

    /** The data of each display (not update) event, as Jupyter's JSON {@code data} objects. */
    public synchronized List<JsonObject> displays() {
        List<JsonObject> out = new ArrayList<>();
        for (Event e : events) {
            if (e.kind().equals("display")) {
                out.add(data(e.data()));
            }
        }
        return out;
    }

    /** Waits until stdout contains {@code text}; false when it did not arrive in time. */
    public synchronized boolean awaitStdout(String text, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!stdout().contains(text)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Jupyter's {@code data} object of a bundle: MIME type to content. */
    public static JsonObject data(DisplayData data) {
        return MimeBundles.json(data).getAsJsonObject("data");
    }

    /** The text/plain of a bundle, or null. */
    public static String plain(DisplayData data) {
        JsonObject d = data(data);
        return d.has("text/plain") ? d.get("text/plain").getAsString() : null;
    }
}
