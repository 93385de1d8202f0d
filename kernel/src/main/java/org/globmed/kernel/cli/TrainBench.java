package org.globmed.kernel.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.stream.Stream;
import org.globmed.bench.Bench;
import org.globmed.data.GlobMed;
import org.globmed.data.GlobMedData;
import org.globmed.data.Item;
import org.globmed.model.LanguageModel;
import org.globmed.model.ModelConfig;
import org.globmed.model.Models;
import org.globmed.train.FineTune;
import org.globmed.train.TrainingConfig;
import org.globmed.train.TrainingProgress;
import org.globmed.train.TrainingReport;

/**
 * {@code globmed finetune bench}: how fast fine-tuning runs on this machine, as figures. One mode
 * per process, so that each mode's peak memory is its own ({@code environment/bench-train} runs
 * them and makes the table):
 * <pre>
 * globmed finetune bench peak [--runs 5]          the engine's dense matmul peak (2048², float32)
 * globmed finetune bench full|lora [--batch 2] [--seq 256] [--accumulate 1] [--warmup 3] [--steps 8]
 *                                  [--rank 16] [--lora-dropout 0] [--checkpointing] [--profile trace.json]
 * </pre>
 * A training mode trains {@link ModelBench#benchConfig()} (random weights, the byte-level
 * tokenizer) through {@link FineTune#run}, exactly as a user's run does, on the bundled sample's
 * train items that are at least {@code seq} tokens long, cut to {@code seq}: every micro-batch is
 * then {@code batch × seq} real tokens with no padding. With {@code promptLoss(true)} the loss, and
 * so the output head, covers every position but the last. The first {@code warmup} steps are not
 * timed; tokens/s is over the next {@code steps} steps, each timed from the end of the previous
 * one (the progress callback runs after the optimizer update), so forward, backward, gradient
 * norm, AdamW and zeroing are all inside.
 *
 * <p>Output: one {@code name=value} line per figure. FLOPs per trained token follow the usual
 * convention, {@code 6·P} for full fine-tuning (P = every parameter, the untied head included)
 * and {@code 4·P + 6·P_lora} for LoRA (forward, gradients with respect to activations; the frozen
 * weights get no weight gradient). {@code rss_training_mib} is the process's resident high-water
 * mark read at the end of the last step, before the final checkpoint is written;
 * {@code rss_base_mib} the resident size with the model and data loaded, before training;
 * {@code rss_runtime_mib} the resident size before the model exists (see {@link #runtimeKiB}). With
 * {@code --checkpointing} (gradient checkpointing) the FLOPs stay the model's: the second
 * forward pass of every layer is not counted, as model FLOPs utilisation defines it.
 */
final class TrainBench {
    static final String USAGE = "finetune bench peak [--runs R] | finetune bench full|lora [--batch B] [--seq T]"
            + " [--accumulate A] [--warmup W] [--steps N] [--rank R] [--lora-dropout D] [--checkpointing]"
            + " [--profile FILE.json]";

    private TrainBench() {
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        if (args.isEmpty()) {
            return usage("which mode: peak, full or lora?");
        }
        String mode = args.get(0);
        if (!List.of("peak", "full", "lora").contains(mode)) {
            return usage("unknown mode '" + mode + "'");
        }
        int runs;
        int batch;
        int seq;
        int accumulate;
        int warmup;
        int steps;
        int rank;
        double dropout;
        boolean checkpointing;
        Path profile;
        try {
            Options o = Options.parse(args.subList(1, args.size()), Set.of("--runs", "--batch", "--seq", "--accumulate",
                    "--warmup", "--steps", "--rank", "--lora-dropout", "--profile"), Set.of("--checkpointing"));
            runs = o.integer("--runs", 5);
            batch = o.integer("--batch", 2);
            seq = o.integer("--seq", 256);
            accumulate = o.integer("--accumulate", 1);
            warmup = o.integer("--warmup", 3);
            steps = o.integer("--steps", 8);
            rank = o.integer("--rank", 16);
            dropout = o.number("--lora-dropout", 0); // TrainingConfig's default, as PEFT's
            checkpointing = o.has("--checkpointing");
            profile = o.path("--profile");
        } catch (Options.UsageException e) {
            return usage(e.getMessage());
        }
        if (runs < 1 || batch < 1 || accumulate < 1 || seq < 2 || warmup < 1 || steps < 1 || rank < 1) {
            return usage("--runs, --batch, --accumulate, --steps, --rank and --warmup must be at least 1, --seq at"
                    + " least 2");
        }
        if (mode.equals("peak")) {
            try (LanguageModel lm = Models.loader().device(Device.cpu()).config(ModelBench.benchConfig()).create()) {
                print(out, "mode", "peak");
                print(out, "threads", JniUtils.getNumThreads());
                print(out, "peak_gflops", ModelBench.matmulPeak(lm.manager(), runs) / 1e9);
            }
            return 0;
        }
        train(mode.equals("lora"), batch, seq, accumulate, warmup, steps, rank, dropout, checkpointing, profile, out);
        return 0;
    }

    private static int usage(String problem) {
        System.err.println("globmed finetune bench: " + problem + "\nusage: globmed " + USAGE);
        return 2;
    }

