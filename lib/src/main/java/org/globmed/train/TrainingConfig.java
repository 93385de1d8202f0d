package org.globmed.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.globmed.data.GlobMedData;
import org.globmed.model.Lora;

/**
 * How a fine-tuning run goes. Every option has a default but the output folder; {@link #check}
 * rejects a bad value before any work starts, naming the option and what it accepts.
 *
 * <pre>{@code
 * TrainingConfig config = new TrainingConfig(Path.of("runs/lora-r8"))
 *         .lora(8).epochs(2).learningRate(1e-3).batchSize(8).gradientAccumulation(2)
 *         .languageTemperature(3).dev(GlobMed.load().splits("test")).evaluateEvery(50);
 * }</pre>
 */
public final class TrainingConfig {
    /** The dev metric early stopping and the best checkpoint follow. */
    public enum Metric {
        /** Mean of the per-language accuracies. */
        MACRO,
        /** Accuracy over all dev items. */
        MICRO,
        /** Mean accuracy of the low-resource languages. */
        LOW_RESOURCE;

        /** "macro", "micro" or "low-resource" (any case). */
        public static Metric parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown metric '" + name + "'; expected macro, micro or low-resource");
            }
        }
    }

    /** The number format the model computes in while training. */
    public enum Precision {
        /** float32 throughout: the CPU default, and what exact resumption is tested in. */
        FP32,
        /** float16 weights and activations, float32 master weights and optimizer, dynamic loss scaling: the GPU default. */
        FP16
    }

    final Path out;
    /** 0 until lora(r) is called: full fine-tuning. */
    int loraRank;
    boolean loraRequested;
    double loraAlpha = Double.NaN;
    /** PEFT's default; dropout draws a mask per adapter per step, about a tenth of a LoRA step's time. */
    double loraDropout = 0;
    List<String> loraTargets = Lora.DEFAULT_TARGETS;
    int epochs = 1;
    int maxSteps;
    double learningRate = Double.NaN;
    double weightDecay = 0.01;
    double warmupFraction = 0.05;
    double minLearningRateRatio = 0.1;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
    double clipNorm = 1.0;
    int batchSize = 8;
    int gradientAccumulation = 1;
    int maxLength = 1024;
    double languageTemperature = 1;
    boolean chat;
    boolean promptLoss;
    long seed = 1234;
    Precision precision;
    int checkpointEvery = 50;
    int keepCheckpoints = 2;
    GlobMedData dev;
    int evaluateEvery;
    Metric metric = Metric.MACRO;
    int patience;
    boolean evaluateBeforeAndAfter = true;
    long memoryLimit;
    boolean gradientCheckpointing;
    boolean resume;

    /** A run that writes its checkpoints, logs and results into {@code out}. */
    public TrainingConfig(Path out) {
        if (out == null) {
            throw new IllegalArgumentException("a training run needs an output folder");
        }
        this.out = out;
    }

    /** LoRA of this rank (at least 1) on {@link #loraTargets}, alpha 2·rank unless set; without it every weight trains. */
    public TrainingConfig lora(int rank) {
        this.loraRank = rank;
        this.loraRequested = true;
        return this;
    }

    public TrainingConfig loraAlpha(double alpha) {
        this.loraAlpha = alpha;
        return this;
    }

    public TrainingConfig loraDropout(double dropout) {
        this.loraDropout = dropout;
        return this;
    }

    /** Projections to adapt by module name ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"). */
    public TrainingConfig loraTargets(List<String> modules) {
        this.loraTargets = List.copyOf(modules);
        return this;
    }

    public TrainingConfig epochs(int epochs) {
        this.epochs = epochs;
        return this;
    }

    /** Stops after this many optimizer steps even if epochs remain (0: no limit); the schedule spans the shorter. */
    public TrainingConfig maxSteps(int steps) {
        this.maxSteps = steps;
        return this;
    }

    /** Peak learning rate (default 2e-4 with LoRA, 2e-5 for full fine-tuning). */
    public TrainingConfig learningRate(double rate) {
        this.learningRate = rate;
        return this;
    }

    /** AdamW's decoupled weight decay, applied to matrices only (not norms or biases). */
    public TrainingConfig weightDecay(double decay) {
        this.weightDecay = decay;
        return this;
    }

    /** Share of the steps spent warming the learning rate up linearly from 0. */
    public TrainingConfig warmup(double fraction) {
        this.warmupFraction = fraction;
        return this;
    }

    /** Where cosine decay ends, as a fraction of the peak learning rate. */
    public TrainingConfig minLearningRateRatio(double ratio) {
        this.minLearningRateRatio = ratio;
        return this;
    }

    public TrainingConfig betas(double beta1, double beta2) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        return this;
    }

    /** Gradients are scaled down to this global L2 norm when above it (0: no clipping). */
    public TrainingConfig clipNorm(double norm) {
        this.clipNorm = norm;
        return this;
    }

    /** Sequences per forward pass. */
    public TrainingConfig batchSize(int sequences) {
        this.batchSize = sequences;
        return this;
    }

    /** Forward passes whose gradients are summed before each optimizer step. */
    public TrainingConfig gradientAccumulation(int passes) {
        this.gradientAccumulation = passes;
        return this;
    }

    /** Longest sequence in tokens; longer prompts lose their start (the answer is always kept) and are counted. */
    public TrainingConfig maxLength(int tokens) {
        this.maxLength = tokens;
        return this;
    }

    /**
     * Sampling temperature over languages: language {@code l} is drawn with probability
     * proportional to {@code n_l^(1/τ)}. 1 keeps the data's proportions; larger values give small
     * (low-resource) languages more weight; very large values approach uniform.
     */
    public TrainingConfig languageTemperature(double temperature) {
        this.languageTemperature = temperature;
        return this;
    }

    /** Wraps prompts in the model's chat template, as {@code Bench.builder().chat(true)} evaluates. */
    public TrainingConfig chat(boolean chat) {
        this.chat = chat;
        return this;
    }

    /** Also computes the loss on prompt tokens (default: answer tokens only). */
    public TrainingConfig promptLoss(boolean included) {
        this.promptLoss = included;
        return this;
    }

    /** Seeds data order, sampling, LoRA initialisation and dropout. */
    public TrainingConfig seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** FP32 or FP16 (default: FP16 on a GPU, FP32 on the CPU). */
    public TrainingConfig precision(Precision precision) {
        this.precision = precision;
        return this;
    }

    /** A checkpoint every this many steps (and always at the end). */
    public TrainingConfig checkpointEvery(int steps) {
        this.checkpointEvery = steps;
        return this;
    }

    /** How many of the newest checkpoints are kept on disk. */
    public TrainingConfig keepCheckpoints(int count) {
        this.keepCheckpoints = count;
        return this;
    }

    /** Items to evaluate on during training (one split; none of them may be a training item). */
    public TrainingConfig dev(GlobMedData items) {
        this.dev = items;
        return this;
    }

    /** Evaluates on {@link #dev} every this many steps (0: only before and after). */
    public TrainingConfig evaluateEvery(int steps) {
        this.evaluateEvery = steps;
        return this;
    }

    /** The dev metric of early stopping and the best checkpoint. */
    public TrainingConfig metric(Metric metric) {
        this.metric = metric;
        return this;
    }

    /** Stops after this many evaluations without improvement (0: never stops early). */
    public TrainingConfig patience(int evaluations) {
        this.patience = evaluations;
        return this;
    }

    /** Whether the dev set is also evaluated before the first step and after the last (default yes). */
    public TrainingConfig evaluateBeforeAndAfter(boolean evaluate) {
        this.evaluateBeforeAndAfter = evaluate;
        return this;
    }

    /** Memory the run may use, in bytes (default: the GPU's memory, or the machine's available memory). */
    public TrainingConfig memoryLimit(long bytes) {
        this.memoryLimit = bytes;
        return this;
    }

    /**
     * Recomputes activations in the backward pass instead of keeping them (default off): the pass
     * keeps each layer's input only and runs every layer's forward twice, about a third more
     * compute for activations of one layer instead of all ({@link
     * org.globmed.model.CausalLM#checkpointedBackward}). The gradients are those of the ordinary
     * pass; with LoRA dropout the masks are drawn per layer, so they differ from an ordinary run's.
     */
    public TrainingConfig gradientCheckpointing(boolean enabled) {
        this.gradientCheckpointing = enabled;
        return this;
    }

    /**
     * Continues from the newest checkpoint in the output folder (a new run when there is none).
     * Without it, a folder that already holds checkpoints is refused rather than overwritten.
     */
    public TrainingConfig resume(boolean resume) {
        this.resume = resume;
        return this;
    }

    public Path out() {
        return out;
    }

    boolean lora() {
        return loraRequested;
    }

    double alpha() {
        return Double.isNaN(loraAlpha) ? 2.0 * loraRank : loraAlpha;
    }

    double peakLearningRate() {
        return Double.isNaN(learningRate) ? (lora() ? 2e-4 : 2e-5) : learningRate;
    }

    /** Every problem of this configuration, or an empty list. */
    List<String> problems() {
        List<String> p = new ArrayList<>();
        if (lora() && loraRank < 1) {
            p.add("lora rank must be at least 1, not " + loraRank + " (leave lora(...) out for full fine-tuning)");
        }
        if (lora() && !(alpha() > 0)) {
            p.add("loraAlpha must be positive, not " + loraAlpha);
        }
        if (!(loraDropout >= 0 && loraDropout < 1)) {
            p.add("loraDropout must be in [0, 1), not " + loraDropout);
        }
        if (lora() && loraTargets.isEmpty()) {
            p.add("loraTargets is empty; e.g. " + Lora.DEFAULT_TARGETS);
        }
        atLeast(p, "epochs", epochs, 1, "");
        if (maxSteps < 0) {
            p.add("maxSteps must be 0 (no limit) or positive, not " + maxSteps);
        }
        if (!(peakLearningRate() > 0) || Double.isInfinite(peakLearningRate())) {
            p.add("learningRate must be a positive number, not " + learningRate);
        }
        if (!(weightDecay >= 0)) {
            p.add("weightDecay must be 0 or positive, not " + weightDecay);
        }
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            p.add("warmup must be a fraction in [0, 1), not " + warmupFraction);
        }
        if (!(minLearningRateRatio >= 0 && minLearningRateRatio <= 1)) {
            p.add("minLearningRateRatio must be in [0, 1], not " + minLearningRateRatio);
        }
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            p.add("betas must be in [0, 1), not " + beta1 + ", " + beta2);
        }
        if (!(clipNorm >= 0)) {
            p.add("clipNorm must be 0 (off) or positive, not " + clipNorm);
        }
        atLeast(p, "batchSize", batchSize, 1, "");
        atLeast(p, "gradientAccumulation", gradientAccumulation, 1, "");
        atLeast(p, "maxLength", maxLength, 2, " tokens");
        if (!(languageTemperature > 0) || Double.isInfinite(languageTemperature)) {
            p.add("languageTemperature must be a positive number, not " + languageTemperature);
        }
        atLeast(p, "checkpointEvery", checkpointEvery, 1, " step");
        atLeast(p, "keepCheckpoints", keepCheckpoints, 1, "");
        if (evaluateEvery < 0) {
            p.add("evaluateEvery must be 0 (before and after only) or positive, not " + evaluateEvery);
        }
        if (evaluateEvery > 0 && dev == null) {
            p.add("evaluateEvery is set but no dev set was given (dev(...))");
        }
        if (patience < 0) {
            p.add("patience must be 0 (no early stopping) or positive, not " + patience);
        }
        if (patience > 0 && evaluateEvery == 0) {
            p.add("early stopping (patience " + patience + ") needs evaluateEvery > 0");
        }
        if (memoryLimit < 0) {
            p.add("memoryLimit must be positive bytes, not " + memoryLimit);
        }
        return p;
    }

    /** Adds "NAME must be at least MIN[ UNIT], not VALUE" when {@code value} is below {@code min}. */
    private static void atLeast(List<String> problems, String name, long value, long min, String unit) {
        if (value < min) {
            problems.add(name + " must be at least " + min + unit + ", not " + value);
        }
    }

    /** Throws with every problem listed, or returns quietly. */
    void check() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("bad training configuration: " + String.join("; ", problems));
        }
    }

    /** The options that decide what the run computes: a resumed run must have the same. */
    String fingerprint() {
        return String.format(Locale.ROOT, "lora=%d/%s/%s/%s,epochs=%d,maxSteps=%d,lr=%s,wd=%s,warmup=%s,min=%s,betas=%s/%s,"
                        + "eps=%s,clip=%s,batch=%d,accum=%d,maxLength=%d,tau=%s,chat=%s,promptLoss=%s,seed=%d,precision=%s,"
                        + "checkpointing=%s",
                loraRank, alpha(), loraDropout, loraTargets, epochs, maxSteps, peakLearningRate(), weightDecay,
                warmupFraction, minLearningRateRatio, beta1, beta2, epsilon, clipNorm, batchSize, gradientAccumulation,
                maxLength, languageTemperature, chat, promptLoss, seed, precision, gradientCheckpointing);
    }
}
