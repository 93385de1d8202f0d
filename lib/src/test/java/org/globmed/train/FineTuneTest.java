package org.globmed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.globmed.data.GlobMed;
import org.globmed.data.GlobMedData;
import org.globmed.model.LanguageModel;
import org.globmed.model.Lora;
import org.globmed.model.Models;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning of a tiny random Qwen3 (byte tokenizer) on slices of the bundled sample: what is
 * trained, what is saved, what a resumed run computes, and what is refused.
 */
class FineTuneTest {
    static GlobMedData sample;
    static GlobMedData train;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() {
        sample = GlobMed.load().languages("en", "sw").sources("MedQA");
        // 12 items, 6 per language; prompts are cut to 128 tokens to keep steps quick.
        train = first(sample.splits("train"), 6);
    }

    /** The first {@code n} items of each language of {@code data}. */
    static GlobMedData first(GlobMedData data, int n) {
        Map<String, Integer> taken = new TreeMap<>();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (org.globmed.data.Item item : data.items()) {
            if (taken.merge(item.language(), 1, Integer::sum) <= n) {
                ids.add(item.id());
            }
        }
        return data.filter(i -> ids.contains(i.id()));
    }

    private static TrainingConfig quick(Path out) {
        return new TrainingConfig(out).batchSize(4).maxLength(128).evaluateBeforeAndAfter(false).checkpointEvery(1000);
    }

