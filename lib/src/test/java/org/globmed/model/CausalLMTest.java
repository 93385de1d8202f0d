package org.globmed.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CausalLMTest {
    private static int engineThreads;

    /*
     * One intra-op thread while this class runs: the tiny models' operations are too small to share
     * between threads, and on a busy 2-core machine two-thread barriers stalled the training test
     * from 5 s to 140 s. Restored afterwards, since the setting is global to the process.
     */
    @BeforeAll
    static void oneThread() {
        Engine.getInstance();   // loads the native library before JniUtils is used
        engineThreads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
    }

    @AfterAll
    static void restoreThreads() {
        JniUtils.setNumThreads(engineThreads);
    }

    private static final int VOCAB = 64;
    private static final float TOLERANCE = 1e-5f;
    private static final long[] LONG_ROW = {5, 17, 3, 42, 8, 8, 61, 30, 2, 11};
    private static final long[] SHORT_ROW = {9, 23, 23, 50, 1, 36, 14};

    /** One tiny model per family: Qwen3 (q/k norm, tied), Qwen2 (q/k/v bias), Llama (llama3 rope, untied). */
    static Stream<ModelConfig> families() {
        return Stream.of(ModelConfig.tinyQwen3(VOCAB), ModelConfig.tinyQwen2(VOCAB),
                ModelConfig.tinyLlama(VOCAB).toBuilder().tieWordEmbeddings(false).build());
    }

    /**
     * Random weights five times larger than Hugging Face's 0.02 (biases too, norms stay ones), so
     * logits vary by whole units between tokens and positions and a 1e-5 agreement means something.
     */
    static CausalLM randomModel(ModelConfig config, NDManager manager) {
        Engine.getInstance().setRandomSeed(7);
        CausalLM lm = new CausalLM(config);
        lm.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
        lm.setInitializer(new NormalInitializer(0.1f), Parameter.Type.BIAS);
        lm.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
        return lm;
    }

    private static NDArray ids(NDManager m, long[]... rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[r].length);
        }
        return m.create(flat, new Shape(rows.length, rows[0].length));
    }

    private static long[] padLeft(long[] row, int pads) {
        long[] out = new long[row.length + pads];
        System.arraycopy(row, 0, out, pads, row.length);
        return out;
    }

    private static long[] ones(int zerosLeft, int length, int zerosRight) {
        long[] out = new long[length];
        for (int i = zerosLeft; i < length - zerosRight; i++) {
            out[i] = 1;
        }
        return out;
    }

    private static float maxDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        return a.sub(b).abs().max().getFloat();
    }

    private static NDArray slice(NDArray a, String index) {
        return a.get(new NDIndex(index));
    }

    @Test
    void huggingFaceNamesFollowTheFamily() {
        Map<String, Shape> qwen3 = new CausalLM(ModelConfig.tinyQwen3(VOCAB)).huggingFaceShapes();
        Map<String, Shape> qwen2 = new CausalLM(ModelConfig.tinyQwen2(VOCAB)).huggingFaceShapes();
        Map<String, Shape> llama = new CausalLM(ModelConfig.tinyLlama(VOCAB).toBuilder()
                .tieWordEmbeddings(false).build()).huggingFaceShapes();
        String l = "model.layers.0.";
        String a = l + "self_attn.";
        assertEquals(List.of("model.embed_tokens.weight", a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight",
                a + "o_proj.weight", a + "q_norm.weight", a + "k_norm.weight", l + "mlp.gate_proj.weight",
                l + "mlp.up_proj.weight", l + "mlp.down_proj.weight", l + "input_layernorm.weight",
                l + "post_attention_layernorm.weight"), new ArrayList<>(qwen3.keySet()).subList(0, 12));
        assertEquals(List.of("model.embed_tokens.weight", a + "q_proj.weight", a + "q_proj.bias", a + "k_proj.weight",
                a + "k_proj.bias", a + "v_proj.weight", a + "v_proj.bias", a + "o_proj.weight",
                l + "mlp.gate_proj.weight"), new ArrayList<>(qwen2.keySet()).subList(0, 9));
        assertEquals(1 + 4 * 11 + 1, qwen3.size());
        assertEquals(1 + 4 * 12 + 1, qwen2.size());
        assertEquals(1 + 4 * 9 + 1 + 1, llama.size());
        assertEquals(List.of("model.norm.weight"), tail(qwen3, 1));
        assertEquals(List.of("model.norm.weight", "lm_head.weight"), tail(llama, 2));
        assertFalse(qwen3.containsKey("lm_head.weight") || qwen2.containsKey("lm_head.weight"), "tied heads");
        assertFalse(llama.keySet().stream().anyMatch(k -> k.endsWith("bias") || k.contains("_norm.")));
        assertFalse(qwen3.keySet().stream().anyMatch(k -> k.endsWith("bias")));
        assertFalse(qwen2.keySet().stream().anyMatch(k -> k.contains("q_norm") || k.endsWith("o_proj.bias")));

        // [out, in] linear weights, per-head norms, biases of the projections' outputs.
        assertEquals(new Shape(VOCAB, 128), qwen3.get("model.embed_tokens.weight"));
        assertEquals(new Shape(128, 128), qwen3.get(a + "q_proj.weight"));
        assertEquals(new Shape(64, 128), qwen3.get(a + "k_proj.weight"));
        assertEquals(new Shape(128, 128), qwen3.get(a + "o_proj.weight"));
        assertEquals(new Shape(32), qwen3.get(a + "q_norm.weight"));
        assertEquals(new Shape(384, 128), qwen3.get(l + "mlp.up_proj.weight"));
        assertEquals(new Shape(128, 384), qwen3.get(l + "mlp.down_proj.weight"));
        assertEquals(new Shape(64), qwen2.get(a + "v_proj.bias"));
        assertEquals(new Shape(VOCAB, 128), llama.get("lm_head.weight"));
        assertEquals(qwen3.keySet(), new CausalLM(ModelConfig.tinyQwen3(VOCAB)).huggingFaceParameters().keySet());
    }

    private static List<String> tail(Map<String, Shape> map, int n) {
        List<String> keys = new ArrayList<>(map.keySet());
        return keys.subList(keys.size() - n, keys.size());
    }

    /** The blocks hold exactly what the formula counts: checked on the published sizes, without allocating them. */
    @Test
    void theTensorsOfThePublishedModelsAddUpToTheirCounts() {
        for (String name : ModelConfigTest.PUBLISHED) {
            ModelConfig c = ModelConfigTest.read(name);
            Map<String, Shape> shapes = new CausalLM(c).huggingFaceShapes();
            assertEquals(c.parameterCount(), shapes.values().stream().mapToLong(Shape::size).sum(), name);
            assertEquals(c.embeddingParameterCount(), shapes.entrySet().stream()
                    .filter(e -> e.getKey().contains("embed_tokens") || e.getKey().equals("lm_head.weight"))
                    .mapToLong(e -> e.getValue().size()).sum(), name);
        }
        Map<String, Shape> llama = new CausalLM(ModelConfigTest.read("Llama-3.1-8B")).huggingFaceShapes();
        assertEquals(new Shape(1024, 4096), llama.get("model.layers.31.self_attn.k_proj.weight"));
        assertEquals(new Shape(128256, 4096), llama.get("lm_head.weight"));
    }

    @Test
    void initialisationFollowsHuggingFace() {
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM lm = new CausalLM(ModelConfig.tinyQwen2(VOCAB).toBuilder().tieWordEmbeddings(false).build());
            lm.initialize(m, DataType.FLOAT32, new Shape(1, 8));
            Map<String, Parameter> parameters = lm.huggingFaceParameters();
            assertEquals(lm.getParameters().size(), parameters.size(), "no parameter outside the HF names");
            lm.huggingFaceShapes().forEach((name, shape) ->
                    assertEquals(shape, parameters.get(name).getArray().getShape(), name));
            NDArray embedding = parameters.get("model.embed_tokens.weight").getArray();
            float std = embedding.pow(2).mean().sqrt().getFloat();
            assertEquals(0.02, std, 0.002, "normal(0, 0.02)");
            assertEquals(0.02, parameters.get("lm_head.weight").getArray().pow(2).mean().sqrt().getFloat(), 0.002);
            assertEquals(0f, parameters.get("model.layers.1.self_attn.k_proj.bias").getArray().abs().sum().getFloat());
            assertEquals(32f, parameters.get("model.layers.2.input_layernorm.weight").getArray().sum().getFloat()
                    / 4, "ones");
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void aLaterTokenDoesNotChangeEarlierLogits(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM lm = randomModel(config, m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray before = lm.forward(ps, ids(m, LONG_ROW), null, null, null, false);
            long[] changed = LONG_ROW.clone();
            changed[6] = 0;
            NDArray after = lm.forward(ps, ids(m, changed), null, null, null, false);
            assertEquals(new Shape(1, 10, VOCAB), before.getShape());
            assertEquals(DataType.FLOAT32, before.getDataType());
            assertTrue(maxDiff(slice(before, ":, :6"), slice(after, ":, :6")) <= TOLERANCE);
            assertTrue(maxDiff(slice(before, ":, 6"), slice(after, ":, 6")) > 0.1, "the changed position moves");
            assertTrue(maxDiff(slice(before, ":, 9"), slice(after, ":, 9")) > 0.01, "and later ones");
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void aPaddedRowScoresLikeItselfAlone(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM lm = randomModel(config, m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray shortAlone = lm.forward(ps, ids(m, SHORT_ROW), null, null, null, false);
            NDArray longAlone = lm.forward(ps, ids(m, LONG_ROW), null, null, null, false);

            NDArray left = lm.forward(ps, ids(m, padLeft(SHORT_ROW, 3), LONG_ROW),
                    ids(m, ones(3, 10, 0), ones(0, 10, 0)), null, null, false);
            assertTrue(maxDiff(slice(left, "0, 3:"), slice(shortAlone, "0")) <= TOLERANCE, "left padding");
            assertTrue(maxDiff(slice(left, "1"), slice(longAlone, "0")) <= TOLERANCE, "its neighbour");
            assertFalse(left.isNaN().any().getBoolean(), "fully masked padding rows stay finite");

            long[] rightPadded = new long[10];
            System.arraycopy(SHORT_ROW, 0, rightPadded, 0, SHORT_ROW.length);
            NDArray right = lm.forward(ps, ids(m, rightPadded, LONG_ROW),
                    ids(m, ones(0, 10, 3), ones(0, 10, 0)), null, null, false);
            assertTrue(maxDiff(slice(right, "0, :7"), slice(shortAlone, "0")) <= TOLERANCE, "right padding");

            // Explicit positions give the same as derived ones.
            NDArray positions = m.create(new long[]{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
                    new Shape(2, 10));
            NDArray explicit = lm.forward(ps, ids(m, padLeft(SHORT_ROW, 3), LONG_ROW),
                    ids(m, ones(3, 10, 0), ones(0, 10, 0)), positions, null, false);
            assertTrue(maxDiff(slice(explicit, "0, 3:"), slice(left, "0, 3:")) == 0f);
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void cachedStepsGiveTheFullForwardLogits(ModelConfig config) {
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM lm = randomModel(config, m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ids = ids(m, padLeft(SHORT_ROW, 3), LONG_ROW);
            NDArray mask = ids(m, ones(3, 10, 0), ones(0, 10, 0));
            NDArray full = lm.forward(ps, ids, mask, null, null, false);
            try (KvCache cache = lm.newCache(m)) {
                List<NDArray> parts = new ArrayList<>();
                // A prefill of 5, a chunk of 2, then single tokens.
                int[] ends = {5, 7, 8, 9, 10};
                int start = 0;
                for (int end : ends) {
                    parts.add(lm.forward(ps, slice(ids, ":, " + start + ":" + end), slice(mask, ":, :" + end), null,
                            cache, false));
                    assertEquals(end, cache.length());
                    start = end;
                }
                assertEquals(new Shape(2, 2, 10, 32), cache.keys(3).getShape(), "[B, kvHeads, S, d]");
                NDArray stepwise = NDArrays.concat(new NDList(parts), 1);
                float diff = maxDiff(slice(stepwise, "0, 3:"), slice(full, "0, 3:"));
                assertTrue(diff <= TOLERANCE, "padded row " + diff);
                diff = maxDiff(slice(stepwise, "1"), slice(full, "1"));
                assertTrue(diff <= TOLERANCE, "full row " + diff);
            }
            // Without a mask: the single-token steps then need no mask at all.
            NDArray plain = ids(m, LONG_ROW);
            NDArray plainFull = lm.forward(ps, plain, null, null, null, false);
            try (KvCache cache = lm.newCache(m)) {
                List<NDArray> parts = new ArrayList<>();
                parts.add(lm.forward(ps, slice(plain, ":, :4"), null, null, cache, false));
                for (int t = 4; t < 10; t++) {
                    parts.add(lm.forward(ps, slice(plain, ":, " + t + ":" + (t + 1)), null, null, cache, false));
                }
                assertTrue(maxDiff(NDArrays.concat(new NDList(parts), 1), plainFull) <= TOLERANCE);
            }
        }
    }

    @Test
    void theForwardPassFreesWhatItMadeAndChecksItsInputs() {
        try (NDManager m = NDManager.newBaseManager(); NDManager caller = m.newSubManager()) {
            CausalLM lm = randomModel(ModelConfig.tinyQwen3(VOCAB), m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ids = ids(caller, LONG_ROW);
            try (KvCache cache = lm.newCache(m)) {
                lm.forward(ps, ids, null, null, cache, false);
                // The caller's manager holds its input and the logits, nothing else.
                assertEquals(2, caller.getManagedArrays().size());
                assertEquals(ids.getManager(), caller);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> lm.forward(ps, ids, ids(caller, ones(0, 10, 0)), null, cache, false));
                assertEquals("keyMask must be [batch, cached + time] = (1, 20), found (1, 10)", e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> lm.forward(ps, caller.create(new long[]{1, 2}), null, null, null, false));
            assertEquals("inputIds must be [batch, time], found (2)", e.getMessage());
        }
    }

    /** Half precision (the GPU dtype) runs the same graph: logits within fp16 rounding of fp32's. */
    @Test
    void aHalfPrecisionModelGivesTheSameLogitsRoughly() {
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM lm = randomModel(ModelConfig.tinyQwen3(VOCAB), m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ids = ids(m, padLeft(SHORT_ROW, 3), LONG_ROW);
            NDArray mask = ids(m, ones(3, 10, 0), ones(0, 10, 0));
            NDArray full = lm.forward(ps, ids, mask, null, null, false);
            CausalLM halfModel = new CausalLM(lm.config());
            Map<String, Parameter> from = lm.huggingFaceParameters();
            halfModel.huggingFaceParameters().forEach((name, p) ->
                    p.setArray(from.get(name).getArray().toType(DataType.FLOAT16, true)));
            NDArray half = halfModel.forward(ps, ids, mask, null, null, false);
            assertEquals(DataType.FLOAT32, half.getDataType(), "logits are float32 whatever the weights");
            float diff = maxDiff(slice(half, "0, 3:"), slice(full, "0, 3:"));
            assertTrue(diff < 0.05, "fp16 vs fp32 " + diff);
        }
    }

    /** The checkpoint loader's way in: arrays set by name on a fresh model, no initialisation. */
    @Test
    void arraysSetByNameRunWithoutInitialisation() {
        try (NDManager m = NDManager.newBaseManager()) {
            ModelConfig config = ModelConfig.tinyLlama(VOCAB);
            CausalLM source = randomModel(config, m);
            CausalLM loaded = new CausalLM(config);
            Map<String, Parameter> from = source.huggingFaceParameters();
            loaded.huggingFaceParameters().forEach((name, p) -> p.setArray(from.get(name).getArray().duplicate()));
            loaded.getParameters().values().forEach(p -> assertTrue(p.isInitialized(), p.getName()));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ids = ids(m, LONG_ROW);
            assertEquals(0f, maxDiff(source.forward(ps, ids, null, null, null, false),
                    loaded.forward(ps, ids, null, null, null, false)));
            // And DJL's generic entry point gives the same logits.
            NDArray mask = ids(m, ones(2, 10, 0));
            NDList out = loaded.forward(ps, new NDList(ids, mask), false);
            assertEquals(0f, maxDiff(out.singletonOrThrow(), loaded.forward(ps, ids, mask, null, null, false)));
            assertEquals(new Shape(3, 10, VOCAB), loaded.getOutputShapes(new Shape[]{new Shape(3, 10)})[0]);
        }
    }

    /**
     * Gradients do not depend on when the garbage collector runs. DJL turns a {@code Number}
     * operand into a tensor over a Java buffer that autograd keeps for the backward pass; with
     * {@code x.mul(scale)} or {@code x.pow(-0.5)} in the forward pass, a collection between forward
     * and backward made these gradients 1e31 or NaN.
     */
    @Test
    void gradientsSurviveAGarbageCollectionBeforeBackward() {
        try (NDManager m = NDManager.newBaseManager()) {
            CausalLM lm = randomModel(ModelConfig.tinyQwen3(VOCAB), m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ids = ids(m, padLeft(SHORT_ROW, 3), LONG_ROW);
            NDArray mask = ids(m, ones(3, 10, 0), ones(0, 10, 0));
            Map<String, float[]> quiet = gradients(lm, ps, ids, mask, false);
            for (int i = 0; i < 3; i++) {
                Map<String, float[]> collected = gradients(lm, ps, ids, mask, true);
                quiet.forEach((name, expected) -> {
                    float[] found = collected.get(name);
                    for (int j = 0; j < expected.length; j++) {
                        assertEquals(expected[j], found[j], 1e-4 * (1 + Math.abs(expected[j])), name + "[" + j + "]");
                    }
                });
            }
        }
    }

    private static Map<String, float[]> gradients(CausalLM lm, ParameterStore ps, NDArray ids, NDArray mask,
                                                  boolean collectGarbage) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        try (NDManager step = ids.getManager().newSubManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.zeroGradients();
                NDArray logits = lm.forward(ps, ids, mask, null, null, true);
                if (collectGarbage) {
                    System.gc();
                    step.randomNormal(new Shape(256, 1024)).close();   // reuse the freed memory
                }
                collector.backward(slice(logits, "1:, :, 3").sum());
            }
            lm.huggingFaceParameters().forEach((name, p) -> out.put(name, p.getArray().getGradient().toFloatArray()));
        }
        return out;
    }

    /** A tiny Qwen3 learns a repeating 8-token cycle with DJL's Trainer and Adam in about a hundred steps. */
    @Test
    void aTinyModelLearnsARepeatedSequence() {
        int vocab = 32;
        int batch = 4;
        int length = 16;
        long[] cycle = {5, 12, 7, 3, 19, 28, 11, 2};
        long[] inputs = new long[batch * length];
        long[] labels = new long[batch * length];
        for (int r = 0; r < batch; r++) {
            for (int t = 0; t < length; t++) {
                inputs[r * length + t] = cycle[(2 * r + t) % cycle.length];
                labels[r * length + t] = cycle[(2 * r + t + 1) % cycle.length];
            }
        }
        Loss nextToken = new Loss("next_token_cross_entropy") {
            @Override
            public NDArray evaluate(NDList labels, NDList predictions) {
                NDArray logProbabilities = predictions.singletonOrThrow().logSoftmax(2);
                return logProbabilities.gather(labels.singletonOrThrow().expandDims(2), 2).neg().mean();
            }
        };
        DefaultTrainingConfig training = new DefaultTrainingConfig(nextToken)
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(5e-3f)).build());
        Engine.getInstance().setRandomSeed(11);
        try (Model model = Model.newInstance("tiny-qwen3")) {
            model.setBlock(new CausalLM(ModelConfig.tinyQwen3(vocab)));
            try (Trainer trainer = model.newTrainer(training)) {
                trainer.initialize(new Shape(batch, length));
                float first = Float.NaN;
                float last = Float.NaN;
                for (int step = 0; step < 120; step++) {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        NDArray x = m.create(inputs, new Shape(batch, length));
                        NDArray y = m.create(labels, new Shape(batch, length));
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                            NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                            collector.backward(loss);
                            last = loss.getFloat();
                        }
                        trainer.step();
                    }
                    if (step == 0) {
                        first = last;
                    }
                }
                assertEquals(Math.log(vocab), first, 0.5, "starts near uniform");
                assertTrue(last < 0.05 * first, "loss " + first + " -> " + last);
                NDArray embedding = ((CausalLM) model.getBlock()).huggingFaceParameters()
                        .get("model.embed_tokens.weight").getArray();
                assertNotNull(embedding.getGradient(), "the tied embedding is trained");
            }
        }
    }
}
