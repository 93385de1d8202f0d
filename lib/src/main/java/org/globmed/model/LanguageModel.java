package org.globmed.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A causal language model with its tokenizer, on one device: what evaluation and fine-tuning use.
 * Made by {@link Models}; close it to free its weights.
 *
 * <pre>{@code
 * try (LanguageModel lm = Models.load(Path.of("models/Qwen3-1.7B"))) {
 *     List<LogLikelihood> options = lm.logLikelihood(List.of(
 *             new LanguageModel.Continuation("Question: …\nAnswer:", " A"),
 *             new LanguageModel.Continuation("Question: …\nAnswer:", " B")));
 *     Completion answer = lm.generate("Question: …\nAnswer:", Generation.greedy(32).withStop("\n"));
 * }
 * }</pre>
 */
public final class LanguageModel implements AutoCloseable {
    /** Rows per forward pass when the caller does not say. */
    public static final int DEFAULT_BATCH_SIZE = 8;

    private final CausalLM block;
    private final ModelTokenizer tokenizer;
    private final NDManager manager;
    private final DataType dataType;
    private final Path tokenizerFolder;
    private final ParameterStore store;
    private Lora lora;

    LanguageModel(CausalLM block, ModelTokenizer tokenizer, NDManager manager, DataType dataType, Path tokenizerFolder) {
        this.block = block;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.dataType = dataType;
        this.tokenizerFolder = tokenizerFolder;
        this.store = new ParameterStore(manager, false);
    }

    /** A request for {@link #logLikelihood}: how likely is {@code continuation} right after {@code context}? */
    public record Continuation(String context, String continuation) {
        /**
         * The same text split as lm-evaluation-harness splits it: the context's trailing whitespace
         * moves to the start of the continuation (" A" is scored, not "A" after "Answer: ").
         */
        public Continuation harnessSplit() {
            int keep = context.length();
            while (keep > 0 && Character.isWhitespace(context.charAt(keep - 1))) {
                keep--;
            }
            return new Continuation(context.substring(0, keep), context.substring(keep) + continuation);
        }
    }

    public ModelConfig config() {
        return block.config();
    }

    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The type the weights are held and computed in (FLOAT32 on CPU). */
    public DataType dataType() {
        return dataType;
    }

    public long parameterCount() {
        return block.config().parameterCount();
    }

    /** The DJL block, for training. */
    public CausalLM block() {
        return block;
    }

    /** The LoRA adapters attached by {@link Lora#attach} or {@link Lora#load}, if any. */
    public java.util.Optional<Lora> lora() {
        return java.util.Optional.ofNullable(lora);
    }

    void setLora(Lora lora) {
        this.lora = lora;
    }

    /** The manager that owns the weights; arrays for this model should be made under it. */
    public NDManager manager() {
        return manager;
    }

    /** {@link #logLikelihood(List, int)} with {@link #DEFAULT_BATCH_SIZE}. */
    public List<LogLikelihood> logLikelihood(List<Continuation> requests) {
        return logLikelihood(requests, DEFAULT_BATCH_SIZE);
    }

    /**
     * The log-likelihood of each continuation given its context, tokenised as lm-evaluation-harness
     * does: the context's trailing whitespace moves to the continuation, the continuation's tokens
     * are those of context + continuation after the context's own tokens, and an empty context
     * stands as the BOS (or end) token. Results are in request order and do not depend on the
     * batch size beyond floating-point rounding.
     */
    public List<LogLikelihood> logLikelihood(List<Continuation> requests, int batchSize) {
        List<Tokens> tokens = new ArrayList<>(requests.size());
        List<String> continuations = new ArrayList<>(requests.size());
        for (Continuation r : requests) {
            tokens.add(tokenize(r));
            continuations.add(r.harnessSplit().continuation());
        }
        List<Scorer.Scored> scored = logLikelihoodOfTokens(tokens, batchSize);
        List<LogLikelihood> out = new ArrayList<>(scored.size());
        for (int i = 0; i < scored.size(); i++) {
            float[] lp = scored.get(i).logProbs();
            double sum = 0;
            for (float v : lp) {
                sum += v;
            }
            String c = continuations.get(i);
            out.add(new LogLikelihood(sum, lp, c.getBytes(StandardCharsets.UTF_8).length,
                    c.codePointCount(0, c.length()), scored.get(i).greedy()));
        }
        return out;
    }

    /** A request's tokens: the context's, then the continuation's, as {@link #logLikelihood} scores them. */
    public record Tokens(long[] context, long[] continuation) {
        public Tokens {
            if (continuation.length == 0) {
                throw new IllegalArgumentException("a continuation needs at least one token");
            }
            if (context.length == 0) {
                throw new IllegalArgumentException("a context needs at least one token (a BOS or end token when"
                        + " the text is empty)");
            }
        }
    }

    /**
     * Tokenises a request as lm-evaluation-harness does (see {@link #logLikelihood}); fine-tuning
     * uses the same split, so a model is trained on exactly the tokens it is later scored on.
     */
    public Tokens tokenize(Continuation request) {
        Continuation split = request.harnessSplit();
        String context = split.context();
        String continuation = split.continuation();
        if (context.isEmpty()) {
            return new Tokens(new long[]{startToken()}, tokenizer.encode(continuation, false));
        }
        long[] contextIds = encode(context);
        long[] whole = encode(context + continuation);
        // Tokens can merge across the boundary; when the context's tokens leave nothing of the
        // whole, the continuation is tokenised alone.
        long[] continuationIds = whole.length > contextIds.length
                ? Arrays.copyOfRange(whole, contextIds.length, whole.length)
                : tokenizer.encode(continuation, false);
        return new Tokens(contextIds, continuationIds);
    }