    private static void train(boolean lora, int batch, int seq, int accumulate, int warmup, int steps, int rank,
                              double dropout, boolean checkpointing, Path profile, PrintStream out) throws IOException {
        ModelConfig c = ModelBench.benchConfig();
        Path folder = Files.createTempDirectory("globmed-train-bench");
        GlobMedData sample = GlobMed.load().splits("train");
        long runtime = runtimeKiB();
        try (LanguageModel lm = Models.loader().device(Device.cpu()).config(c).create()) {
            GlobMedData train = longEnough(lm, sample, seq);
            int total = warmup + steps;
            int perStep = batch * accumulate;
            if (train.size() < perStep) {
                throw new IllegalArgumentException("only " + train.size() + " sample items reach " + seq
                        + " tokens; lower --seq, --batch or --accumulate");
            }
            TrainingConfig config = new TrainingConfig(folder.resolve("run")).batchSize(batch)
                    .gradientAccumulation(accumulate).maxLength(seq)
                    .promptLoss(true).maxSteps(total).epochs(1 + total * perStep / train.size())
                    .evaluateBeforeAndAfter(false).checkpointEvery(Integer.MAX_VALUE).seed(1)
                    .gradientCheckpointing(checkpointing);
            if (lora) {
                config.lora(rank).loraDropout(dropout);
            }
            long base = residentKiB("VmRSS");
            long[] ends = new long[total + 1];
            long[] tokens = new long[total + 1];
            double[] losses = new double[total + 1];
            long[] peak = new long[1];
            Path trace = profile;
            FineTune.Result result = FineTune.run(lm, train, config, (TrainingProgress p) -> {
                int step = (int) p.step();
                if (step < 1 || step > total) {
                    return;
                }
                ends[step] = System.nanoTime();
                tokens[step] = p.tokens();
                losses[step] = p.loss();
                if (trace != null && step == warmup) {
                    JniUtils.startProfile(false, false, false);
                }
                if (step == total) {
                    peak[0] = residentKiB("VmHWM");
                    if (trace != null) {
                        JniUtils.stopProfile(trace.toAbsolutePath().toString());
                    }
                }
            });
            TrainingReport report = result.report();
            if (report.steps() != total) {
                throw new IllegalStateException("the run did " + report.steps() + " steps, expected " + total);
            }
            List<Double> times = new ArrayList<>();
            for (int s = warmup + 1; s <= total; s++) {
                times.add((ends[s] - ends[s - 1]) / 1e9);
            }
            double seconds = (ends[total] - ends[warmup]) / 1e9;
            double measuredTokens = tokens[total] - tokens[warmup];
            double tokensPerSecond = measuredTokens / seconds;
            long parameters = c.parameterCount();
            long trained = report.trainedParameters();
            double flopsPerToken = lora ? 4.0 * parameters + 6.0 * trained : 6.0 * parameters;
            print(out, "mode", lora ? "lora" : "full");
            print(out, "threads", JniUtils.getNumThreads());
            print(out, "allocator", System.getenv("GLOBMED_PRELOADED") != null ? "jemalloc" : "glibc");
            print(out, "parameters", parameters);
            print(out, "trained_parameters", trained);
            if (lora) {
                print(out, "lora_rank", rank);
                print(out, "lora_dropout", dropout);
            }
            print(out, "checkpointing", checkpointing ? 1 : 0);
            print(out, "batch", batch);
            print(out, "accumulate", accumulate);
            print(out, "seq", seq);
            print(out, "items", train.size());
            print(out, "tokens_per_step", (long) (measuredTokens / steps));
            print(out, "warmup_steps", warmup);
            print(out, "measured_steps", steps);
            print(out, "step_seconds_median", median(times));
            print(out, "step_seconds_min", times.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
            print(out, "step_seconds_max", times.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            print(out, "tokens_per_second", tokensPerSecond);
            print(out, "flops_per_token", flopsPerToken);
            print(out, "achieved_gflops", flopsPerToken * tokensPerSecond / 1e9);
            print(out, "loss_first", losses[1]);
            print(out, "loss_last", losses[total]);
            // Every step's loss in full: two builds that compute the same thing print the same line.
            StringBuilder all = new StringBuilder();
            for (int s = 1; s <= total; s++) {
                all.append(s > 1 ? "," : "").append(losses[s]);
            }
            print(out, "losses", all.toString());
            print(out, "rss_runtime_mib", runtime / 1024.0);
            print(out, "rss_base_mib", base / 1024.0);
            print(out, "rss_training_mib", peak[0] / 1024.0);
            print(out, "estimate_mib", (report.memory().weights() + report.memory().needed()) / 1048576.0);
            if (profile != null) {
                print(out, "profile", profile.toAbsolutePath());
            }
        } finally {
            deleteTree(folder);
        }
    }

    /**
     * The items whose prompt and answer reach {@code seq} tokens: cut to {@code seq} by the run's
     * maxLength, each is exactly {@code seq} tokens, so no batch holds padding.
     */
    static GlobMedData longEnough(LanguageModel lm, GlobMedData items, int seq) {
        return items.filter((Item item) -> {
            Bench.Example e = Bench.example(item);
            LanguageModel.Tokens t = lm.tokenize(new LanguageModel.Continuation(e.prompt(), e.answer()));
            return t.context().length + t.continuation().length >= seq;
        });
    }

    /**
     * The resident size of the runtime alone: the JVM, the sample, and libtorch loaded and warmed
     * by a matrix product (its code, MKL's and the OpenMP threads are resident from the first
     * product on), before the model exists. What a run holds above it is the training's: weights,
     * gradients, optimizer state, activations and the allocator's spare memory.
     */
    private static long runtimeKiB() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ModelBench.matmulPeak(m, 1);
        }
        return residentKiB("VmRSS");
    }

    /** A field of /proc/self/status in KiB (VmRSS now, VmHWM the high-water mark); 0 where there is none. */
    static long residentKiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return 0;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void print(PrintStream out, String name, Object value) {
        String text = value instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : String.valueOf(value);
        out.println(name + "=" + text);
    }

    private static void deleteTree(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
