package org.globmed.model;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The tokenizer of a Hugging Face model folder: {@code tokenizer.json} through the Hugging Face
 * tokenizers library (DJL's binding, offline), and the special tokens and chat template of
 * {@code tokenizer_config.json} when the folder has one.
 *
 * <pre>{@code
 * try (ModelTokenizer tokenizer = ModelTokenizer.load(Path.of("models/Qwen3-1.7B"))) {
 *     String prompt = tokenizer.applyChatTemplate(List.of(Map.of("role", "user", "content", "¿Qué es la fiebre?")), true);
 *     long[] ids = tokenizer.encode(prompt);
 * }
 * }</pre>
 *
 * <p>{@link #encode(String)} adds no special tokens: whether a sequence starts with BOS is the
 * caller's decision (a chat template writes its own). Text that spells a special token, such as
 * {@code <|im_start|>} in a rendered prompt, encodes to that token's id. {@link #decode(long[])}
 * returns the text exactly, without the "clean up tokenization spaces" pass of Python
 * {@code transformers}, which would turn {@code "5 , 6"} into {@code "5, 6"}.
 *
 * <p>Special tokens are read from {@code tokenizer_config.json}: {@code bos_token},
 * {@code eos_token}, {@code pad_token}, each a string or a {@code {"content": ...}} object, with
 * their ids from its {@code added_tokens_decoder} (else from the added tokens of
 * {@code tokenizer.json}, else the vocabulary). {@link #stopTokenIds()} says where generation ends.
 *
 * <p>The chat template is {@code chat_template.jinja} of the folder when present (the layout of newer
 * {@code transformers}), else the {@code chat_template} of {@code tokenizer_config.json} (its
 * {@code "default"} entry when it holds named templates). It is rendered with Jinjava the way
 * {@code transformers} renders it with Jinja2, with a fixed date for {@code strftime_now} so the same
 * messages always give the same prompt; see {@link #applyChatTemplate(List, boolean, LocalDate)}.
 *
 * <p>Close it to free the native tokenizer.
 */
public final class ModelTokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");
    /** Tokens that close a chat turn; a stop token when the template writes it. */
    static final List<String> END_OF_TURN = List.of("<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>");
    /** Tokens that end a document; a stop token when the tokenizer has it as an added token. */
    static final List<String> END_OF_TEXT = List.of("<|endoftext|>", "<|end_of_text|>", "</s>");

    private final Path folder;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabularySize;
    private final String bosToken;
    private final String eosToken;
    private final Long bosId;
    private final Long eosId;
    private final Long padId;
    private final List<Long> stopTokenIds;
    private final ChatTemplate chatTemplate;
    private final String noTemplateReason;
    private volatile boolean closed;

    private ModelTokenizer(Path folder, HuggingFaceTokenizer tokenizer, Vocabulary vocabulary, JsonNode config,
                           String template, String noTemplateReason) {
        this.folder = folder;
        this.tokenizer = tokenizer;
        this.vocabularySize = vocabulary.size;
        Map<String, Long> decoder = new HashMap<>();
        if (config != null) {
            config.path("added_tokens_decoder").properties().forEach(e -> {
                String content = e.getValue().path("content").asText(null);
                if (content != null) {
                    decoder.putIfAbsent(content, Long.parseLong(e.getKey()));
                }
            });
        }
        this.bosToken = token(config, "bos_token");
        this.eosToken = token(config, "eos_token");
        this.bosId = idOf(bosToken, decoder, vocabulary);
        this.eosId = idOf(eosToken, decoder, vocabulary);
        this.padId = idOf(token(config, "pad_token"), decoder, vocabulary);
        this.chatTemplate = template == null ? null : new ChatTemplate(template);
        this.noTemplateReason = noTemplateReason;
        Set<Long> stops = new LinkedHashSet<>();
        if (eosId != null) {
            stops.add(eosId);
        }
        for (String marker : END_OF_TURN) {
            Long id = template != null && template.contains(marker) ? idOf(marker, decoder, vocabulary) : null;
            if (id != null) {
                stops.add(id);
            }
        }
        for (String marker : END_OF_TEXT) {
            Long id = decoder.containsKey(marker) ? decoder.get(marker) : vocabulary.added.get(marker);
            if (id != null) {
                stops.add(id);
            }
        }
        this.stopTokenIds = List.copyOf(stops);
    }

    /**
     * The tokenizer of the model folder {@code folder}.
     *
     * @throws IllegalArgumentException when the folder has no {@code tokenizer.json}, or a file in it is
     *                                  not what its name says (the message names the file)
     * @throws UncheckedIOException     when a file cannot be read
     * @throws IllegalStateException    when the tokenizers native library cannot be loaded
     */
    public static ModelTokenizer load(Path folder) {
        Objects.requireNonNull(folder, "model folder");
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("the model folder " + folder + (Files.exists(folder)
                    ? " is a file; expected the folder holding tokenizer.json" : " does not exist"));
        }
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the model folder " + folder + " has no tokenizer.json; expected a "
                    + "Hugging Face model folder (tokenizer.json, and tokenizer_config.json for special tokens and the "
                    + "chat template)");
        }
        JsonNode config = null;
        Path configFile = folder.resolve("tokenizer_config.json");
        if (Files.isRegularFile(configFile)) {
            config = readJson(configFile);
        }
        String template = null;
        String noTemplateReason;
        Path jinja = folder.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            template = read(jinja);
            noTemplateReason = null;
        } else if (config == null) {
            noTemplateReason = "has no tokenizer_config.json (nor chat_template.jinja)";
        } else {
            template = templateOf(config.get("chat_template"));
            noTemplateReason = "has a tokenizer_config.json without a chat_template (and no chat_template.jinja)";
        }
        HuggingFaceTokenizer tokenizer = openFile(file);
        try {
            return new ModelTokenizer(folder, tokenizer, Vocabulary.scan(file), config, template, noTemplateReason);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The ids of {@code text}, without special tokens. */
    public long[] encode(String text) {
        return encode(text, false);
    }

    /**
     * The ids of {@code text}; with {@code addSpecialTokens} the tokenizer's post-processor adds its
     * special tokens (Llama 3's {@code <|begin_of_text|>}; nothing for Qwen3).
     */
    public long[] encode(String text, boolean addSpecialTokens) {
        Objects.requireNonNull(text, "text");
        return open().encode(text, addSpecialTokens, false).getIds();
    }

    /** The text of {@code ids}, special tokens included. */
    public String decode(long[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}, leaving out special tokens when {@code skipSpecialTokens}.
     *
     * @throws IllegalArgumentException when an id is outside the vocabulary
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        Objects.requireNonNull(ids, "ids");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabularySize) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is outside the "
                        + "vocabulary of " + folder + " (ids 0.." + (vocabularySize - 1) + ")");
            }
        }
        return open().decode(ids, skipSpecialTokens);
    }

    /**
     * The number of token ids: one more than the highest id of the vocabulary and added tokens. The
     * embedding matrix of a model may have more rows (Qwen3 pads its 151,669 ids to 151,936).
     */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** The id of the beginning-of-sequence token named in tokenizer_config.json (Qwen3 has none). */
    public Optional<Long> bosTokenId() {
        return Optional.ofNullable(bosId);
    }

    /** The id of the end-of-sequence token named in tokenizer_config.json. */
    public Optional<Long> eosTokenId() {
        return Optional.ofNullable(eosId);
    }

    /**
     * The id of the padding token named in tokenizer_config.json. Llama 3.1 names none; the model
     * code then picks one (the attention mask hides it), this class does not guess.
     */
    public Optional<Long> padTokenId() {
        return Optional.ofNullable(padId);
    }

    /**
     * The ids at which generation stops, EOS first: the EOS token; the end-of-turn tokens the chat
     * template writes ({@code <|im_end|>}, {@code <|eot_id|>}, {@code <|eom_id|>}, {@code <end_of_turn>},
     * {@code <|end|>}), since a chat model ends its answer with them; and the end-of-document tokens the
     * tokenizer has as added tokens ({@code <|endoftext|>}, {@code <|end_of_text|>}, {@code </s>}), since
     * nothing sensible follows them. For Qwen3 this gives {@code <|im_end|>, <|endoftext|>} and for
     * Llama 3.1 {@code <|eot_id|>, <|end_of_text|>}, the ids of their generation configs.
     */
    public List<Long> stopTokenIds() {
        return stopTokenIds;
    }

    /** Whether the folder has a chat template. */
    public boolean hasChatTemplate() {
        return chatTemplate != null;
    }

    /**
     * The chat prompt for {@code messages}, dated {@link ChatTemplate#DEFAULT_DATE 26 Jul 2024} for
     * templates that ask {@code strftime_now}; see {@link #applyChatTemplate(List, boolean, LocalDate)}.
     */
    public String applyChatTemplate(List<Map<String, String>> messages, boolean addGenerationPrompt) {
        return applyChatTemplate(messages, addGenerationPrompt, ChatTemplate.DEFAULT_DATE);
    }

    /**
     * The chat prompt for {@code messages}, as {@code transformers}' {@code apply_chat_template(messages,
     * tokenize=False, add_generation_prompt=...)} renders it. Each message has a {@code role} and a
     * {@code content}; other keys (such as {@code reasoning_content}) reach the template as they are.
     * The template sees {@code messages}, {@code add_generation_prompt}, {@code bos_token},
     * {@code eos_token}, {@code raise_exception(message)} and {@code strftime_now(format)}, which formats
     * {@code date} rather than today (Llama 3.1 writes "Today Date: 26 Jul 2024" from it).
     *
     * @throws IllegalStateException    when the folder has no chat template (the message names the folder),
     *                                  or the template cannot be rendered
     * @throws IllegalArgumentException when a message lacks a role or content, or the template rejects the
     *                                  conversation through {@code raise_exception} (its message is kept)
     */
    public String applyChatTemplate(List<Map<String, String>> messages, boolean addGenerationPrompt, LocalDate date) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(date, "date");
        if (chatTemplate == null) {
            throw new IllegalStateException("the model folder " + folder + " " + noTemplateReason
                    + ", so it has no chat template to apply; format the prompt yourself or add the model's "
                    + "tokenizer_config.json");
        }
        for (int i = 0; i < messages.size(); i++) {
            Map<String, String> m = messages.get(i);
            if (m == null || m.get("role") == null || m.get("content") == null) {
                throw new IllegalArgumentException("message " + i + " needs a role and a content, got " + m);
            }
        }
        try {
            return chatTemplate.render(messages, addGenerationPrompt, bosToken, eosToken, date);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the chat template of " + folder + " rejects the messages: "
                    + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the chat template of " + folder + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "ModelTokenizer[" + folder + ", " + vocabularySize + " ids"
                + (chatTemplate == null ? "" : ", chat template") + "]";
    }

    private HuggingFaceTokenizer open() {
        if (closed) {
            throw new IllegalStateException("the tokenizer of " + folder + " is closed");
        }
        return tokenizer;
    }

    // ---- reading the folder ----

    /**
     * Opens a tokenizer.json as this class and tokenizer fertility use it: no special tokens, no
     * truncation, no padding; DJL's telemetry call off; errors that name the file and the fix.
     */
    public static HuggingFaceTokenizer openFile(Path file) {
        if (!Files.isReadable(file)) {
            throw new UncheckedIOException(new IOException("cannot read the tokenizer file " + file
                    + ": permission denied"));
        }
        // DJL calls home (the EC2 metadata address, then its telemetry bucket) on the first tokenizer
        // of a JVM unless told not to; a research tool makes no network calls the user did not ask for.
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        try {
            return HuggingFaceTokenizer.newInstance(file, OPTIONS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer file " + file + ": " + e.getMessage(), e);
        } catch (EngineException e) {
            throw new IllegalStateException("the Hugging Face tokenizers native library could not be loaded ("
                    + e.getMessage() + "); DJL extracts it to $DJL_CACHE_DIR/tokenizers (default ~/.djl.ai): make sure "
                    + "that folder is writable, or set DJL_CACHE_DIR to one that is", e);
        } catch (RuntimeException e) {
            // The Rust library reports a malformed file as a plain RuntimeException with serde's message.
            throw new IllegalArgumentException(file + " is not a tokenizer.json the Hugging Face tokenizers library can "
                    + "load (" + e.getMessage() + "); expected the tokenizer.json of a Hugging Face model folder, "
                    + "a JSON object with \"model\", \"normalizer\", \"pre_tokenizer\" and \"added_tokens\"", e);
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(file + " is not a JSON object; expected a Hugging Face "
                        + "tokenizer_config.json");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + " is not valid JSON (" + e.getOriginalMessage()
                    + "); expected a Hugging Face tokenizer_config.json", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A chat_template value: the template itself, or the "default" of a list of named templates. */
    private static String templateOf(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.asText();
        }
        for (JsonNode named : value) {
            if ("default".equals(named.path("name").asText())) {
                return named.path("template").asText(null);
            }
        }
        return null;
    }

    /** A special token of the config: a string, or an object with its content; null when absent. */
    private static String token(JsonNode config, String field) {
        JsonNode value = config == null ? null : config.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isObject() ? value.path("content").asText(null) : value.asText();
    }

    private Long idOf(String token, Map<String, Long> decoder, Vocabulary vocabulary) {
        if (token == null) {
            return null;
        }
        Long id = decoder.containsKey(token) ? decoder.get(token) : vocabulary.added.get(token);
        if (id != null) {
            return id;
        }
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? ids[0] : null;
    }

    /** What tokenizer.json says about ids, read as a stream: its vocabulary files run to megabytes. */
    private record Vocabulary(int size, Map<String, Long> added) {
        static Vocabulary scan(Path file) {
            long highest = -1;
            Map<String, Long> added = new HashMap<>();
            try (JsonParser p = JSON.getFactory().createParser(file.toFile())) {
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("added_tokens") && value == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            JsonNode token = p.readValueAsTree();
                            long id = token.path("id").asLong(-1);
                            added.putIfAbsent(token.path("content").asText(), id);
                            highest = Math.max(highest, id);
                        }
                    } else if (field.equals("model") && value == JsonToken.START_OBJECT) {
                        highest = Math.max(highest, highestModelId(p));
                    } else {
                        p.skipChildren();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the tokenizer file " + file + ": " + e.getMessage(), e);
            }
            return new Vocabulary((int) (highest + 1), Map.copyOf(added));
        }

        /** The highest id of model.vocab: a token-to-id object (BPE, WordPiece) or a list of pieces (Unigram). */
        private static long highestModelId(JsonParser p) throws IOException {
            long highest = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("vocab") && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        p.nextToken();
                        highest = Math.max(highest, p.getLongValue());
                    }
                } else if (field.equals("vocab") && value == JsonToken.START_ARRAY) {
                    long pieces = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        pieces++;
                    }
                    highest = Math.max(highest, pieces - 1);
                } else {
                    p.skipChildren();
                }
            }
            return highest;
        }
    }
}
