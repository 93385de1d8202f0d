package org.globmed.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.globmed.bench.Bench;
import org.globmed.bench.Report;
import org.globmed.bench.Results;
import org.globmed.data.GlobMedData;
import org.globmed.data.Item;
import org.globmed.model.CausalLM;
import org.globmed.model.LanguageModel;
import org.globmed.model.Lora;
import org.globmed.model.ModelSize;
import tech.tablesaw.api.Row;

/**
 * Supervised fine-tuning of a causal LM on GlobMed items, fully or with LoRA, checkpointed and
 * resumable: the entry point of GlobMed-LLM training.
 *
 * <pre>{@code
 * GlobMedData data = GlobMed.load();
 * LanguageModel model = Models.load(Path.of("models/Qwen3-1.7B"));
 * FineTune.Result run = FineTune.run(model, data.splits("train"),
 *         new TrainingConfig(Path.of("runs/qwen3-lora")).lora(16).epochs(2).dev(data.splits("test")));
 * run.report();                      // steps, tokens/s, per-language dev accuracy before and after
 * }</pre>
 *
 * <h2>A step</h2>
 * Each micro-batch is right-padded; the final hidden states are gathered at the positions whose
 * next token carries loss (the answer and end tokens), and only there does the output head run,
 * so a 150k-token vocabulary costs little. The loss is the summed negative log-likelihood over
 * the step's loss tokens divided by their number, so gradient accumulation gives the same
 * gradient as one big batch. Then: the global gradient norm, clipping, AdamW at the scheduled
 * learning rate (linear warm-up, cosine decay), gradients zeroed.
 *
 * <h2>What is saved</h2>
 * In the output folder: {@code train-log.csv} and {@code dev-log.csv} ({@link TrainingLog});
 * {@code checkpoints/step-NNNNNNNN/} every {@code checkpointEvery} steps and at the end, written
 * to a temporary folder and renamed, the newest {@code keepCheckpoints} kept; {@code best/} (the
 * weights of the best dev evaluation); {@code before/} and {@code after/} (dev results folders,
 * as {@code globmed evaluate} writes them); and the result: {@code adapter/} (LoRA, PEFT's layout)
 * or {@code model/} (full, Hugging Face's layout).
 *
 * <h2>Resuming</h2>
 * With {@code resume(true)} a run continues from its newest checkpoint: trained weights,
 * optimizer moments, step, loss scale, best-so-far and elapsed time come from it, the data order
 * is recomputed from the seed, and dropout is reseeded from the seed and step number at every
 * step; so on the CPU in float32 the losses after a resume are those of an uninterrupted run.
 * The model given must be the same base model (its weight digest is checked) with the same
 * configuration.
 */
public final class FineTune {
    static final String CHECKPOINTS = "checkpoints";
    /** Initial float16 loss scale; halved on overflow, doubled after {@value #SCALE_GROWTH_STEPS} clean steps. */
    static final double INITIAL_LOSS_SCALE = 65536;
    static final int SCALE_GROWTH_STEPS = 2000;

    private FineTune() {
    }

    /** A finished run: the tuned model (the one passed in, trained in place) and its report. */
    public record Result(LanguageModel model, TrainingReport report) {
    }

    /**
     * Fine-tunes {@code model} in place on every item of {@code train}, as {@code config} says.
     *
     * @throws IllegalArgumentException before any work, for a bad configuration, an empty training
     *                                  set, a dev set overlapping it, or a run that does not fit in memory
     * @throws TrainingException        when the loss or the gradients become NaN or infinite
     */
    public static Result run(LanguageModel model, GlobMedData train, TrainingConfig config) throws IOException {
        return new Run(model, train, config, TrainingProgress.defaultSink()).run();
    }

    /** {@link #run} reporting progress to {@code progress} instead of the default sink. */
    public static Result run(LanguageModel model, GlobMedData train, TrainingConfig config,
                             Consumer<TrainingProgress> progress) throws IOException {
        return new Run(model, train, config, progress).run();
    }

    /** The memory {@code config} would need on {@code model}'s device, without training. */
    public static MemoryEstimate estimate(LanguageModel model, GlobMedData train, TrainingConfig config) {
        config.check();
        TrainingData data = TrainingData.prepare(model, train, config);
        return Run.estimate(model, data, config);
    }

