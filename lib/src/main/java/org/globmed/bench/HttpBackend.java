package org.globmed.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.globmed.model.Completion;
import org.globmed.model.Generation;
import org.globmed.model.LanguageModel;
import org.globmed.model.LogLikelihood;

/**
 * A model behind an OpenAI-compatible endpoint: a served model ({@code globmed serve}, vLLM,
 * llama.cpp) or a proprietary API.
 *
 * <pre>{@code
 * try (HttpBackend api = HttpBackend.builder("http://127.0.0.1:8000/v1", "qwen3-1.7b")
 *         .concurrency(8).requestsPerSecond(20).build()) {
 *     List<LogLikelihood> options = api.logLikelihood(requests);          // via /completions echo + logprobs
 * }
 * HttpBackend gpt = HttpBackend.builder("https://api.openai.com/v1", "gpt-4o-mini")
 *         .api(HttpBackend.Api.CHAT).apiKeyFromEnv("OPENAI_API_KEY").build(); // generative only
 * }</pre>
 *
 * <p>Log-likelihoods use {@code /completions} with {@code echo: true, logprobs: 1, max_tokens: 0}
 * (falling back to {@code max_tokens: 1}, as lm-evaluation-harness sends, when a server refuses 0)
 * on the text context + continuation; the continuation's tokens are those whose {@code text_offset}
 * reaches past the context, and its context/continuation split moves the context's trailing white
 * space into the continuation, as {@link LanguageModel#logLikelihood} does. Whether the endpoint can
 * do this is asked once ({@link #scores()}), unless told by {@link Builder#scores(boolean)}. Up to
 * {@link Builder#promptsPerRequest} prompts go in one request as a list, as lm-evaluation-harness's
 * {@code batch_size} sends them; generation sends one prompt per request.
 *
 * <p>Every request runs with at most {@link Builder#concurrency} in flight, at most
 * {@link Builder#requestsPerSecond} started per second, a timeout each, and retries with exponential
 * back-off and jitter on 408, 429, 5xx, timeouts and connection failures, waiting what a
 * {@code Retry-After} header asks. Other 4xx answers and bodies that are not the expected JSON fail
 * at once with an {@link EndpointException} naming the URL, the status and an excerpt of the body.
 * Results are in request order; the first failing request fails the call.
 */
