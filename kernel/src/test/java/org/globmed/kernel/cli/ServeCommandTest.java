package org.globmed.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code globmed serve}: its options, and a real server process that answers and stops on SIGTERM. */
class ServeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void optionsHaveDefaultsAndErrorsSayWhatIsWrong() {
        ServeCommand.Serving o = ServeCommand.parse(List.of("models/Qwen3-1.7B"));
        assertEquals(Path.of("models/Qwen3-1.7B"), o.dir());
        assertNull(o.tiny());
        assertEquals("127.0.0.1", o.host());
        assertEquals(8000, o.port());
        assertEquals("Qwen3-1.7B", o.name());
        ServeCommand.Serving t = ServeCommand.parse(List.of("--tiny", "llama", "--port", "0", "--host", "0.0.0.0",
                "--name", "workshop"));
        assertEquals("llama", t.tiny());
        assertEquals(0, t.port());
        assertEquals("0.0.0.0", t.host());
        assertEquals("workshop", t.name());
        assertEquals("tiny-qwen3", ServeCommand.parse(List.of("--tiny", "qwen3")).name());
        for (List<String> bad : List.of(List.<String>of(), List.of("--tiny", "gpt"), List.of("a", "b"),
                List.of("dir", "--tiny", "qwen3"), List.of("dir", "--port", "http"), List.of("dir", "--port", "70000"),
                List.of("dir", "--port"), List.of("dir", "--threads", "4"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServeCommand.parse(bad),
                    bad.toString());
            assertTrue(e.getMessage().contains("usage: globmed serve"), e.getMessage());
        }
    }

    @Test
    void aServerProcessAnswersAndStopsCleanlyOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "org.globmed.kernel.cli.Main", "serve", "--tiny", "qwen3", "--port", "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // Lines are read as they come, so the server's last words after SIGTERM are not lost.
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(read failed: " + e + ")");
            }
        });
        reader.start();
        try {
            String first = lines.poll(60, TimeUnit.SECONDS);
            assertTrue(first != null && first.startsWith("serving tiny-qwen3 "), String.valueOf(first));
            Matcher url = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/v1)$").matcher(first);
            assertTrue(url.find(), first);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> models = client.send(HttpRequest.newBuilder(URI.create(url.group(1) + "/models"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models.statusCode());
            assertEquals("tiny-qwen3", JSON.readTree(models.body()).path("data").path(0).path("id").asText());
            HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create(url.group(1) + "/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"messages\": [{\"role\": \"user\", \"content\": "
                            + "\"Hi\"}], \"max_tokens\": 3, \"temperature\": 0}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, chat.statusCode(), chat.body());
            assertEquals(21, JSON.readTree(chat.body()).path("usage").path("prompt_tokens").asInt());

            process.toHandle().destroy(); // SIGTERM; Process.destroy would also close our end of its stdout
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the server did not stop");
            reader.join(10_000);
            String rest = String.join("\n", lines);
            assertTrue(rest.contains("stopped serving tiny-qwen3"), rest);
            assertEquals(143, process.exitValue()); // 128 + SIGTERM, after the shutdown hook ran
        } finally {
            process.destroyForcibly();
        }
    }
}
