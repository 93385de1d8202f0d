package org.globmed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL decoder against an independent PyTorch implementation of the same architectures
 * ({@code src/test/python/hf_reference.py}, written from the Hugging Face modeling semantics and
 * run by Debian's python3-torch): a tiny random checkpoint is written in the Hugging Face layout
 * (float32 and bf16), loaded by {@link Models#load} and by the reference, and both compute logits
 * for the same left-padded batch and greedy continuations.
 */
class ReferenceDecoderTest {
    private static final Path REFERENCE = Path.of("src/test/python/hf_reference.py");
    private static final String PYTHON = "/usr/bin/python3";
    private static final int VOCAB = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * Small, but with every feature: GQA, llama3 rope scaling, Llama's attention bias (q/k/v/o),
     * Qwen2's q/k/v bias, Qwen3's q/k norm, tied and separate heads.
     */
    static Stream<Arguments> checkpoints() {
        ModelConfig llama = Models.config("llama").vocabSize(VOCAB).hiddenSize(64).intermediateSize(160)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).headDim(16).ropeTheta(500_000)
                .ropeScaling(new ModelConfig.RopeScaling(8, 1, 4, 64)).rmsNormEps(1e-5).tieWordEmbeddings(false)
                .attentionBias(true)
                .maxPositionEmbeddings(512).build();
        ModelConfig qwen2 = Models.config("qwen2").vocabSize(VOCAB).hiddenSize(64).intermediateSize(160)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(1).ropeTheta(1_000_000).rmsNormEps(1e-6)
                .tieWordEmbeddings(true).maxPositionEmbeddings(512).build();
        ModelConfig qwen3 = Models.config("qwen3").vocabSize(VOCAB).hiddenSize(64).intermediateSize(160)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).headDim(32).ropeTheta(1_000_000)
                .rmsNormEps(1e-6).tieWordEmbeddings(true).maxPositionEmbeddings(512).build();
        List<Arguments> out = new ArrayList<>();
        for (ModelConfig c : List.of(llama, qwen2, qwen3)) {
            out.add(Arguments.of(c, DataType.FLOAT32));
            out.add(Arguments.of(c, DataType.BFLOAT16));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} stored as {1}")
    @MethodSource("checkpoints")
    void logitsAndGreedyTokensMatchTheReference(ModelConfig config, DataType storage) throws Exception {
        Path model = dir.resolve("model");
        writeRandomCheckpoint(config, storage, model, 11);
        long[][] rows = {
                {ByteTokenizer.VOCABULARY - 1, 5, 17, 3, 42, 8, 8, 61, 30, 2, 11, 120, 7},
                {0, 0, 0, 0, 0, 9, 23, 23, 50, 1, 36, 14, 299},
                {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 77, 77},
        };
        long[][] mask = {
                {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},
                {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1},
        };
        try (LanguageModel lm = Models.loader().device(ai.djl.Device.cpu()).load(model)) {
            float[] java = javaLogits(lm, rows, mask);
            float[] python = referenceLogits(model, rows, mask);
            assertEquals(python.length, java.length);
            int t = rows[0].length;
            double worst = 0;
            for (int b = 0; b < rows.length; b++) {
                for (int p = 0; p < t; p++) {
                    if (mask[b][p] == 0) {
                        continue; // padding positions predict nothing; only real ones are compared
                    }
                    for (int v = 0; v < VOCAB; v++) {
                        int i = (b * t + p) * VOCAB + v;
                        worst = Math.max(worst, Math.abs(java[i] - python[i]));
                    }
                }
            }
            System.out.printf("%s stored as %s: max |logit difference| %.2e over %d real positions%n",
                    config.modelType(), storage, worst, Stream.of(mask).flatMapToLong(Arrays::stream).sum());
            assertTrue(worst <= 1e-4, "max |logit difference| " + worst + " > 1e-4");
            assertTrue(spread(python) > 1, "the random weights should give logits that differ by whole units");

            List<long[]> prompts = List.of(Arrays.copyOfRange(rows[0], 0, 13), Arrays.copyOfRange(rows[1], 5, 13),
                    Arrays.copyOfRange(rows[2], 11, 13));
            List<Completion> completions = lm.generateTokens(prompts, Generation.greedy(32), 3);
            long[][] expected = referenceGreedy(model, rows, mask, 32);
            for (int b = 0; b < rows.length; b++) {
                long[] got = completions.get(b).tokens();
                // Java stops at an end token; the reference never stops, so compare what Java produced.
                assertArrayEquals(Arrays.copyOf(expected[b], got.length), got, "row " + b + " greedy tokens");
                assertTrue(got.length == 32 || completions.get(b).finish() == Completion.Finish.STOP);
            }
        }
    }

    /** Random weights of std 0.1 (five times Hugging Face's), biases too, norm scales around 1, so that logits spread. */
    static void writeRandomCheckpoint(ModelConfig config, DataType storage, Path folder, int seed) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Engine.getInstance().setRandomSeed(seed);
            CausalLM block = new CausalLM(config);
            block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
            block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.BIAS);
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            for (Map.Entry<String, Parameter> e : block.huggingFaceParameters().entrySet()) {
                if (e.getValue().getType() == Parameter.Type.GAMMA) {
                    NDArray scale = e.getValue().getArray();
                    scale.addi(manager.randomNormal(0, 0.2f, scale.getShape(), DataType.FLOAT32));
                }
            }
            ByteTokenizer.write(folder);
            Checkpoints.save(block, folder, storage, null);
        }
    }

    private static float[] javaLogits(LanguageModel lm, long[][] rows, long[][] mask) {
        try (NDManager m = lm.manager().newSubManager()) {
            int t = rows[0].length;
            NDArray ids = m.create(Stream.of(rows).flatMapToLong(Arrays::stream).toArray(), new Shape(rows.length, t));
            NDArray keys = m.create(Stream.of(mask).flatMapToLong(Arrays::stream).toArray(), new Shape(rows.length, t));
            return lm.block().forward(new ParameterStore(m, false), ids, keys, null, null, false).toFloatArray();
        }
    }

    private float[] referenceLogits(Path model, long[][] rows, long[][] mask) throws Exception {
        Path in = dir.resolve("in.json");
        Path out = dir.resolve("out.bin");
        Files.writeString(in, JSON.writeValueAsString(Map.of("input_ids", rows, "attention_mask", mask)));
        JsonNode shape = JSON.readTree(python("logits", model.toString(), in.toString(), out.toString()));
        assertEquals(rows.length * rows[0].length * VOCAB,
                shape.get("shape").get(0).asInt() * shape.get("shape").get(1).asInt() * shape.get("shape").get(2).asInt());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        float[] logits = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(logits);
        return logits;
    }

    private long[][] referenceGreedy(Path model, long[][] rows, long[][] mask, int n) throws Exception {
        Path in = dir.resolve("greedy.json");
        Files.writeString(in, JSON.writeValueAsString(Map.of("input_ids", rows, "attention_mask", mask)));
        JsonNode tokens = JSON.readTree(python("greedy", model.toString(), in.toString(), Integer.toString(n)))
                .get("tokens");
        long[][] out = new long[tokens.size()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = new long[tokens.get(b).size()];
            for (int i = 0; i < out[b].length; i++) {
                out[b][i] = tokens.get(b).get(i).asLong();
            }
        }
        return out;
    }

    /** Runs the reference; python3-torch is installed by environment/setup, so its absence is a failure. */
    static String python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, REFERENCE.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] stdout = process.getInputStream().readAllBytes();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the reference timed out");
        assertEquals(0, process.exitValue(), "hf_reference.py " + args[0] + " failed (python3-torch is installed by"
                + " environment/setup):\n" + stderr);
        return new String(stdout, StandardCharsets.UTF_8);
    }

    private static double spread(float[] values) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return max - min;
    }
}
