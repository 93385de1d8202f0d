package org.globmed.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.globmed.model.Completion;
import org.globmed.model.LanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server for one {@link LanguageModel}: what {@code globmed serve} runs,
 * to share a model in a workshop or to evaluate it through the HTTP backend.
 *
 * <pre>{@code
 * try (LanguageModel lm = Models.load(dir);
 *      OpenAiServer server = OpenAiServer.start(lm, "qwen3-1.7b", new InetSocketAddress("127.0.0.1", 8000))) {
 *     // curl http://127.0.0.1:8000/v1/chat/completions -d '{"messages": [{"role": "user", "content": "Hi"}]}'
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@code GET /v1/models} (and {@code /v1/models/NAME}): the one model.</li>
 *   <li>{@code POST /v1/completions}: {@code prompt} (a string, a list of strings, token ids or lists of
 *       token ids: one choice per prompt), {@code max_tokens} (default 16), {@code temperature} (default 1;
 *       0 is greedy), {@code top_p}, {@code seed}, {@code stop} (string or list), {@code echo},
 *       {@code logprobs} (0 to 20). With {@code echo} and {@code logprobs} the prompt's tokens come back with
 *       {@code tokens}, {@code token_logprobs} (the first null), {@code top_logprobs} and
 *       {@code text_offset}, which is how lm-evaluation-harness's {@code local-completions} and
 *       {@link org.globmed.bench.HttpBackend} score log-likelihoods; {@code max_tokens: 0} scores without
 *       generating. Offsets count code points of the prompt as sent (a BOS the model adds sits at 0).
 *       Log-probabilities of generated tokens cover every generated token, an end token included.</li>
 *   <li>{@code POST /v1/chat/completions}: {@code messages} through the model's chat template, then
 *       generation as above ({@code max_tokens} or {@code max_completion_tokens}, default: up to 512
 *       within the model's window).</li>
 * </ul>
 * {@code n} must be 1 and {@code stream} false. Errors are OpenAI's JSON shape
 * {@code {"error": {"message", "type", "param", "code"}}}: 400 for a body that is not JSON or a wrong
 * field (named in {@code param}), 404 for an unknown path or model, 405 for a wrong method, 413 for a
 * body over 32 MB, 500 for a failure of the server, 503 while it shuts down.
 *
 * <p>Requests are received concurrently; the model runs on one thread (it is not thread-safe).
 * Scoring requests that wait at the same time share batches; generation runs one request at a
 * time, so its result never depends on other clients. No API key is checked.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 32 << 20;
    private static final int COMPLETIONS_DEFAULT_TOKENS = 16;
    private static final int CHAT_DEFAULT_TOKENS = 512;
    private static final int HTTP_THREADS = 32;

    private final LanguageModel model;
    private final String modelName;
    private final HttpServer http;
    private final ExecutorService executor;
    private final ModelWorker worker;
    private final TokenText tokenText;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    private OpenAiServer(LanguageModel model, String modelName, HttpServer http, ExecutorService executor) {
        this.model = model;
        this.modelName = modelName;
        this.http = http;
        this.executor = executor;
        this.worker = new ModelWorker(model, LanguageModel.DEFAULT_BATCH_SIZE, "globmed-serve-model");
        this.tokenText = new TokenText(model.tokenizer());
    }

    /**
     * Serves {@code model} as {@code modelName} on {@code address} (port 0: a free port, see
     * {@link #port()}) until {@link #close()}. The model stays the caller's: close it after the server.
     */
    public static OpenAiServer start(LanguageModel model, String modelName, InetSocketAddress address)
            throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(address, "address");
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("the served model needs a name (what clients send as \"model\")");
        }
        HttpServer http = HttpServer.create(address, 64);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(HTTP_THREADS, r -> {
            Thread t = new Thread(r, "globmed-serve-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        OpenAiServer server = new OpenAiServer(model, modelName, http, executor);
        http.createContext("/", server::handle);
        http.setExecutor(executor);
        http.start();
        LOG.info("serving {} at {}", modelName, server.baseUrl());
        return server;
    }

    /** The port it listens on (the one chosen when started with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The base URL clients use, ending in {@code /v1}. */
    public URI baseUrl() {
        InetSocketAddress a = http.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/v1");
    }

    public String modelName() {
        return modelName;
    }

    /**
     * Stops: requests still waiting get 503, the one the model is running finishes (at most 30 s
     * are waited for it), then the socket closes. The model is left open.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        worker.close();
        http.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!worker.stopped()) {
            LOG.warn("the model was still busy when the server closed");
        }
    }

    // ---- HTTP ----

    private void handle(HttpExchange exchange) {
        try {
            JsonNode response;
            int status = 200;
            try {
                response = route(exchange);
            } catch (ApiError e) {
                status = e.status;
                response = error(e);
            } catch (IllegalArgumentException e) {
                status = 400;
                response = error(ApiError.invalid(null, e.getMessage()));
            } catch (RuntimeException | Error e) {
                LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                response = error(new ApiError(500, "server_error", null, null,
                        "the server failed: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
            byte[] bytes = JSON.writeValueAsBytes(response);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            LOG.debug("could not answer {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        } finally {
            exchange.close();
        }
    }

    private JsonNode route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/v1/models") || path.startsWith("/v1/models/")) {
            allow(exchange, "GET");
            if (path.equals("/v1/models")) {
                ObjectNode list = JSON.createObjectNode();
                list.put("object", "list");
                list.putArray("data").add(modelCard());
                return list;
            }
            checkModel(path.substring("/v1/models/".length()));
            return modelCard();
        }
        if (path.equals("/v1/completions")) {
            allow(exchange, "POST");
            return completions(body(exchange));
        }
        if (path.equals("/v1/chat/completions")) {
            allow(exchange, "POST");
            return chat(body(exchange));
        }
        if (path.equals("/health")) {
            allow(exchange, "GET");
            return JSON.createObjectNode().put("status", "ok");
        }
        throw new ApiError(404, "invalid_request_error", null, "unknown_url", "Invalid URL (" + method + " " + path
                + "): this server offers GET /v1/models, POST /v1/completions and POST /v1/chat/completions");
    }

    private static void allow(HttpExchange exchange, String method) {
        if (!exchange.getRequestMethod().equals(method)) {
            exchange.getResponseHeaders().set("Allow", method);
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", exchange.getRequestMethod()
                    + " is not allowed on " + exchange.getRequestURI().getPath() + "; use " + method);
        }
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new ApiError(413, "invalid_request_error", null, "request_too_large",
                    "the body is over " + (MAX_BODY >> 20) + " MB");
        }
        JsonNode body;
        try {
            body = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "invalid_request_error", null, "invalid_json",
                    "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw new ApiError(400, "invalid_request_error", null, "invalid_json",
                    "the body must be a JSON object, not " + Requests.describe(body));
        }
        return body;
    }

    private static ObjectNode error(ApiError e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type);
        error.put("param", e.param);
        error.put("code", e.code);
        return root;
    }

    private ObjectNode modelCard() {
        ObjectNode card = JSON.createObjectNode();
        card.put("id", modelName);
        card.put("object", "model");
        card.put("created", created);
        card.put("owned_by", "globmed");
        card.put("max_model_len", model.config().maxPositionEmbeddings());
        return card;
    }

    private void checkModel(String requested) {
        if (requested != null && !requested.equals(modelName)) {
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found",
                    "The model '" + requested + "' does not exist; this server serves '" + modelName + "'");
        }
    }

    private void checkModel(JsonNode body) {
        JsonNode m = body.get("model");
        if (m != null && !m.isNull()) {
            if (!m.isTextual()) {
                throw ApiError.invalid("model", "model must be a string, not " + Requests.describe(m));
            }
            checkModel(m.asText());
        }
    }

    // ---- /v1/completions ----

    /** The prompts as token ids and what was generated after them (null when nothing was asked). */
    private record Run(List<long[]> prompts, List<Completion> completions) {
    }

    private JsonNode completions(JsonNode body) {
        checkModel(body);
        Requests.refuseUnsupported(body);
        List<Requests.Prompt> prompts = Requests.prompts(body.get("prompt"));
        int maxTokens = Requests.integer(body, "max_tokens", COMPLETIONS_DEFAULT_TOKENS, 0, Integer.MAX_VALUE);
        Requests.Sampling sampling = Requests.sampling(body);
        Integer logprobs = Requests.integer(body, "logprobs", null, 0, Requests.MAX_LOGPROBS);
        boolean echo = Requests.bool(body, "echo");
        Run run = worker.call(lm -> {
            List<long[]> ids = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                ids.add(tokens(lm, prompts.get(i), prompts.size() == 1 ? "prompt" : "prompt[" + i + "]", maxTokens));
            }
            List<Completion> generated = maxTokens == 0 ? null
                    : lm.generateTokens(ids, sampling.generation(maxTokens), LanguageModel.DEFAULT_BATCH_SIZE);
            return new Run(ids, generated);
        });
        List<PromptScorer.Scores> scores = null;
        if (logprobs != null && (echo || maxTokens > 0)) {
            List<long[]> sequences = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                sequences.add(concat(run.prompts.get(i), generatedTokens(run, i)));
            }
            scores = worker.score(sequences, logprobs);
        }
        // Laid out on this request's thread: decoding only reads the tokenizer, and the model's worker
        // meanwhile scores the next batch.
        return completionsResponse(prompts, run, scores, logprobs, echo);
    }

    private static long[] generatedTokens(Run run, int i) {
        return run.completions == null ? new long[0] : run.completions.get(i).tokens();
    }

    /** A prompt's ids: checked against the vocabulary and, with {@code maxTokens} more, against the model's window. */
    private static long[] tokens(LanguageModel lm, Requests.Prompt prompt, String field, int maxTokens) {
        long[] ids = prompt.ids() != null ? prompt.ids() : lm.encode(prompt.text());
        if (ids.length == 0) {
            throw ApiError.invalid("prompt", field + " is empty: it has no tokens to continue or score");
        }
        int rows = lm.config().vocabSize();
        for (long id : ids) {
            if (id < 0 || id >= rows) {
                throw ApiError.invalid("prompt", field + " has token id " + id + ", outside the model's ids 0.."
                        + (rows - 1));
            }
        }
        int window = lm.config().maxPositionEmbeddings();
        if ((long) ids.length + maxTokens > window) {
            throw new ApiError(400, "invalid_request_error", "max_tokens", "context_length_exceeded", field + " has "
                    + ids.length + " tokens and " + maxTokens + " more were asked, over the model's window of "
                    + window + " tokens");
        }
        return ids;
    }

    private ObjectNode completionsResponse(List<Requests.Prompt> prompts, Run run, List<PromptScorer.Scores> scores,
                                           Integer logprobs, boolean echo) {
        ObjectNode root = header("cmpl-", "text_completion");
        ArrayNode choices = root.putArray("choices");
        int promptTokens = 0;
        int completionTokens = 0;
        for (int i = 0; i < prompts.size(); i++) {
            long[] promptIds = run.prompts.get(i);
            Completion c = run.completions == null ? null : run.completions.get(i);
            String promptText = prompts.get(i).text() != null ? prompts.get(i).text()
                    : tokenText.text(promptIds);
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            String generated = c == null ? "" : c.text();
            choice.put("text", echo ? promptText + generated : generated);
            if (logprobs == null) {
                choice.putNull("logprobs");
            } else {
                choice.set("logprobs", logprobs(promptIds, generatedTokens(run, i), prompts.get(i).text(),
                        scores == null ? null : scores.get(i), logprobs, echo));
            }
            choice.put("finish_reason", c == null || c.finish() == Completion.Finish.LENGTH ? "length" : "stop");
            promptTokens += promptIds.length;
            completionTokens += c == null ? 0 : c.tokens().length;
        }
        usage(root, promptTokens, completionTokens);
        return root;
    }

    /** OpenAI's legacy logprobs object over the prompt (with echo) and the generated tokens. */
    private ObjectNode logprobs(long[] promptIds, long[] generated, String promptText, PromptScorer.Scores scores,
                                int top, boolean echo) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode tokens = out.putArray("tokens");
        ArrayNode tokenLogprobs = out.putArray("token_logprobs");
        ArrayNode topLogprobs = out.putArray("top_logprobs");
        ArrayNode offsets = out.putArray("text_offset");
        if (scores == null) {
            return out;
        }
        long[] all = concat(promptIds, generated);
        int[] at = tokenText.layout(all).offsets();
        // Offsets count in the prompt as sent: a token the model adds in front (Llama's BOS) decodes to
        // text the client never wrote, so the decoded prompt's extra head is taken off.
        int shift = 0;
        if (promptText != null) {
            String decoded = tokenText.text(promptIds);
            if (decoded.endsWith(promptText) && decoded.length() > promptText.length()) {
                shift = decoded.codePointCount(0, decoded.length()) - promptText.codePointCount(0, promptText.length());
            }
        }
        for (int p = echo ? 0 : promptIds.length; p < all.length; p++) {
            tokens.add(tokenText.piece(all[p]));
            offsets.add(Math.max(0, at[p] - shift));
            if (p == 0) {
                tokenLogprobs.addNull();
                topLogprobs.addNull();
                continue;
            }
            tokenLogprobs.add(scores.logProbs()[p]);
            ObjectNode alternatives = topLogprobs.addObject();
            long[] ids = scores.topIds()[p];
            float[] values = scores.topLogProbs()[p];
            for (int k = 0; k < Math.min(top, ids.length); k++) {
                String piece = tokenText.piece(ids[k]);
                if (!alternatives.has(piece)) { // two byte tokens can print alike; the likelier one stays
                    alternatives.put(piece, values[k]);
                }
            }
        }
        return out;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ---- /v1/chat/completions ----

    private JsonNode chat(JsonNode body) {
        checkModel(body);
        Requests.refuseUnsupported(body);
        List<Map<String, String>> messages = Requests.messages(body.get("messages"));
        Integer maxTokens = Requests.integer(body, "max_completion_tokens", null, 0, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = Requests.integer(body, "max_tokens", null, 0, Integer.MAX_VALUE);
        }
        if (Requests.bool(body, "logprobs")) {
            throw ApiError.invalid("logprobs", "log-probabilities are offered on /v1/completions (echo + logprobs),"
                    + " not on chat completions");
        }
        Requests.Sampling sampling = Requests.sampling(body);
        Integer asked = maxTokens;
        return worker.call(lm -> {
            String prompt;
            try {
                prompt = lm.tokenizer().applyChatTemplate(messages, true);
            } catch (IllegalStateException e) { // no template: the client cannot fix that, but it is told why
                throw new ApiError(400, "invalid_request_error", "messages", "no_chat_template", e.getMessage());
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("messages", e.getMessage());
            }
            long[] ids = lm.encode(prompt);
            int window = lm.config().maxPositionEmbeddings();
            int limit = asked != null ? asked : Math.max(0, Math.min(CHAT_DEFAULT_TOKENS, window - ids.length));
            tokens(lm, new Requests.Prompt(null, ids), "messages", limit);
            Completion c = limit == 0 ? new Completion("", new long[0], ids.length, Completion.Finish.LENGTH)
                    : lm.generateTokens(List.of(ids), sampling.generation(limit), 1).get(0);
            ObjectNode root = header("chatcmpl-", "chat.completion");
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", c.text());
            choice.putNull("logprobs");
            choice.put("finish_reason", c.finish() == Completion.Finish.LENGTH ? "length" : "stop");
            usage(root, ids.length, c.tokens().length);
            return root;
        });
    }

    private ObjectNode header(String idPrefix, String object) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", idPrefix + Long.toHexString(created) + "-" + ids.incrementAndGet());
        root.put("object", object);
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", modelName);
        return root;
    }

    private static void usage(ObjectNode root, int prompt, int completion) {
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
    }
}
