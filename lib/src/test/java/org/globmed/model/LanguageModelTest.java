package org.globmed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring, generation, saving and loading of {@link LanguageModel} on a tiny random Qwen3 with the byte tokenizer. */
class LanguageModelTest {
    @TempDir
    static Path shared;
    static LanguageModel lm;

    @BeforeAll
    static void model() throws IOException {
        Path folder = shared.resolve("tiny");
        ReferenceDecoderTest.writeRandomCheckpoint(ModelConfig.tinyQwen3(ByteTokenizer.VOCABULARY), DataType.FLOAT32,
                folder, 3);
        lm = Models.loader().device(Device.cpu()).load(folder);
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    /** 40 requests of 3 to 60 characters in six scripts, so batches mix very different lengths. */
    private static List<LanguageModel.Continuation> requests() {
        String[] contexts = {"Question: which organ makes insulin?\nAnswer:", "Pregunta: ¿qué órgano produce insulina?",
                "问题：哪个器官产生胰岛素？答案：", "سؤال: أي عضو ينتج الأنسولين؟", "प्रश्न: कौन सा अंग इंसुलिन बनाता है?",
                "Swali: ni kiungo gani hutengeneza insulini?", "Q:", "x"};
        String[] continuations = {" A", " pancreas", " el páncreas", "胰腺", " البنكرياس", " अग्न्याशय", " kongosho",
                " B) liver"};
        List<LanguageModel.Continuation> out = new ArrayList<>();
        Random random = new Random(5);
        for (int i = 0; i < 40; i++) {
            out.add(new LanguageModel.Continuation(contexts[random.nextInt(contexts.length)],
                    continuations[random.nextInt(continuations.length)]));
        }
        return out;
    }

    @Test
    void scoresDoNotDependOnTheBatch() {
        List<LanguageModel.Continuation> requests = requests();
        List<LogLikelihood> one = lm.logLikelihood(requests, 1);
        List<LogLikelihood> eight = lm.logLikelihood(requests, 8);
        List<LogLikelihood> all = lm.logLikelihood(requests, 32);
        for (int i = 0; i < requests.size(); i++) {
            assertEquals(one.get(i).logProb(), eight.get(i).logProb(), 1e-4, "request " + i + " batch 8");
            assertEquals(one.get(i).logProb(), all.get(i).logProb(), 1e-4, "request " + i + " batch 32");
            assertEquals(one.get(i).greedy(), all.get(i).greedy());
        }
        // Different requests do get different scores: the comparison above is not between constants.
        assertTrue(one.stream().mapToDouble(LogLikelihood::logProb).distinct().count() > 10);
    }

    @Test
    void scoresAreSumsOfTokenLogProbabilitiesWithLengths() {
        LogLikelihood pancreas = lm.logLikelihood(List.of(new LanguageModel.Continuation("Answer:", " pancreas"))).get(0);
        // byte tokenizer: one token per UTF-8 byte
        assertEquals(9, pancreas.tokens());
        assertEquals(9, pancreas.bytes());
        assertEquals(9, pancreas.characters());
        double sum = 0;
        for (float v : pancreas.tokenLogProbs()) {
            assertTrue(v < 0);
            sum += v;
        }
        assertEquals(sum, pancreas.logProb(), 1e-9);
        LogLikelihood hindi = lm.logLikelihood(List.of(new LanguageModel.Continuation("उत्तर:", " अग्न्याशय"))).get(0);
        assertEquals(" अग्न्याशय".getBytes(java.nio.charset.StandardCharsets.UTF_8).length, hindi.bytes());
        assertEquals(hindi.bytes(), hindi.tokens());
        assertEquals(10, hindi.characters());
    }

    @Test
    void trailingContextSpaceMovesToTheContinuation() {
        LogLikelihood spaced = lm.logLikelihood(List.of(new LanguageModel.Continuation("Answer: ", "A"))).get(0);
        LogLikelihood plain = lm.logLikelihood(List.of(new LanguageModel.Continuation("Answer:", " A"))).get(0);
        assertEquals(plain.logProb(), spaced.logProb(), 1e-6);
        assertEquals(2, spaced.tokens());
    }

    @Test
    void greedyWithAndWithoutTheCacheAgree() {
        List<String> prompts = List.of("The pancreas makes", "El páncreas produce", "胰腺分泌");
        List<Completion> cached = lm.generate(prompts, Generation.greedy(24), 3);
        List<Completion> uncached = lm.generate(prompts, Generation.greedy(24).withoutCache(), 3);
        List<Completion> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(lm.generate(p, Generation.greedy(24)));
        }
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(uncached.get(i).tokens(), cached.get(i).tokens(), "prompt " + i);
            assertArrayEquals(alone.get(i).tokens(), cached.get(i).tokens(), "prompt " + i + " alone vs batched");
            assertEquals(lm.encode(prompts.get(i)).length, cached.get(i).promptTokens());
        }
    }

    @Test
    void samplingIsSeededAndTopPNarrowsIt() {
        Generation sampling = Generation.greedy(16).withSampling(1.5, 1.0, 42);
        Completion a = lm.generate("Symptoms:", sampling);
        Completion b = lm.generate("Symptoms:", sampling);
        Completion c = lm.generate("Symptoms:", Generation.greedy(16).withSampling(1.5, 1.0, 43));
        assertArrayEquals(a.tokens(), b.tokens());
        assertFalse(java.util.Arrays.equals(a.tokens(), c.tokens()), "another seed, other tokens");
        // top-p that keeps only the most likely token is greedy decoding
        Completion nucleus = lm.generate("Symptoms:", Generation.greedy(16).withSampling(1.0, 1e-9, 7));
        assertArrayEquals(lm.generate("Symptoms:", Generation.greedy(16)).tokens(), nucleus.tokens());
    }

    @Test
    void sampleFollowsTheDistribution() {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        Random random = new Random(1);
        int[] counts = new int[3];
        for (int i = 0; i < 20_000; i++) {
            counts[Generator.sample(logits, 1.0, 1.0, random)]++;
        }
        assertEquals(0.5, counts[0] / 20_000.0, 0.015);
        assertEquals(0.3, counts[1] / 20_000.0, 0.015);
        // top-p 0.6: {0.5, 0.3} reach it; renormalised 0.625 / 0.375
        counts = new int[3];
        for (int i = 0; i < 20_000; i++) {
            counts[Generator.sample(logits, 1.0, 0.6, random)]++;
        }
        assertEquals(0, counts[2]);
        assertEquals(0.625, counts[0] / 20_000.0, 0.015);
    }

    @Test
    void stopStringsAndTheTokenLimitEndGeneration() {
        Completion free = lm.generate("Note:", Generation.greedy(20));
        assertEquals(Completion.Finish.LENGTH, free.finish());
        assertEquals(20, free.tokens().length);
        assertTrue(free.text().length() >= 2, free.text());
        String stop = free.text().substring(free.text().length() / 2, free.text().length() / 2 + 1);
        Completion stopped = lm.generate("Note:", Generation.greedy(20).withStop(stop));
        assertEquals(Completion.Finish.STOP, stopped.finish());
        assertEquals(free.text().substring(0, free.text().indexOf(stop)), stopped.text());
        assertTrue(stopped.tokens().length < 20);
        assertEquals(0, lm.generate("Note:", Generation.greedy(0)).tokens().length);
    }

    @Test
    void saveAndLoadRoundTripExactly() throws IOException {
        Path copy = shared.resolve("copy");
        lm.save(copy);
        try (LanguageModel again = Models.loader().device(Device.cpu()).load(copy)) {
            assertEquals(lm.config(), again.config());
            Map<String, Parameter> mine = lm.block().huggingFaceParameters();
            Map<String, Parameter> theirs = again.block().huggingFaceParameters();
            assertEquals(mine.keySet(), theirs.keySet());
            for (String name : mine.keySet()) {
                assertArrayEquals(mine.get(name).getArray().toFloatArray(), theirs.get(name).getArray().toFloatArray(),
                        name);
            }
            assertTrue(Files.isRegularFile(copy.resolve("tokenizer.json")));
            assertTrue(Files.readString(copy.resolve("config.json")).contains("\"model_type\" : \"qwen3\""));
        }
    }

    @Test
    void aCheckpointThatDoesNotFitTheConfigNamesEveryMismatch() throws IOException {
        Path broken = shared.resolve("broken");
        lm.save(broken);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
             SafeTensors weights = SafeTensors.open(broken)) {
            for (String name : weights.names()) {
                tensors.put(name, weights.load(name, m, DataType.FLOAT32));
            }
            tensors.remove("model.layers.1.mlp.up_proj.weight");
            tensors.put("model.layers.0.self_attn.q_proj.weight", m.zeros(new ai.djl.ndarray.types.Shape(64, 128)));
            tensors.put("model.layers.9.extra.weight", m.zeros(new ai.djl.ndarray.types.Shape(2)));
            SafeTensors.write(broken.resolve("model.safetensors"), tensors, Map.of());
        }
        IOException e = assertThrows(IOException.class, () -> Models.loader().device(Device.cpu()).load(broken));
        String message = e.getMessage();
        assertTrue(message.contains("model.layers.1.mlp.up_proj.weight"), message);
        assertTrue(message.contains("model.layers.0.self_attn.q_proj.weight"), message);
        assertTrue(message.contains("[128, 128]") && message.contains("[64, 128]"), message);
        assertTrue(message.contains("model.layers.9.extra.weight"), message);
    }

    @Test
    void unsupportedArchitecturesAndTypesAreRefusedClearly() throws IOException {
        Path folder = shared.resolve("gemma");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), "{\"model_type\": \"gemma2\", \"vocab_size\": 10}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.load(folder));
        assertTrue(e.getMessage().contains("unsupported model_type gemma2; supported: llama, qwen2, qwen3"),
                e.getMessage());
        IllegalArgumentException bf16 = assertThrows(IllegalArgumentException.class,
                () -> Models.loader().dataType(DataType.BFLOAT16));
        assertTrue(bf16.getMessage().contains("FLOAT32 or FLOAT16"), bf16.getMessage());
        assertNotEquals(0, lm.parameterCount());
    }
}