    /** Token-level scoring, for callers that tokenise themselves (evaluation with chat templates, training). */
    List<Scorer.Scored> logLikelihoodOfTokens(List<Tokens> requests, int batchSize) {
        return new Scorer(block, store, block.config().maxPositionEmbeddings()).score(requests, batchSize, manager);
    }

    /**
     * {@code userMessage} as the single user turn of a chat, rendered by the tokenizer's chat
     * template with the assistant's turn opened; empty when the model has no template.
     */
    public java.util.Optional<String> chatPrompt(String userMessage) {
        if (!tokenizer.hasChatTemplate()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(tokenizer.applyChatTemplate(List.of(Map.of("role", "user", "content", userMessage)),
                true));
    }

    /** Continues one prompt. */
    public Completion generate(String prompt, Generation generation) {
        return generate(List.of(prompt), generation, DEFAULT_BATCH_SIZE).get(0);
    }

    /** Continues each prompt, {@code batchSize} at a time; the results are in prompt order. */
    public List<Completion> generate(List<String> prompts, Generation generation, int batchSize) {
        List<long[]> ids = prompts.stream().map(this::encode).toList();
        return generateTokens(ids, generation, batchSize);
    }

    /** {@link #generate} from token ids. */
    public List<Completion> generateTokens(List<long[]> prompts, Generation generation, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, not " + batchSize);
        }
        Set<Long> ends = new LinkedHashSet<>(tokenizer.stopTokenIds());
        block.config().eosTokenIds().forEach(id -> ends.add(id.longValue()));
        // Configs round the vocabulary up (Qwen3: 151,936 rows for 151,669 tokens); a row with no token
        // (only an untrained model picks one) stays in the tokens but has no text.
        int known = tokenizer.vocabularySize();
        Generator generator = new Generator(block, store, ends,
                ids -> tokenizer.decode(Arrays.stream(ids).filter(id -> id < known).toArray(), true));
        List<Completion> out = new ArrayList<>(prompts.size());
        for (int start = 0; start < prompts.size(); start += batchSize) {
            out.addAll(generator.generate(prompts.subList(start, Math.min(prompts.size(), start + batchSize)),
                    generation, manager));
        }
        return out;
    }

    /**
     * The tokens of a prompt as the model expects them: with the tokenizer's own special tokens (a
     * BOS for Llama), once; text already starting with the BOS token (a rendered chat template)
     * does not get a second one.
     */
    public long[] encode(String text) {
        long[] ids = tokenizer.encode(text, true);
        Long bos = tokenizer.bosTokenId().orElse(null);
        if (bos != null && ids.length >= 2 && ids[0] == bos && ids[1] == bos) {
            return Arrays.copyOfRange(ids, 1, ids.length);
        }
        return ids;
    }

    private long startToken() {
        return tokenizer.bosTokenId().or(tokenizer::eosTokenId).orElseThrow(() -> new IllegalStateException(
                "the tokenizer has neither a BOS nor an end token to stand for an empty context"));
    }

    /** Saves in the Hugging Face layout with weights stored as this model's type (FLOAT32 or FLOAT16). */
    public void save(Path folder) throws IOException {
        save(folder, dataType);
    }

    /**
     * Saves config.json, the weights (stored as {@code storage}: FLOAT32, FLOAT16 or BFLOAT16, as
     * real checkpoints are) and the tokenizer files, so that other tools load the folder.
     */
    public void save(Path folder, DataType storage) throws IOException {
        if (lora != null) {
            throw new IllegalStateException("the model has LoRA adapters: lora().get().merge() them into the weights"
                    + " first, or save the adapters alone with lora().get().save(folder)");
        }
        Checkpoints.save(block, folder, storage, tokenizerFolder);
    }

    /**
     * A digest of the current weights (per tensor: the sum and the sum of squares, in float64, on
     * the model's device), cheap even for billions of parameters: evaluation caches key their
     * results on it, so answers of a model that has since been trained are never reused.
     */
    public String weightDigest() {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Map<String, ai.djl.ndarray.NDArray> arrays = new java.util.LinkedHashMap<>();
        block.huggingFaceParameters().forEach((name, p) -> arrays.put(name, p.getArray()));
        if (lora != null) {
            arrays.putAll(lora.arrays()); // adapted weights compute another function
        }
        for (Map.Entry<String, ai.djl.ndarray.NDArray> e : arrays.entrySet()) {
            // One scratch manager per tensor: a float64 copy and its square are four times the
            // tensor's float32 size, and held for the whole model they were four times the model
            // (measured: a LoRA run's peak memory was this digest's, not its training's).
            try (NDManager scratch = manager.newSubManager()) {
                ai.djl.ndarray.NDArray w = e.getValue().toType(DataType.FLOAT64, true);
                w.attach(scratch); // what derives from it is freed with the scratch manager
                double sum = w.sum().getDouble();
                double squares = w.square().sum().getDouble();
                sha.update((e.getKey() + ":" + sum + ":" + squares + ";").getBytes(StandardCharsets.UTF_8));
            }
        }
        return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    @Override
    public void close() {
        manager.close();
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "LanguageModel(" + block.config().modelType() + ", " + String.format("%,d", parameterCount())
                + " parameters, " + dataType + " on " + device() + ")";
    }
}