    private static List<Double> losses(Path run) throws IOException {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(TrainingLog.TRAIN_FILE))) {
            if (!line.startsWith("step")) {
                out.add(Double.parseDouble(line.split(",")[4]));
            }
        }
        return out;
    }

    private static final List<LanguageModel.Continuation> PROBES = List.of(
            new LanguageModel.Continuation("Question: which organ makes insulin?\nAnswer:", " A"),
            new LanguageModel.Continuation("Swali: ni kiungo gani hutengeneza insulini?\nJibu:", " kongosho"));

    private static double[] scores(LanguageModel lm) {
        return lm.logLikelihood(PROBES).stream().mapToDouble(org.globmed.model.LogLikelihood::logProb).toArray();
    }

    private static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, what + " [" + i + "]");
        }
    }

    @Test
    void trainingLowersTheLossOnTheAnswerTokens() throws IOException {
        try (LanguageModel lm = Models.tiny("qwen3")) {
            FineTune.Result r = FineTune.run(lm, train, quick(dir).epochs(8).learningRate(3e-3), p -> { });
            List<Double> losses = losses(dir);
            assertEquals(24, losses.size(), "12 items in batches of 4 over 8 epochs");
            assertEquals(24, r.report().steps());
            // An untrained byte model is near uniform over 259 tokens: ln 259 = 5.56.
            assertEquals(Math.log(259), losses.get(0), 0.3);
            double firstEpoch = losses.subList(0, 6).stream().mapToDouble(d -> d).average().orElseThrow();
            double lastEpoch = losses.subList(18, 24).stream().mapToDouble(d -> d).average().orElseThrow();
            assertTrue(lastEpoch < firstEpoch - 1.5, "loss fell from " + firstEpoch + " to " + lastEpoch);
            assertEquals(lm.config().parameterCount(), r.report().trainedParameters(), "full fine-tuning trains all");
            assertTrue(Files.isRegularFile(dir.resolve("model/model.safetensors")), "the tuned model is saved");
            assertTrue(Files.isRegularFile(dir.resolve("report.json")));
        }
    }

    @Test
    void loraStartsAsTheBaseModelAndSavesLoadsAndMergesToTheSameFunction() throws IOException {
        double[] base;
        double[] adapted;
        try (LanguageModel lm = Models.tiny("qwen3")) {
            base = scores(lm);
            FineTune.Result r = FineTune.run(lm, train, quick(dir).lora(4).loraAlpha(8).epochs(2).learningRate(1e-2),
                    p -> { });
            Lora lora = lm.lora().orElseThrow();
            assertEquals(4, lora.rank());
            // r·(in + out) per projection: q 64+64... summed by ModelSize for the tiny config.
            assertEquals(new org.globmed.model.ModelSize(lm.config()).loraParameters(4, Lora.DEFAULT_TARGETS),
                    r.report().trainedParameters());
            adapted = scores(lm);
            assertNotEquals(base[0], adapted[0], "the adapters changed the model");
            assertThrows(IllegalStateException.class, () -> lm.save(dir.resolve("refused")),
                    "saving with adapters attached would silently drop them");
            lora.merge();
            assertTrue(lm.lora().isEmpty());
            assertClose(adapted, scores(lm), 1e-4, "merged weights compute what the adapters did");
            lm.save(dir.resolve("merged"));
        }
        try (LanguageModel fresh = Models.tiny("qwen3")) {
            assertClose(base, scores(fresh), 0, "the same seed gives the same base model");
            Lora.load(fresh, dir.resolve("adapter"));
            assertClose(adapted, scores(fresh), 1e-5, "adapters saved alone and loaded onto the base");
        }
        try (LanguageModel merged = Models.load(dir.resolve("merged"))) {
            assertClose(adapted, scores(merged), 1e-4, "the merged model in the Hugging Face layout");
        }
        String config = Files.readString(dir.resolve("adapter/adapter_config.json"));
        assertTrue(config.contains("\"peft_type\" : \"LORA\"") && config.contains("\"r\" : 4"), config);
    }

    @Test
    void loraTrainsOnlyTheAdaptersAndBeatsTheBaseOnTrainingLoss() throws IOException {
        try (LanguageModel lm = Models.tiny("qwen3")) {
            String before = digestOfBase(lm);
            FineTune.run(lm, train, quick(dir).lora(8).epochs(3).learningRate(1e-2), p -> { });
            List<Double> losses = losses(dir);
            assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 1, "LoRA lowered the loss: " + losses);
            Lora lora = lm.lora().orElseThrow();
            lora.detach();
            assertEquals(before, digestOfBase(lm), "the base weights did not move");
        }
    }

    private static String digestOfBase(LanguageModel lm) {
        return lm.weightDigest();
    }

    @Test
    void gradientAccumulationGivesTheUpdateOfOneBigBatch() throws IOException {
        GlobMedData eight = first(train, 4);
        assertEquals(8, eight.size());
        List<float[]> weights = new ArrayList<>();
        List<Double> firstLoss = new ArrayList<>();
        int[][] shapes = {{8, 1}, {4, 2}, {1, 8}};
        for (int[] shape : shapes) {
            Path out = dir.resolve("b" + shape[0]);
            try (LanguageModel lm = Models.tiny("qwen3")) {
                FineTune.run(lm, eight, quick(out).batchSize(shape[0]).gradientAccumulation(shape[1]).maxSteps(1)
                        .warmup(0).learningRate(1e-3), p -> { });
                weights.add(lm.block().huggingFaceParameters().get("model.layers.0.mlp.down_proj.weight").getArray()
                        .toFloatArray());
                firstLoss.add(losses(out).get(0));
            }
        }
        for (int k = 1; k < shapes.length; k++) {
            assertEquals(firstLoss.get(0), firstLoss.get(k), 1e-5, "the step's mean loss");
            float worst = 0;
            for (int i = 0; i < weights.get(0).length; i++) {
                worst = Math.max(worst, Math.abs(weights.get(0)[i] - weights.get(k)[i]));
            }
            // The first Adam step moves each weight by about lr · sign(gradient): 1e-3. Summation
            // order (padding, batch split) changes gradients in the last bits, which shows where a
            // gradient is near zero; 1e-5 is 1% of a step.
            assertTrue(worst < 1e-5, "batch " + shapes[k][0] + " × " + shapes[k][1] + " differs by " + worst);
        }
    }

    /** The losses of a short run and the weights it ends with (every value of the trained arrays). */
    private record Trained(List<Double> losses, float[] weights) {
    }

    private Trained train(Path out, TrainingConfig config, boolean lora) throws IOException {
        try (LanguageModel lm = Models.tiny("qwen3")) {
            FineTune.run(lm, train, config, p -> { });
            String name = "model.layers.1.self_attn.q_proj.weight";
            NDArray w = lora ? lm.lora().orElseThrow().arrays().entrySet().stream()
                    .filter(e -> e.getKey().contains("layers.1.self_attn.q_proj") && e.getKey().contains("lora_B"))
                    .findFirst().orElseThrow().getValue()
                    : lm.block().huggingFaceParameters().get(name).getArray();
            return new Trained(losses(out), w.toFloatArray());
        }
    }

    @Test
    void gradientCheckpointingTrainsAsTheOrdinaryPassWithFewerActivations() throws IOException {
        for (boolean lora : new boolean[]{false, true}) {
            String mode = lora ? "lora" : "full";
            java.util.function.UnaryOperator<TrainingConfig> setup = c -> (lora ? c.lora(4) : c).epochs(3).maxSteps(3)
                    .warmup(0).learningRate(1e-3).gradientAccumulation(2);
            Trained plain = train(dir.resolve(mode), setup.apply(quick(dir.resolve(mode))), lora);
            Trained checkpointed = train(dir.resolve(mode + "-ckpt"),
                    setup.apply(quick(dir.resolve(mode + "-ckpt"))).gradientCheckpointing(true), lora);
            assertEquals(3, checkpointed.losses().size());
            for (int i = 0; i < 3; i++) {
                assertEquals(plain.losses().get(i), checkpointed.losses().get(i), 1e-5, mode + " loss of step " + (i + 1));
            }
            // Three Adam steps move a value by up to 3e-3; the same gradients leave the same weights
            // up to the last bits of the sums, which a value whose gradient is near zero shows.
            float worst = 0;
            for (int i = 0; i < plain.weights().length; i++) {
                worst = Math.max(worst, Math.abs(plain.weights()[i] - checkpointed.weights()[i]));
            }
            assertTrue(worst < 3e-5, mode + ": the weights differ by " + worst);
            assertTrue(plain.weights()[0] != 0 || plain.weights()[1] != 0, mode + ": the weights were trained");
        }
        // With LoRA dropout, each layer's two forward passes draw the same masks: a rerun is identical.
        TrainingConfig dropout = quick(dir.resolve("d1")).lora(4).loraDropout(0.3).maxSteps(2).gradientCheckpointing(true);
        List<Double> first = train(dir.resolve("d1"), dropout, true).losses();
        List<Double> again = train(dir.resolve("d2"), quick(dir.resolve("d2")).lora(4).loraDropout(0.3).maxSteps(2)
                .gradientCheckpointing(true), true).losses();
        assertEquals(first, again);
        try (LanguageModel lm = Models.tiny("qwen3")) {
            MemoryEstimate kept = FineTune.estimate(lm, train, quick(dir.resolve("e")));
            MemoryEstimate recomputed = FineTune.estimate(lm, train, quick(dir.resolve("e")).gradientCheckpointing(true));
            // Four layers: one layer's activations and four layer inputs instead of four layers' activations.
            assertEquals(4, lm.config().numHiddenLayers());
            assertTrue(recomputed.activations() < kept.activations() / 2, recomputed.activations()
                    + " bytes of activations with checkpointing, " + kept.activations() + " without");
            assertEquals(kept.gradients(), recomputed.gradients());
        }
    }

    @Test
    void aRunStoppedMidwayResumesWithTheLossesOfAnUninterruptedRun() throws IOException {
        // LoRA dropout draws random numbers: the resumed run must draw the same ones.
        Function<Path, TrainingConfig> config = out -> quick(out).lora(4).loraDropout(0.1).epochs(3).learningRate(5e-3)
                .checkpointEvery(4).keepCheckpoints(2);
        Path whole = dir.resolve("whole");
        try (LanguageModel lm = Models.tiny("qwen3")) {
            FineTune.run(lm, train, config.apply(whole), p -> { });
        }
        Path cut = dir.resolve("cut");
        try (LanguageModel lm = Models.tiny("qwen3")) {
            RuntimeException crash = assertThrows(RuntimeException.class, () -> FineTune.run(lm, train,
                    config.apply(cut), p -> {
                        if (p.step() == 7) {
                            throw new IllegalStateException("simulated crash at step 7");
                        }
                    }));
            assertEquals("simulated crash at step 7", crash.getMessage());
        }
        assertEquals(7, losses(cut).size(), "steps 5-7 were logged before the crash");
        try (LanguageModel lm = Models.tiny("qwen3")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> FineTune.run(lm, train, config.apply(cut), p -> { }));
            assertTrue(refused.getMessage().contains("resume(true)"), refused.getMessage());
        }
        List<Long> resumedAt = new ArrayList<>();
        try (LanguageModel lm = Models.tiny("qwen3")) {
            FineTune.run(lm, train, config.apply(cut).resume(true), p -> resumedAt.add(p.step()));
        }
        assertEquals(5L, resumedAt.get(0), "went on after the checkpoint of step 4");
        List<Double> expected = losses(whole);
        List<Double> actual = losses(cut);
        assertEquals(expected.size(), actual.size(), "one row per step, none doubled");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), 1e-5, "loss at step " + (i + 1));
        }
        assertEquals(List.of("step-00000008", "step-00000009"), listing(cut.resolve("checkpoints")),
                "every 4 steps and at the end, the newest two kept");
    }

    @Test
    void resumingWithOtherSettingsIsRefused() throws IOException {
        try (LanguageModel lm = Models.tiny("qwen3")) {
            FineTune.run(lm, train, quick(dir).lora(4).maxSteps(2).checkpointEvery(1), p -> { });
        }
        try (LanguageModel lm = Models.tiny("qwen3")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FineTune.run(lm, train, quick(dir).lora(8).maxSteps(2).resume(true), p -> { }));
            assertTrue(e.getMessage().contains("other settings") && e.getMessage().contains("lora=8"), e.getMessage());
        }
        try (LanguageModel other = Models.loader().config(org.globmed.model.ModelConfig.tiny("qwen3", 259)).seed(99)
                .create()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FineTune.run(other, train, quick(dir).lora(4).maxSteps(2).checkpointEvery(1).resume(true),
                            p -> { }));
            assertTrue(e.getMessage().contains("another base model"), e.getMessage());
        }
    }

    private static List<String> listing(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aDivergingRunStopsNamingTheStepAndKeepsTheLastGoodCheckpoint() throws IOException {
        try (LanguageModel lm = Models.tiny("qwen3")) {
            FineTune.TrainingException e = assertThrows(FineTune.TrainingException.class, () -> FineTune.run(lm, train,
                    quick(dir).learningRate(1e30).warmup(0).clipNorm(0).checkpointEvery(1), p -> { }));
            String message = e.getMessage();
            assertTrue(message.matches("(?s)the (loss|gradient norm) became (NaN|-?Infinity) at step \\d+ .*"), message);
            long step = Long.parseLong(message.replaceAll("(?s).* at step (\\d+) .*", "$1"));
            assertTrue(step >= 2, message);
            assertTrue(message.contains(String.format("step-%08d", step - 1)), "names the checkpoint before: " + message);
            List<String> kept = listing(dir.resolve("checkpoints"));
            assertEquals(String.format("step-%08d", step - 1), kept.get(kept.size() - 1), "no checkpoint of the bad step");
        }
    }

    @Test
    void badConfigurationsAreRefusedBeforeAnyWork() {
        Map<String, Function<TrainingConfig, TrainingConfig>> cases = new TreeMap<>();
        cases.put("lora rank must be at least 1, not 0", c -> c.lora(0));
        cases.put("learningRate must be a positive number, not -0.001", c -> c.learningRate(-1e-3));
        cases.put("LoRA target module 'qv_proj' does not exist", c -> c.lora(4).loraTargets(List.of("q_proj", "qv_proj")));
        cases.put("batchSize must be at least 1, not 0", c -> c.batchSize(0));
        cases.put("evaluateEvery is set but no dev set was given", c -> c.evaluateEvery(5));
        cases.put("this run does not fit in memory: weights", c -> c.memoryLimit(1 << 20));
        try (LanguageModel lm = Models.tiny("qwen3")) {
            cases.forEach((expected, setting) -> {
                Path out = dir.resolve("never");
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> FineTune.run(lm, train, setting.apply(quick(out)), p -> { }), expected);
                assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
                assertFalse(Files.exists(out), "nothing written for: " + expected);
                assertTrue(lm.lora().isEmpty());
            });
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                    () -> FineTune.run(lm, train.languages("zu"), quick(dir.resolve("never")), p -> { }));
            assertEquals("the training set is empty: nothing to fine-tune on", empty.getMessage());
            IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                    () -> FineTune.run(lm, train, quick(dir.resolve("never")).dev(train), p -> { }));
            assertTrue(overlap.getMessage().contains("is also a training item"), overlap.getMessage());
            IllegalArgumentException memory = assertThrows(IllegalArgumentException.class,
                    () -> FineTune.run(lm, train, quick(dir.resolve("never")).memoryLimit(1 << 20), p -> { }));
            assertTrue(memory.getMessage().matches("(?s).*gradients [\\d.]+ MiB \\+ optimizer [\\d.]+ MiB \\+ activations"
                    + " [\\d.]+ MiB = [\\d.]+ MiB more; 1\\.0 MiB available.*"), memory.getMessage());
        }
    }

    @Test
    void devEvaluationLogsEveryLanguageKeepsTheBestAndStopsEarly() throws IOException {
        GlobMedData dev = first(sample.splits("test"), 6);
        FineTune.Result r;
        try (LanguageModel lm = Models.tiny("qwen3")) {
            r = FineTune.run(lm, train, quick(dir).lora(4).learningRate(1e-2).epochs(6).dev(dev).evaluateEvery(3)
                    .patience(2).evaluateBeforeAndAfter(true), p -> { });
        }
        List<String> rows = Files.readAllLines(dir.resolve(TrainingLog.DEV_FILE), StandardCharsets.UTF_8);
        assertEquals(TrainingLog.DEV_HEADER, rows.get(0));
        assertTrue(rows.get(1).startsWith("0,en,HIGH,") && rows.get(2).startsWith("0,sw,LOW,"), rows.toString());
        // Macro accuracy of each evaluation during training (not step 0, not the final one).
        Map<Long, double[]> macro = new TreeMap<>();
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            macro.computeIfAbsent(Long.parseLong(f[0]), k -> new double[2])[0] += Double.parseDouble(f[4]) / 2;
        }
        long steps = r.report().steps();
        List<Long> during = macro.keySet().stream().filter(s -> s > 0 && (s < steps || r.report().stoppedEarly()))
                .toList();
        long best = during.stream().reduce((a, b) -> macro.get(b)[0] > macro.get(a)[0] ? b : a).orElseThrow();
        assertEquals(best, r.report().bestStep(), "best of " + macro.keySet());
        assertEquals(macro.get(best)[0], r.report().bestMetric(), 1e-9);
        assertTrue(Files.isRegularFile(dir.resolve("best/adapter_model.safetensors")));
        if (r.report().stoppedEarly()) {
            assertEquals(best + 2 * 3, steps, "stopped after two evaluations without improvement");
        } else {
            assertEquals(18, steps);
        }
        assertEquals(2, r.report().devBefore().size());
        assertEquals(r.report().devAfter().keySet(), r.report().devBefore().keySet());
        assertTrue(Files.isRegularFile(dir.resolve("before/results.jsonl")) && Files.isRegularFile(
                dir.resolve("after/report.txt")), "results folders as globmed evaluate writes them");
        assertEquals(2, r.report().comparison().languages().rowCount(), "before against after, per language");
    }

    @Test
    void languageSamplingFollowsTheTemperatureAndTheCountsAddUp() {
        GlobMedData lopsided = sample.splits("train").filter(i -> i.language().equals("en")
                || Integer.parseInt(i.id().replaceAll("\\D+", "")) % 10 == 0);
        int en = lopsided.languages("en").size();
        int sw = lopsided.languages("sw").size();
        try (LanguageModel lm = Models.tiny("qwen3")) {
            for (double tau : new double[]{1, 2, 1e9}) {
                TrainingData data = TrainingData.prepare(lm, lopsided, quick(dir).languageTemperature(tau).epochs(2));
                Map<String, Integer> quota = data.quotas();
                assertEquals(en + sw, quota.get("en") + quota.get("sw"), "an epoch draws as many as there are");
                double pSw = Math.pow(sw, 1 / tau) / (Math.pow(sw, 1 / tau) + Math.pow(en, 1 / tau));
                assertEquals(pSw, data.probabilities().get("sw"), 1e-12);
                assertEquals(Math.round((en + sw) * pSw), quota.get("sw"), 1.0);
                List<TrainingData.Step> schedule = data.schedule();
                assertEquals(quota.get("sw") / (double) (en + sw), data.effectiveMix(schedule).get("sw"), 1e-12);
                int drawn = schedule.stream().mapToInt(TrainingData.Step::sequences).sum();
                assertEquals(2 * (en + sw), drawn);
                if (tau == 1) {
                    // Natural proportions: every example exactly once per epoch.
                    int[] seen = new int[data.examples.size()];
                    schedule.stream().filter(s -> s.epoch() == 0).forEach(s -> s.microBatches()
                            .forEach(b -> java.util.Arrays.stream(b).forEach(i -> seen[i]++)));
                    assertTrue(java.util.Arrays.stream(seen).allMatch(c -> c == 1));
                }
            }
        }
    }

    /**
     * The GPU path, run on the CPU (PyTorch computes float16 there too): float16 weights and
     * activations, float32 master weights and moments, the loss scaled by 65,536 and unscaled
     * before clipping and the update.
     */
    @Test
    void float16TrainingUpdatesThroughFloat32MasterWeightsAndLowersTheLoss() throws IOException {
        try (LanguageModel lm = Models.loader().dataType(ai.djl.ndarray.types.DataType.FLOAT16)
                .config(org.globmed.model.ModelConfig.tiny("qwen3", 259)).create()) {
            assertThrows(IllegalArgumentException.class, () -> FineTune.run(lm, train,
                    quick(dir.resolve("mismatch")).precision(TrainingConfig.Precision.FP32), p -> { }));
            FineTune.run(lm, train, quick(dir).epochs(6).learningRate(3e-3), p -> { });
            List<Double> losses = losses(dir);
            assertEquals(18, losses.size());
            assertTrue(losses.stream().allMatch(Double::isFinite), losses.toString());
            double first = losses.subList(0, 3).stream().mapToDouble(d -> d).average().orElseThrow();
            double last = losses.subList(15, 18).stream().mapToDouble(d -> d).average().orElseThrow();
            assertTrue(last < first - 1, "float16 training lowered the loss from " + first + " to " + last);
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, lm.block().huggingFaceParameters()
                    .get("model.layers.0.mlp.up_proj.weight").getArray().getDataType(), "weights stay float16");
            // The scale starts at 65,536 and halves at each overflow (that step's update skipped).
            double scale = TrainingState.read(dir.resolve("checkpoints/step-00000018/state.json")).lossScale;
            assertTrue(scale >= 1 && scale <= 65536 && Math.getExponent(scale) == Math.log(scale) / Math.log(2),
                    "a power of two: " + scale);
        }
    }

    @Test
    void theLearningRateWarmsUpLinearlyThenDecaysByCosine() {
        LearningRate rate = new LearningRate(1e-3, 0.1, 0.1, 100);
        assertEquals(1e-4, rate.at(1), 1e-15);
        assertEquals(1e-3, rate.at(10), 1e-15);
        assertEquals(1e-3 * (0.1 + 0.9 * 0.5), rate.at(55), 1e-15);
        assertEquals(1e-4, rate.at(100), 1e-15);
    }

    @Test
    void adamWUpdatesAsItsFormulaSays() {
        try (LanguageModel lm = Models.tiny("qwen3")) {
            var manager = lm.manager().newSubManager();
            NDArray w = manager.create(new float[]{0.5f, -1.0f, 2.0f});
            float[] gradient = {0.1f, -0.2f, 0.3f};
            NDArray g = manager.create(gradient);
            TrainingConfig c = quick(dir).weightDecay(0.1).betas(0.9, 0.999);
            AdamW adam = new AdamW(Map.of("w", w), java.util.Set.of("w"), manager, c);
            double[] expected = {0.5, -1.0, 2.0};
            double[] m = new double[3];
            double[] v = new double[3];
            double lr = 0.01;
            for (int step = 1; step <= 3; step++) {
                try (ai.djl.training.GradientCollector collector = ai.djl.engine.Engine.getInstance()
                        .newGradientCollector()) {
                    collector.backward(w.mul(g).sum());
                }
                adam.update(lr, 0.5); // gradients halved, as clipping would
                adam.zeroGradients();
                for (int i = 0; i < 3; i++) {
                    double grad = gradient[i] * 0.5;
                    m[i] = 0.9 * m[i] + 0.1 * grad;
                    v[i] = 0.999 * v[i] + 0.001 * grad * grad;
                    expected[i] *= 1 - lr * 0.1;
                    expected[i] -= lr * (m[i] / (1 - Math.pow(0.9, step)))
                            / (Math.sqrt(v[i] / (1 - Math.pow(0.999, step))) + 1e-8);
                }
            }
            float[] actual = w.toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(expected[i], actual[i], 1e-6, "weight " + i);
            }
            adam.close();
            manager.close();
        }
    }
}
