package org.globmed.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.globmed.model.Completion;
import org.globmed.model.Generation;
import org.globmed.model.LanguageModel;
import org.globmed.model.LogLikelihood;
import org.globmed.model.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible server over real loopback HTTP, checked against the same tiny model in process. */
class OpenAiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static LanguageModel lm;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        lm = Models.tiny("qwen3");
        server = OpenAiServer.start(lm, "tiny-qwen3", new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() {
        server.close();
        lm.close();
    }

    record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    }

    static Answer send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()), r);
    }

    static JsonNode post(String path, Object body) throws Exception {
        Answer a = send("POST", path, JSON.writeValueAsString(body));
        assertEquals(200, a.status, () -> a.body.toString());
        return a.body;
    }

    /** The sum of the echoed log-probabilities of the tokens that start at or after {@code from} code points. */
    static double sumFrom(JsonNode logprobs, int from, int until) {
        double sum = 0;
        for (int i = 0; i < logprobs.get("text_offset").size(); i++) {
            int at = logprobs.get("text_offset").get(i).asInt();
            if (at >= from && at < until) {
                sum += logprobs.get("token_logprobs").get(i).asDouble();
            }
        }
        return sum;
    }

    @Test
    void listsTheOneModel() throws Exception {
        Answer list = send("GET", "/v1/models", null);
        assertEquals(200, list.status);
        assertEquals("list", list.body.get("object").asText());
        assertEquals(1, list.body.get("data").size());
        assertEquals("tiny-qwen3", list.body.get("data").get(0).get("id").asText());
        assertEquals("application/json", list.raw.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("model", send("GET", "/v1/models/tiny-qwen3", null).body.get("object").asText());
        Answer other = send("GET", "/v1/models/gpt-9", null);
        assertEquals(404, other.status);
        assertEquals("model_not_found", other.body.path("error").path("code").asText());
        assertEquals(URI.create("http://127.0.0.1:" + server.port() + "/v1"), server.baseUrl());
    }

    @Test
    void echoedLogProbsAreTheModelsLogLikelihood() throws Exception {
        // The byte tokenizer makes one token per UTF-8 byte: "é" is two tokens that both start at code point 3.
        JsonNode answer = post("/v1/completions", Map.of("model", "tiny-qwen3", "prompt", "Q: é?", "max_tokens", 0,
                "echo", true, "logprobs", 1));
        JsonNode choice = answer.get("choices").get(0);
        assertEquals("Q: é?", choice.get("text").asText());
        assertEquals("length", choice.get("finish_reason").asText());
        JsonNode lp = choice.get("logprobs");
        assertEquals("[0,1,2,3,3,4]", lp.get("text_offset").toString());
        assertEquals(6, lp.get("tokens").size());
        assertEquals("Q", lp.get("tokens").get(0).asText());
        assertTrue(lp.get("token_logprobs").get(0).isNull());
        assertTrue(lp.get("top_logprobs").get(0).isNull());
        assertEquals(6, answer.get("usage").get("prompt_tokens").asInt());
        assertEquals(0, answer.get("usage").get("completion_tokens").asInt());

        String[][] pairs = {{"Question: which organ makes insulin?\nAnswer:", " pancreas"},
                {"Pregunta: ¿qué órgano produce insulina? Respuesta: ", "el páncreas"}, {"问题：哪个器官产生胰岛素？答案：", "胰腺"}};
        for (String[] pair : pairs) {
            LogLikelihood expected = lm.logLikelihood(List.of(new LanguageModel.Continuation(pair[0], pair[1]))).get(0);
            String prompt = pair[0] + pair[1];
            JsonNode logprobs = post("/v1/completions", Map.of("prompt", prompt, "max_tokens", 0, "echo", true,
                    "logprobs", 1)).get("choices").get(0).get("logprobs");
            int boundary = pair[0].strip().codePointCount(0, pair[0].strip().length());
            int length = prompt.codePointCount(0, prompt.length());
            assertEquals(expected.logProb(), sumFrom(logprobs, boundary, length), 1e-4, prompt);
            // Each continuation token, one by one, and whether each was the most likely one.
            int n = logprobs.get("token_logprobs").size();
            boolean greedy = true;
            for (int k = 0; k < expected.tokens(); k++) {
                int i = n - expected.tokens() + k;
                double got = logprobs.get("token_logprobs").get(i).asDouble();
                assertEquals(expected.tokenLogProbs()[k], got, 1e-4);
                double best = logprobs.get("top_logprobs").get(i).elements().next().asDouble();
                assertTrue(best >= got - 1e-6);
                greedy &= best == got;
            }
            assertEquals(expected.greedy(), greedy);
        }
    }

    @Test
    void scoresListsOfPromptsAndTokenIdsAsLmEvaluationHarnessSendsThem() throws Exception {
        String context = "Answer:";
        String continuation = " yes";
        long[] ids = lm.encode(context + continuation);
        LogLikelihood expected = lm.logLikelihood(List.of(new LanguageModel.Continuation(context, continuation))).get(0);
        // local-completions: token ids, echo, max_tokens 1, logprobs 1; it sums token_logprobs[ctxlen:-1].
        JsonNode answer = post("/v1/completions", Map.of("prompt", List.of(ids, lm.encode("Answer: no")),
                "max_tokens", 1, "temperature", 0, "echo", true, "logprobs", 1, "seed", 1234));
        assertEquals(2, answer.get("choices").size());
        assertEquals(1, answer.get("choices").get(1).get("index").asInt());
        JsonNode lp = answer.get("choices").get(0).get("logprobs").get("token_logprobs");
        assertEquals(ids.length + 1, lp.size());
        int ctxlen = lm.encode(context).length;
        double sum = 0;
        for (int i = ctxlen; i < lp.size() - 1; i++) {
            sum += lp.get(i).asDouble();
        }
        assertEquals(expected.logProb(), sum, 1e-4);
        // The token generated after the prompt is the model's own greedy continuation.
        Completion next = lm.generate(context + continuation, Generation.greedy(1));
        assertEquals(context + continuation + next.text(), answer.get("choices").get(0).get("text").asText());
        assertEquals(2, answer.get("usage").get("completion_tokens").asInt()); // one per prompt
    }

    @Test
    void completionsGenerateAsTheModelDoes() throws Exception {
        String prompt = "Question: is fever a symptom?\nAnswer:";
        Completion greedy = lm.generate(prompt, Generation.greedy(8));
        JsonNode answer = post("/v1/completions", Map.of("model", "tiny-qwen3", "prompt", prompt, "max_tokens", 8,
                "temperature", 0));
        assertEquals("text_completion", answer.get("object").asText());
        JsonNode choice = answer.get("choices").get(0);
        assertEquals(greedy.text(), choice.get("text").asText());
        assertEquals(greedy.finish() == Completion.Finish.LENGTH ? "length" : "stop", choice.get("finish_reason").asText());
        assertTrue(choice.get("logprobs").isNull());
        assertEquals(prompt.length(), answer.get("usage").get("prompt_tokens").asInt()); // ASCII: a token per character
        assertEquals(greedy.tokens().length, answer.get("usage").get("completion_tokens").asInt());
        assertEquals(prompt.length() + greedy.tokens().length, answer.get("usage").get("total_tokens").asInt());

        Completion sampled = lm.generate(prompt, Generation.greedy(8).withSampling(0.9, 0.95, 7).withStop("e", "\n"));
        JsonNode answer2 = post("/v1/completions", Map.of("prompt", prompt, "max_tokens", 8, "temperature", 0.9,
                "top_p", 0.95, "seed", 7, "stop", List.of("e", "\n")));
        assertEquals(sampled.text(), answer2.get("choices").get(0).get("text").asText());
        assertFalse(sampled.text().contains("e"));

        // Log-probabilities of generated tokens, offsets counted from the prompt's start.
        JsonNode withLogprobs = post("/v1/completions", Map.of("prompt", prompt, "max_tokens", 3, "temperature", 0,
                "logprobs", 2)).get("choices").get(0).get("logprobs");
        int generated = lm.generate(prompt, Generation.greedy(3)).tokens().length;
        assertEquals(generated, withLogprobs.get("token_logprobs").size());
        assertEquals(prompt.length(), withLogprobs.get("text_offset").get(0).asInt());
        assertEquals(2, withLogprobs.get("top_logprobs").get(0).size());
    }

    @Test
    void chatRendersTheChatTemplate() throws Exception {
        List<Map<String, String>> messages = List.of(Map.of("role", "user", "content", "Hi"));
        String rendered = lm.tokenizer().applyChatTemplate(messages, true);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", rendered);
        Completion expected = lm.generate(rendered, Generation.greedy(6));
        JsonNode answer = post("/v1/chat/completions", Map.of("model", "tiny-qwen3", "messages", messages,
                "max_tokens", 6, "temperature", 0));
        assertEquals("chat.completion", answer.get("object").asText());
        JsonNode choice = answer.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals(expected.text(), choice.get("message").get("content").asText());
        assertEquals(expected.finish() == Completion.Finish.LENGTH ? "length" : "stop", choice.get("finish_reason").asText());
        // 3 special tokens + "user\nHi" (7 bytes) + "\n" + "assistant\n" (10 bytes) = 21 tokens.
        assertEquals(21, answer.get("usage").get("prompt_tokens").asInt());
        assertEquals(expected.tokens().length, answer.get("usage").get("completion_tokens").asInt());

        // Content as a list of text parts, and max_completion_tokens, give the same.
        JsonNode parts = post("/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user", "content",
                List.of(Map.of("type", "text", "text", "H"), Map.of("type", "text", "text", "i")))),
                "max_completion_tokens", 6, "temperature", 0));
        assertEquals(expected.text(), parts.get("choices").get(0).get("message").get("content").asText());
    }

    @Test
    void concurrentScoringSharesBatchesWithoutChangingScores() throws Exception {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            prompts.add("Item " + i + ": " + "the patient reports pain ".repeat(1 + i % 4));
        }
        List<Double> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(sumFrom(post("/v1/completions", Map.of("prompt", p, "max_tokens", 0, "echo", true, "logprobs", 0))
                    .get("choices").get(0).get("logprobs"), 1, Integer.MAX_VALUE));
        }
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Double>> together = new ArrayList<>();
            for (String p : prompts) {
                together.add(pool.submit(() -> sumFrom(post("/v1/completions", Map.of("prompt", p, "max_tokens", 0,
                        "echo", true, "logprobs", 0)).get("choices").get(0).get("logprobs"), 1, Integer.MAX_VALUE)));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(alone.get(i), together.get(i).get(), 1e-4, prompts.get(i));
            }
        } finally {
            pool.shutdown();
        }
    }

    static void assertError(Answer a, int status, String param, String code) {
        assertEquals(status, a.status, () -> a.body.toString());
        JsonNode error = a.body.get("error");
        assertTrue(error.get("message").asText().length() > 10, error::toString);
        assertTrue(error.has("type") && error.has("code") && error.has("param"), error::toString);
        if (param != null) {
            assertEquals(param, error.get("param").asText(), error::toString);
        }
        if (code != null) {
            assertEquals(code, error.get("code").asText(), error::toString);
        }
    }

    @Test
    void errorsAreOpenAiShapedWithTheirStatus() throws Exception {
        assertError(send("POST", "/v1/completions", "{\"prompt\": "), 400, null, "invalid_json");
        assertError(send("POST", "/v1/completions", "[1, 2]"), 400, null, "invalid_json");
        assertError(send("POST", "/v1/completions", "{\"prompt\": \"x\", \"temperature\": \"hot\"}"), 400,
                "temperature", null);
        assertError(send("POST", "/v1/completions", "{\"prompt\": \"x\", \"n\": 2}"), 400, "n", null);
        assertError(send("POST", "/v1/completions", "{\"prompt\": \"x\", \"stream\": true}"), 400, "stream", null);
        assertError(send("POST", "/v1/completions", "{\"max_tokens\": 2}"), 400, "prompt", null);
        assertError(send("POST", "/v1/completions", "{\"prompt\": [[1, 99999]]}"), 400, "prompt", null);
        assertError(send("POST", "/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 21}"), 400, "logprobs", null);
        assertError(send("POST", "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 5000}"), 400, "max_tokens",
                "context_length_exceeded");
        assertError(send("POST", "/v1/completions", "{\"prompt\": \"x\", \"model\": \"gpt-9\"}"), 404, "model",
                "model_not_found");
        assertError(send("POST", "/v1/chat/completions", "{\"messages\": []}"), 400, "messages", null);
        assertError(send("POST", "/v1/chat/completions", "{\"messages\": [{\"content\": \"no role\"}]}"), 400,
                "messages", null);
        assertError(send("POST", "/v1/embeddings", "{}"), 404, null, "unknown_url");
        Answer wrongMethod = send("GET", "/v1/completions", null);
        assertError(wrongMethod, 405, null, "method_not_allowed");
        assertEquals("POST", wrongMethod.raw.headers().firstValue("Allow").orElseThrow());
        // The server still answers after all that.
        assertEquals(200, send("GET", "/health", null).status);
    }
}
