package org.globmed.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The architecture of a decoder-only language model, as a Hugging Face {@code config.json} states
 * it: families {@code llama}, {@code qwen2} (bias on q/k/v) and {@code qwen3} (RMSNorm on q and k).
 *
 * <pre>{@code
 * ModelConfig qwen = ModelConfig.read(Path.of("Qwen3-1.7B/config.json"));
 * qwen.parameterCount();                                   // 1,720,574,976
 * ModelConfig tiny = ModelConfig.tinyQwen3(151_936);         // about 20M parameters, trains on a laptop
 * ModelConfig wider = tiny.toBuilder().hiddenSize(256).intermediateSize(768).build();
 * Files.writeString(dir.resolve("config.json"), wider.toJson());   // loads in other tools
 * }</pre>
 *
 * Fields this class does not model (e.g. {@code initializer_range}, {@code transformers_version})
 * are kept and written back by {@link #toJson()}, so a saved folder keeps its original config.
 */
public final class ModelConfig {
    /** The {@code model_type} values this implementation runs. */
    public static final List<String> SUPPORTED = List.of("llama", "qwen2", "qwen3");
    /** The published configs of {@link #published}. */
    public static final List<String> PUBLISHED = List.of("Qwen3-1.7B", "Qwen3-4B", "Qwen3-8B", "Llama-3.1-8B",
            "Qwen2.5-0.5B");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Fields read into the typed state; everything else goes to {@link #extras}. */
    private static final Set<String> MODELLED = Set.of("architectures", "model_type", "vocab_size", "hidden_size",
            "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
            "rope_theta", "rope_scaling", "rms_norm_eps", "tie_word_embeddings", "attention_bias",
            "max_position_embeddings", "bos_token_id", "eos_token_id", "torch_dtype", "dtype", "hidden_act");

    /**
     * Llama 3's frequency-dependent stretching of the rotary frequencies ({@code rope_type}
     * "llama3"): wavelengths longer than {@code originalMaxPositionEmbeddings / lowFreqFactor} are
     * divided by {@code factor}, those shorter than {@code .../highFreqFactor} kept, and the band
     * between interpolated.
     */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        public RopeScaling {
            if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)
                    || originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException("llama3 rope_scaling needs factor > 0, 0 < low_freq_factor"
                        + " < high_freq_factor and original_max_position_embeddings > 0; found factor " + factor
                        + ", low_freq_factor " + lowFreqFactor + ", high_freq_factor " + highFreqFactor
                        + ", original_max_position_embeddings " + originalMaxPositionEmbeddings);
            }
        }
    }

    private final String modelType;
    private final int vocabSize;
    private final int hiddenSize;
    private final int intermediateSize;
    private final int numHiddenLayers;
    private final int numAttentionHeads;
    private final int numKeyValueHeads;
    private final int headDim;
    private final double ropeTheta;
    private final RopeScaling ropeScaling;
    private final double rmsNormEps;
    private final boolean tieWordEmbeddings;
    private final boolean attentionBias;
    private final int maxPositionEmbeddings;
    private final Integer bosTokenId;
    private final List<Integer> eosTokenIds;
    private final String torchDtype;
    private final ObjectNode extras;

    private ModelConfig(Builder b) {
        modelType = b.modelType;
        vocabSize = b.vocabSize;
        hiddenSize = b.hiddenSize;
        intermediateSize = b.intermediateSize;
        numHiddenLayers = b.numHiddenLayers;
        numAttentionHeads = b.numAttentionHeads;
        numKeyValueHeads = b.numKeyValueHeads == null ? b.numAttentionHeads : b.numKeyValueHeads;
        headDim = b.headDim == null ? b.hiddenSize / Math.max(1, b.numAttentionHeads) : b.headDim;
        ropeTheta = b.ropeTheta;
        ropeScaling = b.ropeScaling;
        rmsNormEps = b.rmsNormEps;
        tieWordEmbeddings = b.tieWordEmbeddings;
        attentionBias = b.attentionBias;
        maxPositionEmbeddings = b.maxPositionEmbeddings == null ? defaultMaxPositions(modelType)
                : b.maxPositionEmbeddings;
        bosTokenId = b.bosTokenId;
        eosTokenIds = List.copyOf(b.eosTokenIds);
        torchDtype = b.torchDtype;
        extras = b.extras.deepCopy();
    }

    // ---- reading -------------------------------------------------------------------------------

    /** Reads a {@code config.json} file (or the one inside a model folder). */
    public static ModelConfig read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        return parse(Files.readString(file), file.toString());
    }

    /**
     * The config of a published model shipped with the library (its {@code config.json} as released):
     * {@code "Qwen3-1.7B"}, {@code "Qwen3-4B"}, {@code "Qwen3-8B"}, {@code "Llama-3.1-8B"}, {@code "Qwen2.5-0.5B"}.
     * For sizes and parameter counts without a download; the weights are not included.
     */
    public static ModelConfig published(String name) {
        try (InputStream in = ModelConfig.class.getResourceAsStream("configs/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no published config '" + name + "'; known: " + PUBLISHED);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name + " (published config)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the text of a {@code config.json}. */
    public static ModelConfig fromJson(String json) {
        return parse(json, "config.json text");
    }

    private static ModelConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot parse " + source + " as JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + " is not a JSON object");
        }
        Fields f = new Fields((ObjectNode) root, source);
        String type = f.requiredText("model_type");
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException("unsupported model_type " + type + "; supported: "
                    + String.join(", ", SUPPORTED) + " (in " + source + ")");
        }
        String act = f.optionalText("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("unsupported hidden_act " + act + " in " + source + "; supported: silu");
        }
        if (f.optionalBoolean("mlp_bias", false)) {
            throw new IllegalArgumentException("unsupported mlp_bias true in " + source + "; supported: false");
        }
        if (f.optionalBoolean("use_sliding_window", false)) {
            throw new IllegalArgumentException("unsupported use_sliding_window true in " + source
                    + "; sliding-window attention is not implemented");
        }
        Builder b = builder(type)
                .vocabSize(f.requiredInt("vocab_size"))
                .hiddenSize(f.requiredInt("hidden_size"))
                .intermediateSize(f.requiredInt("intermediate_size"))
                .numHiddenLayers(f.requiredInt("num_hidden_layers"))
                .numAttentionHeads(f.requiredInt("num_attention_heads"))
                .ropeTheta(f.optionalDouble("rope_theta", 10000.0))
                .rmsNormEps(f.optionalDouble("rms_norm_eps", 1e-6))
                .tieWordEmbeddings(f.optionalBoolean("tie_word_embeddings", false))
                .attentionBias(f.optionalBoolean("attention_bias", false))
                .ropeScaling(ropeScaling(root.get("rope_scaling"), source));
        if (f.has("num_key_value_heads")) {
            b.numKeyValueHeads(f.requiredInt("num_key_value_heads"));
        }
        if (f.has("head_dim")) {
            b.headDim(f.requiredInt("head_dim"));
        }
        if (f.has("max_position_embeddings")) {
            b.maxPositionEmbeddings(f.requiredInt("max_position_embeddings"));
        }
        if (f.has("bos_token_id")) {
            b.bosTokenId(f.requiredInt("bos_token_id"));
        }
        b.eosTokenIds(f.intOrList("eos_token_id"));
        // Newer transformers write "dtype" instead of "torch_dtype".
        b.torchDtype(f.optionalText("torch_dtype", f.optionalText("dtype", null)));
        ObjectNode extras = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!MODELLED.contains(e.getKey())) {
                extras.set(e.getKey(), e.getValue());
            }
        }
        b.extras = extras;
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (in " + source + ")", e);
        }
    }

    private static RopeScaling ropeScaling(JsonNode node, String source) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("field rope_scaling in " + source + " must be an object or null");
        }
        Fields f = new Fields((ObjectNode) node, source);
        // Older configs name the type "type", newer ones "rope_type".
        String type = f.optionalText("rope_type", f.optionalText("type", "default"));
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("llama3")) {
            throw new IllegalArgumentException("unsupported rope_scaling type " + type + " in " + source
                    + "; supported: llama3 (or no rope_scaling)");
        }
        return new RopeScaling(f.requiredDouble("rope_scaling.factor"),
                f.requiredDouble("rope_scaling.low_freq_factor"),
                f.requiredDouble("rope_scaling.high_freq_factor"),
                f.requiredInt("rope_scaling.original_max_position_embeddings"));
    }

    /** Typed access to the fields of one JSON object, with errors that name the field and the file. */
    private record Fields(ObjectNode node, String source) {
        boolean has(String name) {
            JsonNode v = node.get(local(name));
            return v != null && !v.isNull();
        }

        JsonNode required(String name) {
            if (!has(name)) {
                throw new IllegalArgumentException("missing required field " + name + " in " + source);
            }
            return node.get(local(name));
        }

        String requiredText(String name) {
            JsonNode v = required(name);
            if (!v.isTextual()) {
                throw wrongType(name, "a string", v);
            }
            return v.textValue();
        }

        String optionalText(String name, String fallback) {
            return has(name) ? requiredText(name) : fallback;
        }

        int requiredInt(String name) {
            JsonNode v = required(name);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw wrongType(name, "an integer", v);
            }
            return v.intValue();
        }

        double requiredDouble(String name) {
            JsonNode v = required(name);
            if (!v.isNumber()) {
                throw wrongType(name, "a number", v);
            }
            return v.doubleValue();
        }

        double optionalDouble(String name, double fallback) {
            return has(name) ? requiredDouble(name) : fallback;
        }

        boolean optionalBoolean(String name, boolean fallback) {
            if (!has(name)) {
                return fallback;
            }
            JsonNode v = node.get(local(name));
            if (!v.isBoolean()) {
                throw wrongType(name, "true or false", v);
            }
            return v.booleanValue();
        }

        /** A token id field that may hold one id or a list of them (eos_token_id). */
        List<Integer> intOrList(String name) {
            if (!has(name)) {
                return List.of();
            }
            JsonNode v = node.get(local(name));
            if (v.isArray()) {
                List<Integer> ids = new ArrayList<>();
                for (JsonNode e : v) {
                    if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                        throw wrongType(name, "an integer or a list of integers", v);
                    }
                    ids.add(e.intValue());
                }
                return ids;
            }
            return List.of(requiredInt(name));
        }

        private IllegalArgumentException wrongType(String name, String expected, JsonNode found) {
            return new IllegalArgumentException("field " + name + " in " + source + " must be " + expected
                    + ", found " + found);
        }

        private static String local(String name) {
            return name.substring(name.lastIndexOf('.') + 1);
        }
    }

    // ---- writing -------------------------------------------------------------------------------

    /**
     * The {@code config.json} text, with Hugging Face field names and sorted keys (as
     * transformers writes them), including the fields this class keeps but does not model.
     */
    public String toJson() {
        Map<String, JsonNode> out = new TreeMap<>();
        extras.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        JsonNodeFactory n = JsonNodeFactory.instance;
        out.put("architectures", n.arrayNode().add(architecture()));
        out.put("model_type", n.textNode(modelType));
        out.put("vocab_size", n.numberNode(vocabSize));
        out.put("hidden_size", n.numberNode(hiddenSize));
        out.put("intermediate_size", n.numberNode(intermediateSize));
        out.put("num_hidden_layers", n.numberNode(numHiddenLayers));
        out.put("num_attention_heads", n.numberNode(numAttentionHeads));
        out.put("num_key_value_heads", n.numberNode(numKeyValueHeads));
        out.put("head_dim", n.numberNode(headDim));
        out.put("hidden_act", n.textNode("silu"));
        out.put("rope_theta", n.numberNode(ropeTheta));
        out.put("rope_scaling", ropeScaling == null ? n.nullNode() : n.objectNode()
                .put("rope_type", "llama3")
                .put("factor", ropeScaling.factor())
                .put("low_freq_factor", ropeScaling.lowFreqFactor())
                .put("high_freq_factor", ropeScaling.highFreqFactor())
                .put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings()));
        out.put("rms_norm_eps", n.numberNode(rmsNormEps));
        out.put("tie_word_embeddings", n.booleanNode(tieWordEmbeddings));
        if (!modelType.equals("qwen2") || attentionBias) {
            // Qwen2's config has no such field: its q/k/v bias is part of the architecture.
            out.put("attention_bias", n.booleanNode(attentionBias));
        }
        out.put("max_position_embeddings", n.numberNode(maxPositionEmbeddings));
        if (bosTokenId != null) {
            out.put("bos_token_id", n.numberNode(bosTokenId));
        }
        if (eosTokenIds.size() == 1) {
            out.put("eos_token_id", n.numberNode(eosTokenIds.get(0)));
        } else if (!eosTokenIds.isEmpty()) {
            ArrayNode ids = n.arrayNode();
            eosTokenIds.forEach(ids::add);
            out.put("eos_token_id", ids);
        }
        if (torchDtype != null) {
            out.put("torch_dtype", n.textNode(torchDtype));
        }
        ObjectNode root = n.objectNode();
        out.forEach(root::set);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String architecture() {
        return switch (modelType) {
            case "llama" -> "LlamaForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "Qwen3ForCausalLM";
        };
    }

    // ---- sizes ---------------------------------------------------------------------------------

    /** Every parameter: embeddings, all layers, the final norm and the output head when untied. */
    public long parameterCount() {
        long h = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long attention = h * q + 2 * h * kv + q * h;
        if (qkvBias()) {
            attention += q + 2 * kv;
        }
        if (outputBias()) {
            attention += h;
        }
        if (qkNorm()) {
            attention += 2L * headDim;
        }
        long mlp = 3 * h * intermediateSize;
        long norms = 2 * h;
        long layer = attention + mlp + norms;
        return embeddingParameterCount() + numHiddenLayers * layer + h;
    }

    /**
     * The token embedding, plus the output head when it is a separate matrix; the "non-embedding"
     * count that model cards quote is {@code parameterCount() - embeddingParameterCount()}.
     */
    public long embeddingParameterCount() {
        long table = (long) vocabSize * hiddenSize;
        return tieWordEmbeddings ? table : 2 * table;
    }

    // ---- presets -------------------------------------------------------------------------------

    /**
     * A small Qwen3-shaped model (4 layers, width 128, 4 query and 2 key/value heads of 32, q/k
     * norm, tied head): about 0.8M parameters plus {@code 128 × vocabSize}, e.g. 20M with Qwen3's
     * vocabulary; it trains from scratch on a laptop CPU.
     */
    public static ModelConfig tinyQwen3(int vocabSize) {
        return tiny("qwen3", vocabSize);
    }

    /** {@link #tinyQwen3}'s sizes as a Qwen2 model (bias on q/k/v, no q/k norm). */
    public static ModelConfig tinyQwen2(int vocabSize) {
        return tiny("qwen2", vocabSize);
    }

    /**
     * {@link #tinyQwen3}'s sizes as a Llama 3 model: rope theta 500000 with llama3 rope scaling, as
     * in Llama 3.1/3.2, and a tied head as in Llama 3.2 1B. With Llama 3's vocabulary (128,256)
     * about 17M parameters.
     */
    public static ModelConfig tinyLlama(int vocabSize) {
        return tiny("llama", vocabSize);
    }

    /** A tiny model of the given family; see {@link #tinyQwen3}. */
    public static ModelConfig tiny(String modelType, int vocabSize) {
        Builder b = builder(modelType).vocabSize(vocabSize).hiddenSize(128).intermediateSize(384)
                .numHiddenLayers(4).numAttentionHeads(4).numKeyValueHeads(2).headDim(32)
                .rmsNormEps(1e-6).tieWordEmbeddings(true).maxPositionEmbeddings(4096).torchDtype("float32");
        if (modelType.equals("llama")) {
            b.ropeTheta(500_000).ropeScaling(new RopeScaling(8, 1, 4, 8192));
        } else {
            b.ropeTheta(1_000_000);
        }
        return b.build();
    }

    // ---- accessors -----------------------------------------------------------------------------

    /** "llama", "qwen2" or "qwen3". */
    public String modelType() {
        return modelType;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    public int numHiddenLayers() {
        return numHiddenLayers;
    }

    public int numAttentionHeads() {
        return numAttentionHeads;
    }

    public int numKeyValueHeads() {
        return numKeyValueHeads;
    }

    public int headDim() {
        return headDim;
    }

    public double ropeTheta() {
        return ropeTheta;
    }

    /** The llama3 rope scaling, or null when frequencies are used as they are. */
    public RopeScaling ropeScaling() {
        return ropeScaling;
    }

    public double rmsNormEps() {
        return rmsNormEps;
    }

    /** Whether the output head reuses the token embedding matrix. */
    public boolean tieWordEmbeddings() {
        return tieWordEmbeddings;
    }

    /** The config's {@code attention_bias} field (Qwen2 has bias on q/k/v regardless: {@link #qkvBias()}). */
    public boolean attentionBias() {
        return attentionBias;
    }

    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    /** The beginning-of-sequence token id, or null when the config names none. */
    public Integer bosTokenId() {
        return bosTokenId;
    }

    /** The end-of-sequence token ids (a config may give one id or several); possibly empty. */
    public List<Integer> eosTokenIds() {
        return eosTokenIds;
    }

    /** The checkpoint's stored dtype ("bfloat16", "float32", ...), or null when the config names none. */
    public String torchDtype() {
        return torchDtype;
    }

    /** Whether q, k and v projections have a bias: always for Qwen2, else when {@code attention_bias}. */
    public boolean qkvBias() {
        return modelType.equals("qwen2") || attentionBias;
    }

    /** Whether the output projection has a bias: Llama and Qwen3 put {@code attention_bias} on o_proj too, Qwen2 never. */
    public boolean outputBias() {
        return attentionBias && !modelType.equals("qwen2");
    }

    /** Whether queries and keys get a per-head RMSNorm before the rotary embedding (Qwen3). */
    public boolean qkNorm() {
        return modelType.equals("qwen3");
    }

    /** A builder holding this configuration, to derive a variant. */
    public Builder toBuilder() {
        Builder b = builder(modelType).vocabSize(vocabSize).hiddenSize(hiddenSize)
                .intermediateSize(intermediateSize).numHiddenLayers(numHiddenLayers)
                .numAttentionHeads(numAttentionHeads).numKeyValueHeads(numKeyValueHeads).headDim(headDim)
                .ropeTheta(ropeTheta).ropeScaling(ropeScaling).rmsNormEps(rmsNormEps)
                .tieWordEmbeddings(tieWordEmbeddings).attentionBias(attentionBias)
                .maxPositionEmbeddings(maxPositionEmbeddings).eosTokenIds(eosTokenIds).torchDtype(torchDtype);
        b.bosTokenId = bosTokenId;
        b.extras = extras.deepCopy();
        return b;
    }

    /** A builder for custom sizes; the family is required, then at least the five sizes. */
    public static Builder builder(String modelType) {
        if (modelType == null || !SUPPORTED.contains(modelType)) {
            throw new IllegalArgumentException("unsupported model_type " + modelType + "; supported: "
                    + String.join(", ", SUPPORTED));
        }
        return new Builder(modelType);
    }

    private static int defaultMaxPositions(String modelType) {
        // Hugging Face's defaults when the field is absent.
        return modelType.equals("llama") ? 2048 : 32768;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && c.toJson().equals(toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return String.format("%s: %d layers, hidden %d, intermediate %d, heads %d/%d of %d, vocab %d, %s head,"
                        + " %,d parameters", modelType, numHiddenLayers, hiddenSize, intermediateSize,
                numAttentionHeads, numKeyValueHeads, headDim, vocabSize, tieWordEmbeddings ? "tied" : "untied",
                parameterCount());
    }

    /**
     * Options of a {@link ModelConfig}. Vocabulary, hidden and intermediate size, layer and head
     * count are required; key/value heads default to the query heads, head dimension to hidden /
     * heads, the rest to Hugging Face's defaults.
     */
    public static final class Builder {
        private final String modelType;
        private int vocabSize;
        private int hiddenSize;
        private int intermediateSize;
        private int numHiddenLayers;
        private int numAttentionHeads;
        private Integer numKeyValueHeads;
        private Integer headDim;
        private double ropeTheta = 10000.0;
        private RopeScaling ropeScaling;
        private double rmsNormEps = 1e-6;
        private boolean tieWordEmbeddings;
        private boolean attentionBias;
        private Integer maxPositionEmbeddings;
        private Integer bosTokenId;
        private List<Integer> eosTokenIds = List.of();
        private String torchDtype = "float32";
        private ObjectNode extras = JsonNodeFactory.instance.objectNode();

        private Builder(String modelType) {
            this.modelType = modelType;
        }

        public Builder vocabSize(int v) {
            vocabSize = v;
            return this;
        }

        public Builder hiddenSize(int v) {
            hiddenSize = v;
            return this;
        }

        public Builder intermediateSize(int v) {
            intermediateSize = v;
            return this;
        }

        public Builder numHiddenLayers(int v) {
            numHiddenLayers = v;
            return this;
        }

        public Builder numAttentionHeads(int v) {
            numAttentionHeads = v;
            return this;
        }

        public Builder numKeyValueHeads(int v) {
            numKeyValueHeads = v;
            return this;
        }

        public Builder headDim(int v) {
            headDim = v;
            return this;
        }

        public Builder ropeTheta(double v) {
            ropeTheta = v;
            return this;
        }

        /** Llama 3 rope scaling, or null for none. */
        public Builder ropeScaling(RopeScaling v) {
            ropeScaling = v;
            return this;
        }

        public Builder rmsNormEps(double v) {
            rmsNormEps = v;
            return this;
        }

        public Builder tieWordEmbeddings(boolean v) {
            tieWordEmbeddings = v;
            return this;
        }

        public Builder attentionBias(boolean v) {
            attentionBias = v;
            return this;
        }

        public Builder maxPositionEmbeddings(int v) {
            maxPositionEmbeddings = v;
            return this;
        }

        public Builder bosTokenId(int v) {
            bosTokenId = v;
            return this;
        }

        public Builder eosTokenIds(List<Integer> v) {
            eosTokenIds = List.copyOf(v);
            return this;
        }

        /** The dtype recorded in config.json ("float32", "bfloat16", ...); null to leave it out. */
        public Builder torchDtype(String v) {
            torchDtype = v;
            return this;
        }

        /** Checks the sizes fit together; messages use the config.json field names. */
        public ModelConfig build() {
            positive("vocab_size", vocabSize);
            positive("hidden_size", hiddenSize);
            positive("intermediate_size", intermediateSize);
            positive("num_hidden_layers", numHiddenLayers);
            positive("num_attention_heads", numAttentionHeads);
            int kv = numKeyValueHeads == null ? numAttentionHeads : numKeyValueHeads;
            positive("num_key_value_heads", kv);
            if (numAttentionHeads % kv != 0) {
                throw new IllegalArgumentException("num_attention_heads " + numAttentionHeads
                        + " is not a multiple of num_key_value_heads " + kv);
            }
            if (headDim == null && hiddenSize % numAttentionHeads != 0) {
                throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of"
                        + " num_attention_heads " + numAttentionHeads + "; give head_dim");
            }
            int d = headDim == null ? hiddenSize / numAttentionHeads : headDim;
            positive("head_dim", d);
            if (d % 2 != 0) {
                throw new IllegalArgumentException("head_dim must be even for rotary embeddings, found " + d);
            }
            if (!(ropeTheta > 0) || !(rmsNormEps > 0)) {
                throw new IllegalArgumentException("rope_theta and rms_norm_eps must be positive, found "
                        + ropeTheta + " and " + rmsNormEps);
            }
            if (maxPositionEmbeddings != null) {
                positive("max_position_embeddings", maxPositionEmbeddings);
            }
            return new ModelConfig(this);
        }

        private static void positive(String field, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(field + " must be positive, found " + value);
            }
        }
    }
}
