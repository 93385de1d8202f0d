package org.globmed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
    static final List<String> PUBLISHED = ModelConfig.PUBLISHED;

    /**
     * A model folder holding the published config.json of {@code name} (shipped in the library's
     * resources, written from the model's released config), so reading from files is tested too.
     */
    static Path published(String name) {
        try (InputStream in = ModelConfig.class.getResourceAsStream("configs/" + name + ".json")) {
            Path folder = Files.createTempDirectory("published-config").resolve(name);
            Files.createDirectories(folder);
            Files.copy(in, folder.resolve("config.json"));
            return folder.resolve("config.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelConfig read(String name) {
        try {
            return ModelConfig.read(published(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsThePublishedConfigs() throws IOException {
        ModelConfig qwen = ModelConfig.read(published("Qwen3-8B").getParent());   // a folder works too
        assertEquals("qwen3", qwen.modelType());
        assertEquals(151936, qwen.vocabSize());
        assertEquals(4096, qwen.hiddenSize());
        assertEquals(12288, qwen.intermediateSize());
        assertEquals(36, qwen.numHiddenLayers());
        assertEquals(32, qwen.numAttentionHeads());
        assertEquals(8, qwen.numKeyValueHeads());
        assertEquals(128, qwen.headDim());
        assertEquals(1_000_000.0, qwen.ropeTheta());
        assertNull(qwen.ropeScaling());
        assertEquals(1e-6, qwen.rmsNormEps());
        assertFalse(qwen.tieWordEmbeddings());
        assertEquals(40960, qwen.maxPositionEmbeddings());
        assertEquals(151643, qwen.bosTokenId());
        assertEquals(List.of(151645), qwen.eosTokenIds());
        assertEquals("bfloat16", qwen.torchDtype());
        assertTrue(qwen.qkNorm() && !qwen.qkvBias() && !qwen.outputBias());

        ModelConfig llama = read("Llama-3.1-8B");
        assertEquals(128, llama.headDim(), "head_dim defaults to hidden / heads");
        assertEquals(new ModelConfig.RopeScaling(8, 1, 4, 8192), llama.ropeScaling());
        assertEquals(500_000.0, llama.ropeTheta());
        assertEquals(1e-5, llama.rmsNormEps());
        assertTrue(!llama.qkNorm() && !llama.qkvBias());

        ModelConfig qwen2 = read("Qwen2.5-0.5B");
        assertTrue(qwen2.qkvBias() && !qwen2.outputBias() && !qwen2.qkNorm(), "Qwen2 has bias on q, k, v only");
        assertEquals(64, qwen2.headDim());
        assertTrue(qwen2.tieWordEmbeddings());
    }

    /*
     * Parameter counts worked out by hand (V vocab, h hidden, I intermediate, L layers, H/K query/kv
     * heads, D head dim; per layer q h·HD + k,v 2·h·KD + o HD·h + MLP 3·h·I + two norms 2h; Qwen3
     * adds q/k norms 2D, Qwen2 adds q/k/v biases HD + 2KD; then the final norm h; the embedding V·h,
     * twice when untied).
     *
     * Llama-3.1-8B (V 128256, h 4096, I 14336, L 32, H 32, K 8, D 128, untied):
     *   attention 16,777,216 + 2·4,194,304 + 16,777,216 = 41,943,040; MLP 176,160,768; norms 8,192
     *   layer 218,112,000 × 32 = 6,979,584,000; + 4,096 = 6,979,588,096 non-embedding
     *   embedding 2 × 525,336,576 = 1,050,673,152; total 8,030,261,248 (the published count).
     * Qwen3-1.7B (V 151936, h 2048, I 6144, L 28, H 16, K 8, D 128, tied):
     *   attention 4,194,304 + 2·2,097,152 + 4,194,304 = 12,582,912; q/k norm 256; MLP 37,748,736;
     *   norms 4,096; layer 50,336,000 × 28 = 1,409,408,000; + 2,048 = 1,409,410,048 non-embedding
     *   embedding 311,164,928; total 1,720,574,976 (published: 1.7B, 1.4B non-embedding).
     * Qwen3-4B (h 2560, I 9728, L 36, H 32, K 8, D 128, tied):
     *   attention 10,485,760 + 2·2,621,440 + 10,485,760 = 26,214,400; norm 256; MLP 74,711,040;
     *   norms 5,120; layer 100,930,816 × 36 = 3,633,509,376; + 2,560 = 3,633,511,936
     *   embedding 388,956,160; total 4,022,468,096 (published: 4.0B, 3.6B non-embedding).
     * Qwen3-8B (h 4096, I 12288, L 36, H 32, K 8, D 128, untied):
     *   attention 41,943,040; norm 256; MLP 150,994,944; norms 8,192; layer 192,946,432 × 36
     *   = 6,946,071,552; + 4,096 = 6,946,075,648; embedding 2 × 622,329,856 = 1,244,659,712;
     *   total 8,190,735,360 (published: 8.2B, 6.95B non-embedding).
     * Qwen2.5-0.5B (h 896, I 4864, L 24, H 14, K 2, D 64, tied, q/k/v bias):
     *   attention 802,816 + 2·114,688 + 802,816 = 1,835,008; biases 896 + 2·128 = 1,152;
     *   MLP 13,074,432; norms 1,792; layer 14,912,384 × 24 = 357,897,216; + 896 = 357,898,112
     *   embedding 136,134,656; total 494,032,768 (published: 0.49B, 0.36B non-embedding).
     */
    @Test
    void publishedConfigsShipWithTheLibrary() throws IOException {
        for (String name : PUBLISHED) {
            assertEquals(ModelConfig.read(published(name)), ModelConfig.published(name), name);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.published("gpt-5"));
        assertTrue(e.getMessage().contains("no published config 'gpt-5'; known: [Qwen3-1.7B"), e.getMessage());
    }

    @Test
    void parameterCountsMatchThePublishedOnes() {
        assertCounts("Llama-3.1-8B", 8_030_261_248L, 6_979_588_096L, "8.0", "7.0");
        assertCounts("Qwen3-1.7B", 1_720_574_976L, 1_409_410_048L, "1.7", "1.4");
        assertCounts("Qwen3-4B", 4_022_468_096L, 3_633_511_936L, "4.0", "3.6");
        assertCounts("Qwen3-8B", 8_190_735_360L, 6_946_075_648L, "8.2", "6.95");
        assertCounts("Qwen2.5-0.5B", 494_032_768L, 357_898_112L, "0.49", "0.36");
    }

    /** Exact counts, and the counts in billions rounded to as many decimals as the model card gives. */
    private static void assertCounts(String name, long total, long nonEmbedding, String card, String cardNonEmb) {
        ModelConfig c = read(name);
        assertEquals(total, c.parameterCount(), name + " total");
        assertEquals(nonEmbedding, c.parameterCount() - c.embeddingParameterCount(), name + " non-embedding");
        assertEquals(card, billions(total, card), name + " total as published");
        assertEquals(cardNonEmb, billions(nonEmbedding, cardNonEmb), name + " non-embedding as published");
    }

    private static String billions(long count, String like) {
        int decimals = like.length() - like.indexOf('.') - 1;
        return new java.math.BigDecimal(count).movePointLeft(9)
                .setScale(decimals, java.math.RoundingMode.HALF_UP).toPlainString();
    }

    @Test
    void anUnsupportedFamilyIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson("{\"model_type\": \"gemma2\", \"vocab_size\": 10}"));
        assertTrue(e.getMessage().startsWith("unsupported model_type gemma2; supported: llama, qwen2, qwen3"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.builder("mistral"));
        assertTrue(e.getMessage().startsWith("unsupported model_type mistral; supported: llama, qwen2, qwen3"),
                e.getMessage());
    }

    @Test
    void aMissingOrMistypedFieldIsNamedWithItsFile(@TempDir Path dir) throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(Files.readString(published("Qwen3-4B")));
        json.remove("hidden_size");
        Path file = dir.resolve("config.json");
        Files.writeString(file, json.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.read(file));
        assertEquals("missing required field hidden_size in " + file, e.getMessage());

        json.put("hidden_size", "large");
        Files.writeString(file, json.toString());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.read(dir));
        assertEquals("field hidden_size in " + file + " must be an integer, found \"large\"", e.getMessage());

        json.put("hidden_size", 2560).put("num_key_value_heads", 7);
        Files.writeString(file, json.toString());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.read(file));
        assertEquals("num_attention_heads 32 is not a multiple of num_key_value_heads 7 (in " + file + ")",
                e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("{\"vocab_size\": 5}"));
        assertEquals("missing required field model_type in config.json text", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("{\"model_type\": "));
        assertTrue(e.getMessage().startsWith("cannot parse config.json text as JSON"), e.getMessage());
    }

    @Test
    void ropeScalingOtherThanLlama3IsRefused() throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(Files.readString(published("Llama-3.1-8B")));
        ((ObjectNode) json.get("rope_scaling")).put("rope_type", "yarn");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson(json.toString()));
        assertEquals("unsupported rope_scaling type yarn in config.json text; supported: llama3 (or no rope_scaling)",
                e.getMessage());
        ((ObjectNode) json.get("rope_scaling")).put("rope_type", "llama3").remove("factor");
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(json.toString()));
        assertEquals("missing required field rope_scaling.factor in config.json text", e.getMessage());
        // The older spelling of the type key, and "default" meaning no scaling.
        ((ObjectNode) json.get("rope_scaling")).put("factor", 8.0).remove("rope_type");
        ((ObjectNode) json.get("rope_scaling")).put("type", "llama3");
        assertEquals(8.0, ModelConfig.fromJson(json.toString()).ropeScaling().factor());
        json.set("rope_scaling", new ObjectMapper().createObjectNode().put("rope_type", "default"));
        assertNull(ModelConfig.fromJson(json.toString()).ropeScaling());
    }

    @Test
    void eosMayBeOneIdOrAList() throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(Files.readString(published("Llama-3.1-8B")));
        json.putArray("eos_token_id").add(128001).add(128008).add(128009);
        ModelConfig c = ModelConfig.fromJson(json.toString());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals(c, ModelConfig.fromJson(c.toJson()));
        json.remove("eos_token_id");
        assertEquals(List.of(), ModelConfig.fromJson(json.toString()).eosTokenIds());
    }

    /** A written config keeps every field of the one read, unmodelled ones included, with the same values. */
    @Test
    void writingKeepsEveryFieldOfTheOriginal() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        for (String name : PUBLISHED) {
            JsonNode original = mapper.readTree(Files.readString(published(name)));
            ModelConfig c = read(name);
            JsonNode written = mapper.readTree(c.toJson());
            for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) original::fields) {
                JsonNode value = written.get(field.getKey());
                JsonNode expected = field.getValue();
                assertTrue(value != null, name + ": " + field.getKey() + " was dropped");
                if (expected.isNumber()) {
                    assertEquals(expected.doubleValue(), value.doubleValue(), name + ": " + field.getKey());
                } else if (expected.isObject()) {
                    expected.fields().forEachRemaining(e ->
                            assertEquals(e.getValue().asDouble(), value.get(e.getKey()).asDouble(), e.getKey()));
                } else {
                    assertEquals(expected, value, name + ": " + field.getKey());
                }
            }
            assertEquals(c, ModelConfig.fromJson(c.toJson()), name + " round trip");
            assertEquals(c.parameterCount(), ModelConfig.fromJson(c.toJson()).parameterCount());
        }
    }

    @Test
    void tinyPresetsAreSmallAndOfTheirFamily() {
        for (ModelConfig c : List.of(ModelConfig.tinyQwen3(32_000), ModelConfig.tinyQwen2(32_000),
                ModelConfig.tinyLlama(32_000))) {
            assertTrue(c.parameterCount() > 1_000_000 && c.parameterCount() < 20_000_000, c.toString());
            assertEquals(c, ModelConfig.fromJson(c.toJson()));
        }
        // With the real vocabularies the embedding dominates: about 20M (Qwen) and 17M (Llama 3).
        assertEquals(20_235_648L, ModelConfig.tinyQwen3(151_936).parameterCount());
        assertEquals(17_204_352L, ModelConfig.tinyLlama(128_256).parameterCount());
        assertTrue(ModelConfig.tinyQwen2(64).qkvBias());
        assertTrue(ModelConfig.tinyQwen3(64).qkNorm());
        assertEquals(new ModelConfig.RopeScaling(8, 1, 4, 8192), ModelConfig.tinyLlama(64).ropeScaling());
    }

    @Test
    void theBuilderFillsHuggingFaceDefaultsAndChecksSizes() {
        ModelConfig c = ModelConfig.builder("llama").vocabSize(100).hiddenSize(64).intermediateSize(128)
                .numHiddenLayers(2).numAttentionHeads(4).build();
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(2048, c.maxPositionEmbeddings());
        assertEquals(10000.0, c.ropeTheta());
        assertFalse(c.tieWordEmbeddings());
        ModelConfig wider = c.toBuilder().hiddenSize(128).build();
        assertEquals(128, wider.hiddenSize());
        assertEquals(16, wider.headDim(), "an explicit head_dim stays");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.builder("qwen3").vocabSize(100).hiddenSize(64).build());
        assertEquals("intermediate_size must be positive, found 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.toBuilder().headDim(15).build());
        assertEquals("head_dim must be even for rotary embeddings, found 15", e.getMessage());
    }
}
