package org.globmed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.globmed.model.Completion;
import org.globmed.model.Generation;
import org.globmed.model.LanguageModel;
import org.globmed.model.LogLikelihood;
import org.globmed.model.Models;
import org.globmed.serve.OpenAiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP backend against this project's server (same answers as the model in process) and against
 * small misbehaving servers written here (retries, timeouts, garbage, the in-flight limit).
 */
class HttpBackendTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static LanguageModel lm;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        lm = Models.tiny("qwen3");
        server = OpenAiServer.start(lm, "tiny", new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() {
        server.close();
        lm.close();
    }

    static HttpBackend.Builder served() {
        return HttpBackend.builder(server.baseUrl().toString(), "tiny");
    }

    @Test
    void logLikelihoodIsTheInProcessModels() {
        List<LanguageModel.Continuation> requests = List.of(
                new LanguageModel.Continuation("Question: which organ makes insulin?\nAnswer:", " pancreas"),
                new LanguageModel.Continuation("Question: which organ makes insulin?\nAnswer: ", "liver"),
                new LanguageModel.Continuation("Pregunta: ¿qué órgano produce insulina?", " el páncreas"),
                new LanguageModel.Continuation("问题：哪个器官产生胰岛素？答案：", "胰腺"),
                new LanguageModel.Continuation("प्रश्न: कौन सा अंग इंसुलिन बनाता है?", " अग्न्याशय"),
                new LanguageModel.Continuation("Q:", " B"));
        List<LogLikelihood> local = lm.logLikelihood(requests);
        try (HttpBackend http = served().concurrency(3).requestsPerSecond(1000).build()) {
            assertTrue(http.scores()); // asked once, under the rate limit
            List<LogLikelihood> remote = http.logLikelihood(requests);
            assertEquals(requests.size(), remote.size());
            for (int i = 0; i < requests.size(); i++) {
                LogLikelihood l = local.get(i);
                LogLikelihood r = remote.get(i);
                assertEquals(l.logProb(), r.logProb(), 1e-4, requests.get(i).toString());
                assertEquals(l.tokens(), r.tokens(), requests.get(i).toString());
                assertEquals(l.bytes(), r.bytes());
                assertEquals(l.characters(), r.characters());
                assertEquals(l.greedy(), r.greedy());
            }
            // The context's trailing space moved into the continuation: " liver" is 6 bytes, 6 tokens.
            assertEquals(6, remote.get(1).tokens());
            try (HttpBackend single = served().promptsPerRequest(1).scores(true).build();
                 HttpBackend pairs = served().promptsPerRequest(4).scores(true).build()) {
                List<LogLikelihood> alone = single.logLikelihood(requests);
                List<LogLikelihood> together = pairs.logLikelihood(requests); // a list of 4, then of 2
                for (int i = 0; i < requests.size(); i++) {
                    assertEquals(alone.get(i).logProb(), remote.get(i).logProb(), 1e-4);
                    assertEquals(alone.get(i).logProb(), together.get(i).logProb(), 1e-4);
                }
            }
            assertThrows(IllegalArgumentException.class,
                    () -> http.logLikelihood(List.of(new LanguageModel.Continuation("", "text"))));
        }
    }

    @Test
    void generateIsTheInProcessModels() {
        List<String> prompts = List.of("Question: is fever a symptom?\nAnswer:", "Pregunta: ¿fiebre?", "Q:");
        Generation greedy = Generation.greedy(6);
        try (HttpBackend http = served().build()) {
            List<Completion> remote = http.generate(prompts, greedy, false);
            List<Completion> chat = http.generate(prompts, greedy, true);
            for (int i = 0; i < prompts.size(); i++) {
                Completion local = lm.generate(prompts.get(i), greedy);
                assertEquals(local.text(), remote.get(i).text());
                assertEquals(local.finish(), remote.get(i).finish());
                assertEquals(local.promptTokens(), remote.get(i).promptTokens());
                String rendered = lm.tokenizer().applyChatTemplate(List.of(Map.of("role", "user", "content",
                        prompts.get(i))), true);
                assertEquals(lm.generate(rendered, greedy).text(), chat.get(i).text());
            }
            Generation sampled = Generation.greedy(6).withSampling(0.8, 0.9, 11);
            assertEquals(lm.generate(prompts.get(0), sampled).text(),
                    http.generate(prompts.subList(0, 1), sampled, false).get(0).text());
        }
    }

    // ---- a misbehaving server ----

    /** What the stub answers to its n-th request (from 1). */
    interface Script {
        void answer(int n, HttpExchange exchange) throws Exception;
    }

    /** A stub server on a free loopback port; counts requests and the most it has in flight at once. */
    static final class Stub implements AutoCloseable {
        final HttpServer http;
        final ExecutorService executor = Executors.newFixedThreadPool(16);
        final AtomicInteger hits = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final List<JsonNode> bodies = new ArrayList<>();

        Stub(Script script) throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            http.createContext("/", exchange -> {
                int now = inFlight.incrementAndGet();
                maxInFlight.accumulateAndGet(now, Math::max);
                try {
                    JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
                    synchronized (bodies) {
                        bodies.add(body);
                    }
                    exchange.setAttribute("body", body);
                    script.answer(hits.incrementAndGet(), exchange);
                } catch (Exception e) {
                    // the client went away (a timeout): nothing to answer
                } finally {
                    inFlight.decrementAndGet();
                    exchange.close();
                }
            });
            http.setExecutor(executor);
            http.start();
        }

        HttpBackend.Builder backend() {
            return HttpBackend.builder("http://127.0.0.1:" + http.getAddress().getPort(), "stub")
                    .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).timeout(Duration.ofSeconds(5));
        }

        @Override
        public void close() {
            http.stop(0);
            executor.shutdownNow();
        }
    }

    static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    static final String OK = "{\"choices\": [{\"index\": 0, \"text\": \" fine\", \"finish_reason\": \"stop\"}],"
            + " \"usage\": {\"prompt_tokens\": 3, \"completion_tokens\": 1, \"total_tokens\": 4}}";

    @Test
    void tooManyRequestsIsRetriedAfterWhatRetryAfterSays() throws Exception {
        try (Stub stub = new Stub((n, ex) -> {
            if (n == 1) {
                ex.getResponseHeaders().set("Retry-After", "1");
                reply(ex, 429, "{\"error\": {\"message\": \"slow down\"}}");
            } else {
                reply(ex, 200, OK);
            }
        }); HttpBackend http = stub.backend().build()) {
            long start = System.nanoTime();
            Completion c = http.generate(List.of("Hi"), Generation.greedy(4).withStop("\n"), false).get(0);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(" fine", c.text());
            assertEquals(3, c.promptTokens());
            assertEquals(Completion.Finish.STOP, c.finish());
            assertEquals(2, stub.hits.get());
            assertTrue(millis >= 950, "waited " + millis + " ms, not the second Retry-After asked");
            JsonNode sent = stub.bodies.get(0);
            assertEquals("stub", sent.get("model").asText());
            assertEquals("Hi", sent.get("prompt").asText());
            assertEquals(4, sent.get("max_tokens").asInt());
            assertEquals("[\"\\n\"]", sent.get("stop").toString());
        }
    }

    @Test
    void aServerErrorThatPersistsFailsAfterTheRetriesNamingTheStatus() throws Exception {
        try (Stub stub = new Stub((n, ex) -> reply(ex, 500, "{\"error\": {\"message\": \"GPU on fire\"}}"));
             HttpBackend http = stub.backend().maxRetries(2).build()) {
            HttpBackend.EndpointException e = assertThrows(HttpBackend.EndpointException.class,
                    () -> http.generate(List.of("Hi"), Generation.greedy(4), false));
            assertEquals(3, stub.hits.get());
            assertEquals(500, e.status());
            assertEquals(3, e.attempts());
            assertTrue(e.getMessage().contains("status 500") && e.getMessage().contains("GPU on fire")
                    && e.getMessage().contains("/v1/completions") && e.getMessage().contains("3 attempts"), e.getMessage());
        }
    }

    @Test
    void aClientErrorIsNotRetried() throws Exception {
        try (Stub stub = new Stub((n, ex) -> reply(ex, 401, "{\"error\": {\"message\": \"bad key\"}}"));
             HttpBackend http = stub.backend().build()) {
            HttpBackend.EndpointException e = assertThrows(HttpBackend.EndpointException.class,
                    () -> http.generate(List.of("Hi"), Generation.greedy(4), true));
            assertEquals(1, stub.hits.get());
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("bad key") && e.getMessage().contains("/v1/chat/completions"),
                    e.getMessage());
        }
    }

    @Test
    void aGarbageAnswerIsAClearErrorAtOnce() throws Exception {
        try (Stub stub = new Stub((n, ex) -> reply(ex, 200, "<html>Gateway says hello</html>"));
             HttpBackend http = stub.backend().build()) {
            HttpBackend.EndpointException e = assertThrows(HttpBackend.EndpointException.class,
                    () -> http.generate(List.of("Hi"), Generation.greedy(4), false));
            assertEquals(1, stub.hits.get());
            assertTrue(e.getMessage().contains("not an OpenAI JSON answer")
                    && e.getMessage().contains("<html>Gateway says hello</html>"), e.getMessage());
        }
    }

    @Test
    void aSlowServerTimesOut() throws Exception {
        try (Stub stub = new Stub((n, ex) -> {
            Thread.sleep(2_000);
            reply(ex, 200, OK);
        }); HttpBackend http = stub.backend().timeout(Duration.ofMillis(200)).maxRetries(1).build()) {
            long start = System.nanoTime();
            HttpBackend.EndpointException e = assertThrows(HttpBackend.EndpointException.class,
                    () -> http.generate(List.of("Hi"), Generation.greedy(4), false));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(-1, e.status());
            assertEquals(2, e.attempts());
            assertTrue(e.getMessage().contains("no answer within 200 ms"), e.getMessage());
            assertTrue(millis < 1_500, "took " + millis + " ms");
        }
    }

    @Test
    void noMoreThanTheConcurrencyLimitIsInFlight() throws Exception {
        try (Stub stub = new Stub((n, ex) -> {
            Thread.sleep(60);
            reply(ex, 200, OK);
        }); HttpBackend http = stub.backend().concurrency(3).build()) {
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                prompts.add("prompt " + i);
            }
            assertEquals(12, http.generate(prompts, Generation.greedy(2), false).size());
            assertEquals(12, stub.hits.get());
            assertEquals(3, stub.maxInFlight.get());
        }
    }

    @Test
    void theRateLimitSpacesRequests() throws Exception {
        try (Stub stub = new Stub((n, ex) -> reply(ex, 200, OK));
             HttpBackend http = stub.backend().concurrency(4).requestsPerSecond(20).build()) {
            long start = System.nanoTime();
            http.generate(List.of("a", "b", "c", "d", "e", "f"), Generation.greedy(2), false);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 240, "6 requests at 20/s need 250 ms, took " + millis); // 5 gaps of 50 ms
        }
    }

    @Test
    void anEndpointWithoutEchoLogProbsDoesNotScore() throws Exception {
        try (Stub stub = new Stub((n, ex) -> reply(ex, 400, "{\"error\": {\"message\": \"echo is not supported\"}}"));
             HttpBackend http = stub.backend().build()) {
            assertFalse(http.scores());
            assertEquals(2, stub.hits.get()); // max_tokens 0, then 1 as lm-evaluation-harness sends
            assertEquals(1, stub.bodies.get(1).get("max_tokens").asInt());
            assertTrue(stub.bodies.get(0).get("echo").asBoolean());
            assertThrows(UnsupportedOperationException.class,
                    () -> http.logLikelihood(List.of(new LanguageModel.Continuation("Q:", " A"))));
        }
        try (Stub stub = new Stub((n, ex) -> reply(ex, 200, "{\"choices\": [{\"index\": 0, \"message\": "
                + "{\"role\": \"assistant\", \"content\": \"B\"}, \"finish_reason\": \"length\"}]}"));
             HttpBackend chatOnly = stub.backend().api(HttpBackend.Api.CHAT).build()) {
            assertFalse(chatOnly.scores());
            Completion c = chatOnly.generate(List.of("Which option?"), Generation.greedy(1), false).get(0);
            assertEquals("B", c.text());
            assertEquals(Completion.Finish.LENGTH, c.finish());
            assertEquals(1, stub.hits.get()); // no probe: a chat-only endpoint cannot score
            assertEquals("Which option?", stub.bodies.get(0).get("messages").get(0).get("content").asText());
        }
    }

    /**
     * An echo choice for {@code prompt} as a server gives it, one token per character: the first
     * without a log-probability, every other {@code -value}, which is also the likeliest alternative.
     */
    static String echoChoice(int index, String prompt, double value) {
        StringBuilder tokens = new StringBuilder();
        StringBuilder logprobs = new StringBuilder("null");
        StringBuilder top = new StringBuilder("null");
        StringBuilder offsets = new StringBuilder();
        for (int i = 0; i < prompt.length(); i++) {
            String piece = JSON.valueToTree(String.valueOf(prompt.charAt(i))).toString();
            tokens.append(i == 0 ? "" : ",").append(piece);
            offsets.append(i == 0 ? "" : ",").append(i);
            if (i > 0) {
                logprobs.append(",").append(-value);
                top.append(",{").append(piece).append(":").append(-value).append("}");
            }
        }
        return "{\"index\": " + index + ", \"text\": " + JSON.valueToTree(prompt) + ", \"logprobs\": {\"tokens\": ["
                + tokens + "], \"token_logprobs\": [" + logprobs + "], \"top_logprobs\": [" + top
                + "], \"text_offset\": [" + offsets + "]}, \"finish_reason\": \"length\"}";
    }

    /** Answers echo requests, the choices in reverse order (their indexes say which is which); prompt i costs i+1 per character. */
    static void echoReversed(HttpExchange ex, JsonNode prompt) throws IOException {
        List<String> prompts = new ArrayList<>();
        if (prompt.isArray()) {
            prompt.forEach(p -> prompts.add(p.asText()));
        } else {
            prompts.add(prompt.asText());
        }
        List<String> choices = new ArrayList<>();
        for (int i = prompts.size() - 1; i >= 0; i--) {
            choices.add(echoChoice(i, prompts.get(i), Integer.parseInt(prompts.get(i).substring(1, 2))));
        }
        reply(ex, 200, "{\"choices\": [" + String.join(",", choices) + "]}");
    }

    /** The JSON body of the request being answered. */
    static JsonNode body(HttpExchange exchange) {
        return (JsonNode) exchange.getAttribute("body");
    }

    @Test
    void promptsGoTogetherAsAListAndComeBackByTheirIndex() throws Exception {
        // Prompt "Qk: A": context "Qk:", continuation " A" (2 characters at k per character).
        List<LanguageModel.Continuation> requests = new ArrayList<>();
        for (int k = 1; k <= 5; k++) {
            requests.add(new LanguageModel.Continuation("Q" + k + ":", " A"));
        }
        try (Stub stub = new Stub((n, ex) -> echoReversed(ex, body(ex).get("prompt")));
             HttpBackend http = stub.backend().promptsPerRequest(2).scores(true).concurrency(1).build()) {
            List<LogLikelihood> scores = http.logLikelihood(requests);
            for (int k = 1; k <= 5; k++) {
                assertEquals(-2.0 * k, scores.get(k - 1).logProb(), 1e-6);
                assertTrue(scores.get(k - 1).greedy());
            }
            assertEquals(3, stub.hits.get()); // 2 + 2 + 1
            assertEquals("[\"Q1: A\",\"Q2: A\"]", stub.bodies.get(0).get("prompt").toString());
            assertEquals("Q5: A", stub.bodies.get(2).get("prompt").asText());
        }
    }

    @Test
    void aServerThatRefusesListsIsSentSinglePrompts() throws Exception {
        List<LanguageModel.Continuation> requests = new ArrayList<>();
        for (int k = 1; k <= 6; k++) {
            requests.add(new LanguageModel.Continuation("Q" + k + ":", " A"));
        }
        try (Stub stub = new Stub((n, ex) -> {
            JsonNode prompt = body(ex).get("prompt");
            if (prompt.isArray()) {
                reply(ex, 400, "{\"error\": {\"message\": \"prompt must be a string\"}}");
            } else {
                echoReversed(ex, prompt);
            }
        }); HttpBackend http = stub.backend().promptsPerRequest(3).scores(true).concurrency(1).build()) {
            List<LogLikelihood> scores = http.logLikelihood(requests);
            for (int k = 1; k <= 6; k++) {
                assertEquals(-2.0 * k, scores.get(k - 1).logProb(), 1e-6);
            }
            // The first list was refused and its prompts sent alone; the second group went alone at once.
            assertEquals(1 + 3 + 3, stub.hits.get());
        }
    }

    @Test
    void anAnswerWithTooFewChoicesOrABadIndexIsAClearError() throws Exception {
        List<LanguageModel.Continuation> requests = List.of(new LanguageModel.Continuation("Q1:", " A"),
                new LanguageModel.Continuation("Q2:", " B"));
        try (Stub stub = new Stub((n, ex) -> reply(ex, 200, "{\"choices\": [" + echoChoice(0, "Q1: A", 1) + "]}"));
             HttpBackend http = stub.backend().scores(true).build()) {
            HttpBackend.EndpointException e = assertThrows(HttpBackend.EndpointException.class,
                    () -> http.logLikelihood(requests));
            assertTrue(e.getMessage().contains("1 choice to 2 prompts"), e.getMessage());
        }
        try (Stub stub = new Stub((n, ex) -> reply(ex, 200, "{\"choices\": [" + echoChoice(0, "Q1: A", 1) + ","
                + echoChoice(0, "Q2: B", 1) + "]}"));
             HttpBackend http = stub.backend().scores(true).build()) {
            HttpBackend.EndpointException e = assertThrows(HttpBackend.EndpointException.class,
                    () -> http.logLikelihood(requests));
            assertTrue(e.getMessage().contains("index 0 to 2 prompts; expected each index from 0 to 1 once"),
                    e.getMessage());
        }
    }

    static String fingerprint(String url, String model) {
        try (HttpBackend b = HttpBackend.builder(url, model).build()) {
            return b.fingerprint();
        }
    }

    @Test
    void fingerprintsDifferByEndpointAndModel() {
        String a = fingerprint("http://127.0.0.1:8000/v1", "m");
        assertEquals(32, a.length());
        assertEquals(a, fingerprint("http://127.0.0.1:8000", "m")); // /v1 added to a bare host
        assertFalse(a.equals(fingerprint("http://127.0.0.1:8000/v1", "n")));
        assertFalse(a.equals(fingerprint("http://127.0.0.1:8001/v1", "m")));
        assertThrows(IllegalArgumentException.class, () -> HttpBackend.builder("ftp://x/v1", "m"));
        assertThrows(IllegalStateException.class,
                () -> HttpBackend.builder("http://x/v1", "m").apiKeyFromEnv("GLOBMED_SURELY_UNSET_KEY_VARIABLE"));
    }
}