    /** A run that cannot go on: the loss or gradients stopped being finite. */
    public static final class TrainingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TrainingException(String message) {
            super(message);
        }
    }

    private static final class Run {
        private final LanguageModel model;
        private final GlobMedData train;
        private final TrainingConfig config;
        private final Consumer<TrainingProgress> progress;
        private final CausalLM block;
        private final ParameterStore store;
        private final TrainingConfig.Precision precision;
        private Lora lora;
        private AdamW optimizer;
        private TrainingState state;
        private String devSplit;
        private final List<Double> losses = new ArrayList<>();
        private double resumedSeconds;
        private long resumedTokens;
        private long resumedFrom;
        private long startNanos;

        Run(LanguageModel model, GlobMedData train, TrainingConfig config, Consumer<TrainingProgress> progress) {
            this.model = model;
            this.train = train;
            this.config = config;
            this.progress = progress;
            this.block = model.block();
            this.store = new ParameterStore(model.manager(), false);
            this.precision = config.precision != null ? config.precision
                    : model.dataType() == DataType.FLOAT16 ? TrainingConfig.Precision.FP16 : TrainingConfig.Precision.FP32;
        }

        Result run() throws IOException {
            config.check();
            checkInputs();
            TrainingData data = TrainingData.prepare(model, train, config);
            List<TrainingData.Step> schedule = data.schedule();
            MemoryEstimate memory = estimate(model, data, config);
            if (!memory.fits()) {
                throw new IllegalArgumentException("this run does not fit in memory: " + memory + "; lower batchSize"
                        + " (and raise gradientAccumulation), maxLength, or use lora(r)");
            }
            Path out = config.out;
            Files.createDirectories(out);
            String baseDigest = model.weightDigest();
            TrainingCheckpoints checkpoints = new TrainingCheckpoints(out.resolve(CHECKPOINTS), config.keepCheckpoints);
            TrainingState latest = checkpoints.latest();
            if (latest != null && !config.resume) {
                throw new IllegalArgumentException(out + " already holds checkpoints of a run; resume(true) continues it,"
                        + " or choose another output folder");
            }
            resumedFrom = latest == null ? 0 : latest.step;
            if (latest != null) {
                latest.checkResumable(baseDigest, config.fingerprint(), checkpoints.folder(latest.step));
            }
            if (config.lora()) {
                lora = Lora.attach(model, config.loraRank, config.alpha(), config.loraDropout, config.loraTargets,
                        config.seed);
                freezeBaseWeights();
            }
            try {
                optimizer = new AdamW(trainedArrays(), decayed(), model.manager(), config);
                state = latest != null ? latest : new TrainingState(baseDigest, config.fingerprint(),
                        precision == TrainingConfig.Precision.FP16 ? INITIAL_LOSS_SCALE : 1);
                if (latest != null) {
                    Path folder = checkpoints.folder(latest.step);
                    optimizer.restore(folder.resolve(TrainingCheckpoints.WEIGHTS),
                            folder.resolve(TrainingCheckpoints.OPTIMIZER), latest.step);
                }
                resumedSeconds = state.seconds;
                resumedTokens = state.tokens;
                startNanos = System.nanoTime();
                Results before = null;
                boolean stoppedEarly;
                try (TrainingLog log = new TrainingLog(out, state.step)) {
                    losses.addAll(log.losses());
                    if (state.step == 0 && config.dev != null && config.evaluateBeforeAndAfter) {
                        before = evaluate(log, 0, out.resolve("before"), false);
                        emit(schedule, 0, Double.NaN, 0);
                    }
                    stoppedEarly = loop(data, schedule, checkpoints, log);
                    double loopSeconds = (System.nanoTime() - startNanos) / 1e9;
                    Results after = null;
                    if (config.dev != null && config.evaluateBeforeAndAfter) {
                        after = evaluate(log, state.step, out.resolve("after"), false);
                        Path saved = out.resolve("before").resolve("results.jsonl");
                        if (before == null && Files.exists(saved)) {
                            before = Results.readJsonl(saved, train.registry());
                        }
                    }
                    saveWeights(out.resolve(lora != null ? "adapter" : "model"));
                    TrainingReport report = new TrainingReport(config.lora() ? "LoRA r=" + config.loraRank : "full",
                            trainedValues(), state.step, schedule.size(), state.tokens, loopSeconds,
                            (state.tokens - resumedTokens) / Math.max(1e-9, loopSeconds),
                            losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1), state.bestStep,
                            state.bestMetric, config.metric, stoppedEarly, data.probabilities(),
                            data.effectiveMix(schedule), data.truncated, memory, before, after, out, resumedFrom);
                    report.write(out.resolve("report.json"));
                    return new Result(model, report);
                }
            } finally {
                if (optimizer != null) {
                    optimizer.close();
                }
            }
        }

        private void checkInputs() {
            if (train == null || train.size() == 0) {
                throw new IllegalArgumentException("the training set is empty: nothing to fine-tune on");
            }
            if (config.lora()) {
                Lora.checkTargets(model, config.loraTargets);
                if (model.lora().isPresent()) {
                    throw new IllegalArgumentException("the model already has LoRA adapters; merge() or detach() them"
                            + " before training new ones");
                }
            }
            if (config.dev != null) {
                if (config.dev.size() == 0) {
                    throw new IllegalArgumentException("the dev set is empty");
                }
                Set<String> splits = new HashSet<>();
                config.dev.items().forEach(i -> splits.add(i.split()));
                if (splits.size() != 1) {
                    throw new IllegalArgumentException("the dev set must be one split, found " + splits);
                }
                devSplit = splits.iterator().next();
                Set<String> trainIds = new HashSet<>();
                for (Item i : train.items()) {
                    trainIds.add(i.id());
                }
                for (Item i : config.dev.items()) {
                    if (trainIds.contains(i.id())) {
                        throw new IllegalArgumentException("dev item " + i.id() + " is also a training item: the dev"
                                + " accuracy would measure memory, not learning");
                    }
                }
            }
            if (precision == TrainingConfig.Precision.FP32 && model.dataType() != DataType.FLOAT32
                    || precision == TrainingConfig.Precision.FP16 && model.dataType() != DataType.FLOAT16) {
                throw new IllegalArgumentException(precision + " training needs the model loaded as "
                        + (precision == TrainingConfig.Precision.FP32 ? "FLOAT32" : "FLOAT16") + ", it is "
                        + model.dataType() + " (Models.loader().dataType(...))");
            }
        }

        static MemoryEstimate estimate(LanguageModel model, TrainingData data, TrainingConfig config) {
            long longest = 0;
            long answerTokens = 0;
            for (TrainingData.Example e : data.examples) {
                longest = Math.max(longest, e.ids().length);
                answerTokens = Math.max(answerTokens, e.ids().length - e.promptLength());
            }
            long weights = model.config().parameterCount();
            long lora = config.lora() ? new ModelSize(model.config()).loraParameters(config.loraRank, config.loraTargets) : 0;
            long trained = config.lora() ? lora : weights;
            int bytes = model.dataType() == DataType.FLOAT16 ? 2 : 4;
            long available = config.memoryLimit > 0 ? config.memoryLimit : MemoryEstimate.available(model.device());
            return MemoryEstimate.of(model.config(), weights + lora, trained, bytes, bytes == 2, config.batchSize,
                    longest, config.batchSize * answerTokens, config.gradientCheckpointing, available);
        }

        /**
         * Makes the model's own weights stop requiring gradients, for LoRA. A model from
         * {@code Models.loader().create()} has them on (DJL's {@code Parameter.initialize} sets it;
         * a loaded checkpoint has them off), and autograd would then compute a gradient for every
         * frozen weight in each backward pass and keep it: the weight-gradient half of full
         * fine-tuning's backward and a gradient buffer the size of the model, for nothing, since
         * only the adapters are updated. The adapters' gradients do not change.
         */
        private void freezeBaseWeights() {
            block.huggingFaceParameters().values().forEach(p -> p.getArray().setRequiresGradient(false));
        }

        /** Arrays being trained, by name: LoRA's adapters, or every weight of the model. */
        private Map<String, NDArray> trainedArrays() {
            if (lora != null) {
                return lora.arrays();
            }
            Map<String, NDArray> out = new LinkedHashMap<>();
            block.huggingFaceParameters().forEach((name, p) -> out.put(name, p.getArray()));
            return out;
        }

        /** Matrices decay; norms and biases do not. LoRA's A and B are matrices. */
        private Set<String> decayed() {
            if (lora != null) {
                return lora.arrays().keySet();
            }
            Set<String> out = new HashSet<>();
            block.huggingFaceParameters().forEach((name, p) -> {
                if (p.getType() == Parameter.Type.WEIGHT) {
                    out.add(name);
                }
            });
            return out;
        }

        /** Values being trained: the optimizer's, already listed, rather than a second walk of the model. */
        private long trainedValues() {
            return optimizer.values().values().stream().mapToLong(NDArray::size).sum();
        }

        /** Trains until the schedule ends or early stopping; returns whether it stopped early. */
        private boolean loop(TrainingData data, List<TrainingData.Step> schedule, TrainingCheckpoints checkpoints,
                             TrainingLog log) throws IOException {
            LearningRate rate = new LearningRate(config.peakLearningRate(), config.warmupFraction,
                    config.minLearningRateRatio, schedule.size());
            boolean scaling = precision == TrainingConfig.Precision.FP16;
            while (state.step < schedule.size()) {
                long step = state.step + 1;
                TrainingData.Step work = schedule.get((int) step - 1);
                // Dropout draws from the engine's generator: seeded per step, so a resumed run draws alike.
                Engine.getInstance().setRandomSeed((int) (config.seed * 31 + step));
                int lossTokens = 0;
                long tokens = 0;
                for (int[] batch : work.microBatches()) {
                    for (int i : batch) {
                        TrainingData.Example e = data.examples.get(i);
                        lossTokens += e.ids().length - e.promptLength();
                        tokens += e.ids().length;
                    }
                }
                double loss = 0;
                int micro = 0;
                for (int[] batch : work.microBatches()) {
                    // A checkpointed pass reseeds dropout per layer: from the step and micro-batch, so a
                    // resumed run draws alike too.
                    int seed = (int) ((config.seed * 31 + step) * 7919 + micro++ * 997);
                    loss += forwardBackward(data, batch, lossTokens, seed);
                }
                double lr = rate.at(step);
                double norm = optimizer.gradientNorm(1 / state.lossScale);
                boolean finite = Double.isFinite(norm) && Double.isFinite(loss);
                if (finite) {
                    double clip = config.clipNorm > 0 && norm > config.clipNorm ? config.clipNorm / (norm + 1e-6) : 1;
                    optimizer.update(lr, clip / state.lossScale);
                } else if (scaling) {
                    // float16 overflow: this update is skipped and later ones run at half the scale.
                    state.overflowed();
                    if (state.lossScale < 1) {
                        throw new TrainingException("float16 gradients overflow even at loss scale 1 (step " + step
                                + "); train in FP32 or lower the learning rate");
                    }
                } else {
                    List<Long> saved = checkpoints.steps();
                    throw new TrainingException(String.format(java.util.Locale.ROOT,
                            "the %s became %s at step %d (epoch %d, learning rate %.3g); training stopped. The last"
                                    + " good checkpoint is %s. Lower the learning rate or lengthen the warm-up.",
                            Double.isFinite(loss) ? "gradient norm" : "loss", Double.isFinite(loss) ? norm : loss, step,
                            work.epoch() + 1, lr, saved.isEmpty() ? "none (no checkpoint was written yet)"
                                    : checkpoints.folder(saved.get(saved.size() - 1))));
                }
                optimizer.zeroGradients();
                state.stepped(step, work.epoch(), tokens, seconds(), scaling, finite);
                log.step(step, work.epoch() + 1, state.tokens, state.seconds, loss, lr, norm);
                losses.add(loss);
                boolean stop = false;
                if (config.evaluateEvery > 0 && step % config.evaluateEvery == 0 && step < schedule.size()) {
                    evaluate(log, step, null, true);
                    stop = config.patience > 0 && state.evaluationsWithoutImprovement >= config.patience;
                }
                emit(schedule, step, loss, lr);
                if (step % config.checkpointEvery == 0 || step == schedule.size() || stop) {
                    checkpoints.write(state, optimizer);
                }
                if (stop) {
                    return true;
                }
            }
            return false;
        }

        /** Training seconds so far, over every process of the run. */
        private double seconds() {
            return resumedSeconds + (System.nanoTime() - startNanos) / 1e9;
        }

        /**
         * Forward and backward of one micro-batch; returns its share of the step's mean loss.
         * {@code seed}: where a checkpointed pass seeds dropout (its layers reseed).
         */
        private double forwardBackward(TrainingData data, int[] batch, int stepLossTokens, int seed) {
            int rows = batch.length;
            int width = 0;
            for (int i : batch) {
                width = Math.max(width, data.examples.get(i).ids().length);
            }
            long[] ids = new long[rows * width];
            long[] mask = new long[rows * width];
            boolean[] predicts = new boolean[rows * width];
            List<Long> targets = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                TrainingData.Example e = data.examples.get(batch[r]);
                long[] seq = e.ids();
                for (int t = 0; t < seq.length; t++) {
                    ids[r * width + t] = seq[t];
                    mask[r * width + t] = 1;
                }
                // Position t predicts token t + 1: loss positions are promptLength - 1 .. length - 2.
                for (int t = e.promptLength() - 1; t < seq.length - 1; t++) {
                    predicts[r * width + t] = true;
                    targets.add(seq[t + 1]);
                }
            }
            double scale = state.lossScale;
            try (NDManager pass = model.manager().newSubManager();
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray input = pass.create(ids, new Shape(rows, width));
                NDArray keyMask = pass.create(mask, new Shape(rows, width));
                NDArray where = pass.create(predicts, new Shape(rows, width));
                NDArray target = pass.create(targets.stream().mapToLong(Long::longValue).toArray(),
                        new Shape(targets.size(), 1));
                // The constant is an array, not a Java number: autograd keeps it (see HfBlock). Its one
                // dimension makes float16 log-probabilities promote to float32 (a differentiable
                // widening, unlike toType) before the scaled sum, which float16 could not hold.
                NDArray factor = pass.full(new Shape(1), (float) (-scale / stepLossTokens), DataType.FLOAT32);
                Function<NDArray, NDArray> loss = hidden -> {
                    NDArray selected = hidden.get(where);                                 // [N, hidden]
                    NDArray logProbs = block.logits(store, selected, true).logSoftmax(-1);  // [N, vocab], the model's type
                    return logProbs.gather(target, 1).mul(factor).sum();                  // picked [N, 1], scaled
                };
                if (config.gradientCheckpointing) {
                    return block.checkpointedBackward(store, input, keyMask, collector, seed, loss) / scale;
                }
                NDArray value = loss.apply(block.hiddenStates(store, input, keyMask, null, null, true));
                collector.backward(value);
                return value.getFloat() / scale;
            }
        }

        private void emit(List<TrainingData.Step> schedule, long step, double loss, double lr) {
            int epoch = step == 0 ? 0 : schedule.get((int) step - 1).epoch();
            progress.accept(new TrainingProgress(step, schedule.size(), epoch, loss, lr, state.tokens, resumedFrom,
                    resumedTokens,
                    Duration.ofNanos(System.nanoTime() - startNanos), losses, state.devStep, state.dev));
        }

        /**
         * Evaluates the dev set and logs per-language accuracy at {@code step}; saves the results
         * folder when given one; when {@code track}, keeps the weights if they are the best so far.
         */
        private Results evaluate(TrainingLog log, long step, Path folder, boolean track) throws IOException {
            Results results = Bench.builder().model(model).split(devSplit).batchSize(config.batchSize)
                    .chat(config.chat).progress(p -> { }).evaluate(config.dev);
            Map<String, Double> accuracy = new TreeMap<>();
            // After early stopping the final weights were just evaluated at this step: logged once.
            boolean logged = step > 0 && state.devStep == step;
            for (Row row : results.report().languages()) {
                String language = row.getString("language");
                double value = row.getDouble("accuracy");
                accuracy.put(language, value);
                if (!logged) {
                    log.dev(step, language, row.getString("tier"), row.getInt("n"), value);
                }
            }
            if (state.evaluated(step, accuracy, metric(results.report()), track)) {
                saveWeights(config.out.resolve("best"));
            }
            if (folder != null) {
                results.save(folder);
            }
            return results;
        }

        private double metric(Report report) {
            Report.Summary s = report.summary();
            return switch (config.metric) {
                case MACRO -> s.macroAccuracy();
                case MICRO -> s.microAccuracy();
                case LOW_RESOURCE -> s.lowTierMean();
            };
        }

        /** The trained weights in their usual layout: LoRA adapters (PEFT) or the whole model (Hugging Face). */
        private void saveWeights(Path folder) throws IOException {
            Path tmp = folder.resolveSibling(folder.getFileName() + ".tmp");
            TrainingCheckpoints.deleteTree(tmp);
            if (lora != null) {
                lora.save(tmp);
            } else {
                model.save(tmp);
            }
            TrainingCheckpoints.replace(tmp, folder);
        }

    }
}