public final class HttpBackend implements Backend {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAI accepts at most four stop strings; the rest are applied here. */
    private static final int SERVER_STOPS = 4;
    private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);
    private static final String PROBE = "The patient has a fever.";

    /** Which endpoints the server has. */
    public enum Api {
        /** {@code /completions} (generation and log-likelihoods) and {@code /chat/completions} (chat prompts). */
        COMPLETIONS,
        /** Only {@code /chat/completions}: every prompt is sent as one user message; no log-likelihoods. */
        CHAT
    }

    private final URI base;
    private final String model;
    private final Api api;
    private final String apiKey;
    private final int concurrency;
    private final int maxRetries;
    private final Duration timeout;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final long intervalNanos;
    private final HttpClient client;
    private final ExecutorService pool;
    private Boolean scores;
    private volatile int echoMaxTokens = 0;
    private final int promptsPerRequest;
    /** Whether the server takes a list of prompts in one request; false once it refused one. */
    private volatile boolean promptLists = true;
    private final Object probeLock = new Object();
    private final Object paceLock = new Object();
    private long nextStart = Long.MIN_VALUE;

    private HttpBackend(Builder b) {
        this.base = b.base;
        this.model = b.model;
        this.api = b.api;
        this.apiKey = b.apiKey;
        this.concurrency = b.concurrency;
        this.promptsPerRequest = b.promptsPerRequest;
        this.maxRetries = b.maxRetries;
        this.timeout = b.timeout;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.intervalNanos = b.requestsPerSecond > 0 ? (long) (1e9 / b.requestsPerSecond) : 0;
        this.scores = b.api == Api.CHAT ? Boolean.FALSE : b.scores;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.timeout).build();
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(b.concurrency, r -> {
            Thread t = new Thread(r, "globmed-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * An endpoint: {@code baseUrl} as OpenAI's clients take it ({@code http://host:8000/v1}; a URL without
     * a path gets {@code /v1}), and the model name sent with every request.
     */
    public static Builder builder(String baseUrl, String model) {
        return new Builder(baseUrl, model);
    }

    /** Options of {@link HttpBackend}; every one has a default. */
    public static final class Builder {
        private final URI base;
        private final String model;
        private Api api = Api.COMPLETIONS;
        private String apiKey;
        private int concurrency = 16;
        private int promptsPerRequest = 16;
        private int maxRetries = 5;
        private Duration timeout = Duration.ofSeconds(120);
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private double requestsPerSecond;
        private Boolean scores;

        private Builder(String baseUrl, String model) {
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("the endpoint's model name is required (what requests send as \"model\")");
            }
            URI uri;
            try {
                uri = URI.create(baseUrl.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a URL: " + baseUrl, e);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("expected an http(s) base URL such as http://127.0.0.1:8000/v1, not "
                        + baseUrl);
            }
            String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
            this.base = uri.resolve(path.isEmpty() ? "/v1" : path);
            this.model = model;
        }

        /** Which endpoints the server has (default {@link Api#COMPLETIONS}). */
        public Builder api(Api api) {
            this.api = Objects.requireNonNull(api, "api");
            return this;
        }

        /** Sends {@code Authorization: Bearer} with the value of this environment variable, which must be set. */
        public Builder apiKeyFromEnv(String variable) {
            String value = System.getenv(variable);
            if (value == null || value.isBlank()) {
                throw new IllegalStateException("the environment variable " + variable + " (the API key) is not set");
            }
            this.apiKey = value.strip();
            return this;
        }

        /**
         * Requests in flight at most (default 16). A server that batches what arrives together (vLLM,
         * globmed serve) is only busy with enough rows waiting: with 16 prompts per request, 16 in
         * flight kept globmed serve on loopback at the in-process speed. Lower it for an API with a
         * tight rate limit.
         */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, not " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /**
         * Log-likelihood prompts sent together in one echo request, as a list (default 16). One request
         * per prompt made scoring through {@code globmed serve} on loopback 1.75x the in-process time:
         * every request is parsed, tokenised and answered on its own. A server that refuses a list
         * (400) is sent single prompts from then on. 1 sends every prompt alone.
         */
        public Builder promptsPerRequest(int prompts) {
            if (prompts < 1) {
                throw new IllegalArgumentException("promptsPerRequest must be at least 1, not " + prompts);
            }
            this.promptsPerRequest = prompts;
            return this;
        }

        /** Retries of a request after its first attempt (default 5). */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be 0 or more, not " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /** Time for one attempt to connect and receive its response (default 120 s). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, not " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** The wait before the first retry, doubled each retry up to {@code max} (defaults 0.5 s and 30 s), with jitter. */
        public Builder backoff(Duration initial, Duration max) {
            if (initial.isNegative() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 <= initial <= max, not " + initial + " and " + max);
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** Requests started per second at most, retries included (default: no limit). */
        public Builder requestsPerSecond(double rate) {
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("requestsPerSecond must be a positive number, not " + rate);
            }
            this.requestsPerSecond = rate;
            return this;
        }

        /** Whether the endpoint returns echo log-probabilities, when known; else it is asked once. */
        public Builder scores(boolean scores) {
            this.scores = scores;
            return this;
        }

        public HttpBackend build() {
            if (api == Api.CHAT && Boolean.TRUE.equals(scores)) {
                throw new IllegalArgumentException("a chat-only endpoint cannot score log-likelihoods");
            }
            return new HttpBackend(this);
        }
    }

    /** A request that failed: what was asked, what came back (status -1 when nothing did) and how often it was tried. */
    public static final class EndpointException extends RuntimeException {
        private final URI url;
        private final int status;
        private final int attempts;

        EndpointException(URI url, int status, int attempts, String message, Throwable cause) {
            super(message, cause);
            this.url = url;
            this.status = status;
            this.attempts = attempts;
        }

        public URI url() {
            return url;
        }

        /** The HTTP status of the last answer; -1 when there was none (timeout, connection failure). */
        public int status() {
            return status;
        }

        public int attempts() {
            return attempts;
        }
    }

    @Override
    public String name() {
        return model + " @ " + base;
    }

    @Override
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    ("openai-compatible\n" + base + "\n" + model + "\n" + api).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether log-likelihoods are available: as configured, else asked once with a one-sentence echo
     * request. An endpoint that refuses it or answers without log-probabilities cannot score; one that
     * cannot be reached is an {@link EndpointException}, not a "no".
     */
    @Override
    public boolean scores() {
        synchronized (probeLock) { // the probe runs on the pool, which paces under its own lock
            if (scores == null) {
                scores = await(List.of(pool.submit(this::probe))).get(0);
            }
            return scores;
        }
    }

    private boolean probe() {
        try {
            JsonNode answer = echo(List.of(PROBE));
            JsonNode lp = answer.path("choices").path(0).path("logprobs");
            return lp.path("token_logprobs").isArray() && lp.path("token_logprobs").size() >= 2
                    && lp.path("token_logprobs").get(1).isNumber() && lp.path("text_offset").isArray();
        } catch (EndpointException e) {
            if (e.status() >= 400 && e.status() < 500) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public List<LogLikelihood> logLikelihood(List<LanguageModel.Continuation> requests) {
        if (!scores()) {
            throw new UnsupportedOperationException(name() + " does not return echo log-probabilities on /completions, "
                    + "so it cannot score log-likelihoods; evaluate it generatively");
        }
        List<Echo> echoes = requests.stream().map(Echo::of).toList(); // every request checked before any is sent
        List<Callable<List<LogLikelihood>>> tasks = new ArrayList<>();
        for (int from = 0; from < echoes.size(); from += promptsPerRequest) {
            List<Echo> group = echoes.subList(from, Math.min(echoes.size(), from + promptsPerRequest));
            tasks.add(() -> score(group));
        }
        List<LogLikelihood> out = new ArrayList<>(requests.size());
        run(tasks).forEach(out::addAll);
        return out;
    }

    /** A continuation as an echo request: the harness's context/continuation split, and the text sent. */
    private record Echo(String context, String continuation, String prompt) {
        static Echo of(LanguageModel.Continuation request) {
            LanguageModel.Continuation split = request.harnessSplit(); // as the in-process model splits it
            String context = split.context();
            String continuation = split.continuation();
            if (context.isEmpty()) {
                throw new IllegalArgumentException("an empty context cannot be scored through an endpoint: echo gives "
                        + "the first token no log-probability (continuation " + excerpt(continuation) + ")");
            }
            if (continuation.isEmpty()) {
                throw new IllegalArgumentException("an empty continuation has no tokens to score (context "
                        + excerpt(context) + ")");
            }
            return new Echo(context, continuation, context + continuation);
        }
    }

    /**
     * Scores a group of continuations with one echo request whose {@code prompt} is their list, as
     * OpenAI's completions API allows. A 400 answer to a list is answered by sending the prompts one
     * by one: a server that takes one prompt per request then gets only single prompts from now on,
     * and a prompt the server refuses fails with its own error.
     */
    private List<LogLikelihood> score(List<Echo> group) {
        if (group.size() > 1 && promptLists) {
            try {
                JsonNode choices = choices(echo(group.stream().map(Echo::prompt).toList()), group.size());
                List<LogLikelihood> out = new ArrayList<>(group.size());
                for (int i = 0; i < group.size(); i++) {
                    out.add(parse(group.get(i), choices.get(i)));
                }
                return out;
            } catch (EndpointException e) {
                if (e.status() != 400) {
                    throw e;
                }
                List<LogLikelihood> out = oneByOne(group);
                promptLists = false; // every prompt was accepted alone: it was the list that was refused
                return out;
            }
        }
        return oneByOne(group);
    }

    private List<LogLikelihood> oneByOne(List<Echo> group) {
        List<LogLikelihood> out = new ArrayList<>(group.size());
        for (Echo one : group) {
            out.add(parse(one, choices(echo(List.of(one.prompt())), 1).get(0)));
        }
        return out;
    }

    /** The answer's choices in prompt order (by their {@code index}), one per prompt sent. */
    private JsonNode choices(JsonNode answer, int prompts) {
        URI url = endpoint("completions");
        JsonNode choices = answer.path("choices");
        JsonNode[] ordered = new JsonNode[prompts];
        for (JsonNode choice : choices) {
            int index = choice.path("index").asInt(prompts == 1 ? 0 : -1);
            if (index < 0 || index >= prompts || ordered[index] != null) {
                throw new EndpointException(url, 200, 1, "POST " + url + " answered a choice with index "
                        + choice.path("index") + " to " + prompts + (prompts == 1 ? " prompt" : " prompts")
                        + "; expected each index from 0 to " + (prompts - 1) + " once", null);
            }
            ordered[index] = choice;
        }
        if (choices.size() != prompts) {
            throw new EndpointException(url, 200, 1, "POST " + url + " answered " + choices.size()
                    + (choices.size() == 1 ? " choice" : " choices") + " to " + prompts
                    + (prompts == 1 ? " prompt" : " prompts") + ": "
                    + excerpt(answer.toString()), null);
        }
        return JSON.createArrayNode().addAll(List.of(ordered));
    }

    /** The continuation's log-likelihood from the echo choice of its prompt. */
    private LogLikelihood parse(Echo echo, JsonNode choice) {
        String context = echo.context();
        String continuation = echo.continuation();
        String prompt = echo.prompt();
        URI url = endpoint("completions");
        JsonNode lp = choice.path("logprobs");
        JsonNode values = lp.path("token_logprobs");
        JsonNode offsets = lp.path("text_offset");
        JsonNode top = lp.path("top_logprobs");
        if (!values.isArray() || !offsets.isArray() || values.size() != offsets.size() || values.isEmpty()) {
            throw new EndpointException(url, 200, 1, "POST " + url + " answered without matching"
                    + " logprobs.token_logprobs and text_offset lists for " + excerpt(prompt) + ": "
                    + excerpt(choice.toString()), null);
        }
        int boundary = context.codePointCount(0, context.length());
        int length = prompt.codePointCount(0, prompt.length());
        List<Float> picked = new ArrayList<>();
        boolean greedy = true;
        for (int i = 0; i < values.size(); i++) {
            int start = offsets.get(i).asInt();
            if (start >= length) {
                break; // a generated token (when the server had to generate one)
            }
            int end = i + 1 < offsets.size() ? offsets.get(i + 1).asInt() : length;
            if (start < boundary && end <= boundary) {
                continue; // a context token; one that straddles the boundary holds answer text and counts
            }
            JsonNode value = values.get(i);
            if (!value.isNumber()) {
                throw new EndpointException(url, 200, 1, "POST " + url + " gave no log-probability for token " + i
                        + " of " + excerpt(prompt) + " (part of the continuation): " + value, null);
            }
            float v = value.floatValue();
            picked.add(v);
            JsonNode alternatives = top.path(i);
            if (!alternatives.isObject() || alternatives.isEmpty()) {
                greedy = false;
            } else {
                for (JsonNode alternative : alternatives) {
                    greedy &= alternative.asDouble() <= value.asDouble();
                }
            }
        }
        if (picked.isEmpty()) {
            throw new EndpointException(url, 200, 1, "POST " + url + " returned no token at or after character "
                    + boundary + " of " + excerpt(prompt) + "; its text_offset list is " + excerpt(offsets.toString()),
                    null);
        }
        float[] tokenLogProbs = new float[picked.size()];
        double sum = 0;
        for (int i = 0; i < tokenLogProbs.length; i++) {
            tokenLogProbs[i] = picked.get(i);
            sum += tokenLogProbs[i];
        }
        return new LogLikelihood(sum, tokenLogProbs, continuation.getBytes(StandardCharsets.UTF_8).length,
                continuation.codePointCount(0, continuation.length()), greedy);
    }

    /** An echo request for the prompts' token log-probabilities; moves to max_tokens 1 if 0 is refused. */
    private JsonNode echo(List<String> prompts) {
        while (true) {
            int tokens = echoMaxTokens;
            ObjectNode payload = JSON.createObjectNode();
            payload.put("model", model);
            if (prompts.size() == 1) {
                payload.put("prompt", prompts.get(0));
            } else {
                prompts.forEach(payload.putArray("prompt")::add);
            }
            payload.put("max_tokens", tokens);
            payload.put("temperature", 0);
            payload.put("logprobs", 1);
            payload.put("echo", true);
            try {
                return post("completions", payload);
            } catch (EndpointException e) {
                if (tokens == 0 && e.status() == 400 && prompts.size() == 1) {
                    echoMaxTokens = 1; // some servers insist on generating at least one token
                    continue;
                }
                throw e;
            }
        }
    }

    @Override
    public List<Completion> generate(List<String> prompts, Generation generation, boolean chat) {
        boolean asChat = chat || api == Api.CHAT;
        List<Callable<Completion>> tasks = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            tasks.add(() -> complete(prompt, generation, asChat));
        }
        return run(tasks);
    }

    private Completion complete(String prompt, Generation g, boolean chat) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("model", model);
        if (chat) {
            ObjectNode message = payload.putArray("messages").addObject();
            message.put("role", "user");
            message.put("content", prompt);
        } else {
            payload.put("prompt", prompt);
        }
        payload.put("max_tokens", g.maxTokens());
        payload.put("temperature", g.temperature());
        if (g.temperature() > 0) {
            payload.put("top_p", g.topP());
        }
        payload.put("seed", g.seed());
        if (!g.stop().isEmpty()) {
            g.stop().stream().limit(SERVER_STOPS).forEach(payload.putArray("stop")::add);
        }
        String endpoint = chat ? "chat/completions" : "completions";
        JsonNode answer = post(endpoint, payload);
        JsonNode choice = answer.path("choices").path(0);
        JsonNode text = chat ? choice.path("message").path("content") : choice.path("text");
        if (!text.isTextual() && !(chat && text.isNull())) { // a chat answer may have null content (a refusal)
            URI url = endpoint(endpoint);
            throw new EndpointException(url, 200, 1, "POST " + url + " answered without choices[0]."
                    + (chat ? "message.content" : "text") + ": " + excerpt(answer.toString()), null);
        }
        String out = text.isNull() ? "" : text.asText();
        Completion.Finish finish = "length".equals(choice.path("finish_reason").asText())
                ? Completion.Finish.LENGTH : Completion.Finish.STOP;
        // Servers differ on stop strings (some keep them, some allow four): cut here as the local model does.
        int cut = out.length();
        for (String stop : g.stop()) {
            int at = out.indexOf(stop);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        if (cut < out.length()) {
            out = out.substring(0, cut);
            finish = Completion.Finish.STOP;
        }
        return new Completion(out, new long[0], answer.path("usage").path("prompt_tokens").asInt(0), finish);
    }

    // ---- requests ----

    private URI endpoint(String path) {
        return URI.create(base + "/" + path);
    }

    /** Runs the tasks with at most {@code concurrency} at once; results in order, the first failure thrown. */
    private <T> List<T> run(List<Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        for (Callable<T> task : tasks) {
            futures.add(pool.submit(task));
        }
        return await(futures);
    }

    private static <T> List<T> await(List<Future<T>> futures) {
        List<T> out = new ArrayList<>(futures.size());
        try {
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the endpoint", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** POSTs {@code payload} with rate limit, timeout and retries; the answer's JSON. */
    private JsonNode post(String path, ObjectNode payload) {
        URI url = endpoint(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload.toString(), StandardCharsets.UTF_8));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest built = request.build();
        String last = null;
        int lastStatus = -1;
        Throwable lastCause = null;
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            try {
                pace();
                HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return parse(url, status, response.body());
                }
                lastStatus = status;
                last = "status " + status + ": " + excerpt(errorMessage(response.body()));
                lastCause = null;
                if (!(status == 408 || status == 429 || status >= 500)) {
                    throw new EndpointException(url, status, attempt, "POST " + url + " failed with " + last, null);
                }
                wait = retryAfter(response).orElse(backoff(attempt));
            } catch (HttpTimeoutException e) {
                lastStatus = -1;
                last = "no answer within " + timeout.toMillis() + " ms";
                lastCause = e;
                wait = backoff(attempt);
            } catch (IOException e) {
                lastStatus = -1;
                last = "connection failed: " + e;
                lastCause = e;
                wait = backoff(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EndpointException(url, -1, attempt, "POST " + url + " was interrupted", e);
            }
            if (attempt > maxRetries) {
                throw new EndpointException(url, lastStatus, attempt, "POST " + url + " failed after " + attempt
                        + (attempt == 1 ? " attempt" : " attempts") + "; last: " + last, lastCause);
            }
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EndpointException(url, lastStatus, attempt, "POST " + url + " was interrupted", e);
            }
        }
    }

    private static JsonNode parse(URI url, int status, String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.isObject() && node.has("choices")) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // reported below with the body
        }
        throw new EndpointException(url, status, 1, "POST " + url + " answered status " + status
                + " with a body that is not an OpenAI JSON answer (no \"choices\"): " + excerpt(body), null);
    }

    /** Waits for this request's turn under the rate limit: starts are spaced by 1/rate. */
    private void pace() throws InterruptedException {
        if (intervalNanos == 0) {
            return;
        }
        long wait;
        synchronized (paceLock) {
            long now = System.nanoTime();
            long start = nextStart == Long.MIN_VALUE ? now : Math.max(now, nextStart);
            nextStart = start + intervalNanos;
            wait = start - now;
        }
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /** Exponential back-off with "equal jitter": half the doubled delay fixed, half random. */
    private Duration backoff(int attempt) {
        long ceiling = initialBackoff.toMillis() << Math.min(20, attempt - 1);
        long delay = Math.min(maxBackoff.toMillis(), ceiling < 0 ? Long.MAX_VALUE : ceiling);
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    /** {@code Retry-After} in seconds or as an HTTP date, at most ten minutes. */
    static Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> header = response.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get().strip();
        Duration wait;
        try {
            wait = Duration.ofMillis((long) (Double.parseDouble(value) * 1000));
        } catch (NumberFormatException e) {
            try {
                wait = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException bad) {
                return Optional.empty();
            }
        }
        if (wait.isNegative()) {
            wait = Duration.ZERO;
        }
        return Optional.of(wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait);
    }

    /** An OpenAI error body's message, else the body itself. */
    private static String errorMessage(String body) {
        try {
            JsonNode message = JSON.readTree(body).path("error").path("message");
            if (message.isTextual()) {
                return message.asText();
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // not JSON: the body as it is
        }
        return body;
    }

    private static String excerpt(String text) {
        if (text == null) {
            return "(no body)";
        }
        String flat = text.replaceAll("\\s+", " ").strip();
        if (flat.isEmpty()) {
            return "(empty body)";
        }
        return "\"" + (flat.length() > 200 ? flat.substring(0, 200) + "…" : flat) + "\"";
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return "HttpBackend(" + name() + ", " + api + ", concurrency " + concurrency + ")";
    }
}
