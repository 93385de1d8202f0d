package org.globmed.kernel.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Random;
import org.globmed.model.Completion;
import org.globmed.model.Generation;
import org.globmed.model.LanguageModel;
import org.globmed.model.ModelConfig;
import org.globmed.model.Models;

/**
 * {@code globmed model bench}: how fast the decoder runs on this machine, as figures.
 * <pre>
 * globmed model bench --write DIR            write the benchmark model (random weights) in the Hugging Face layout
 * globmed model bench DIR [--torchscript F.pt] [--batch 8] [--seq 256] [--new-tokens 128] [--runs 5]
 * </pre>
 * Measured in one process: the engine's dense matmul peak (2048², float32), the forward pass that
 * scoring runs (logits for batch × seq tokens) with its achieved FLOP/s as a fraction of that peak,
 * the same forward through a TorchScript export of the same weights run by the same libtorch, and
 * greedy generation with and without the KV cache.
 */
final class ModelBench {
    static final String USAGE = "model bench --write DIR | model bench DIR [--torchscript F.pt] [--batch B]"
            + " [--seq T] [--new-tokens N] [--runs R]";

    private ModelBench() {
    }

    /** The benchmark model: Qwen3-shaped (q/k norm, GQA), 29.4M parameters, small enough for a laptop CPU. */
    static ModelConfig benchConfig() {
        return Models.config("qwen3").vocabSize(4096).hiddenSize(512).intermediateSize(1536).numHiddenLayers(8)
                .numAttentionHeads(8).numKeyValueHeads(4).headDim(64).ropeTheta(1_000_000).rmsNormEps(1e-6)
                .tieWordEmbeddings(false).maxPositionEmbeddings(4096).build();
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        if (args.size() == 2 && args.get(0).equals("--write")) {
            try (LanguageModel lm = Models.loader().device(Device.cpu()).config(benchConfig()).create()) {
                lm.save(Path.of(args.get(1)));
            }
            out.println("wrote the benchmark model to " + args.get(1));
            return 0;
        }
        Path dir;
        Path torchscript;
        int batch;
        int seq;
        int newTokens;
        int runs;
        try {
            Options o = Options.parse(args, Set.of("--torchscript", "--batch", "--seq", "--new-tokens", "--runs"), Set.of());
            if (o.positional().size() != 1) {
                throw new Options.UsageException("one model folder, not " + o.positional());
            }
            dir = Path.of(o.positional().get(0));
            torchscript = o.path("--torchscript");
            batch = o.integer("--batch", 8);
            seq = o.integer("--seq", 256);
            newTokens = o.integer("--new-tokens", 128);
            runs = o.integer("--runs", 5);
        } catch (Options.UsageException e) {
            System.err.println("globmed model bench: " + e.getMessage() + "\nusage: globmed " + USAGE);
            return 2;
        }
        try (LanguageModel lm = Models.loader().device(Device.cpu()).load(dir)) {
            bench(lm, torchscript, batch, seq, newTokens, runs, out);
        }
        return 0;
    }

    private static void bench(LanguageModel lm, Path torchscript, int batch, int seq, int newTokens, int runs,
                              PrintStream out) throws Exception {
        ModelConfig c = lm.config();
        out.printf(Locale.ROOT, "model: %s, %,d parameters; batch %d × %d tokens; %s threads; %d runs (best)%n",
                c.modelType(), c.parameterCount(), batch, seq, System.getProperty("ai.djl.pytorch.num_threads",
                        "engine default"), runs);
        double peak = matmulPeak(lm.manager(), runs);
        double flops = forwardFlops(c, batch, seq);
        long[] ids = new Random(1).longs((long) batch * seq, 0, Math.min(c.vocabSize(), 256)).toArray();

        double ours = best(runs, () -> {
            try (NDManager m = lm.manager().newSubManager()) {
                NDArray input = m.create(ids, new Shape(batch, seq));
                lm.block().forward(new ParameterStore(m, false), input, null, null, null, false).getFloat(0, 0, 0);
            }
        });
        out.printf(Locale.ROOT, "%-36s%12.1f GFLOP/s%n", "matmul peak (2048², float32)", peak / 1e9);
        out.printf(Locale.ROOT, "%-36s%9.3f s %10.0f tokens/s %6.1f GFLOP/s  MFU %4.0f%%%n", "scoring forward (DJL blocks)",
                ours, batch * seq / ours, flops / ours / 1e9, 100 * flops / ours / peak);
        if (torchscript != null) {
            double peer = torchScript(torchscript, ids, batch, seq, runs);
            out.printf(Locale.ROOT, "%-36s%9.3f s %10.0f tokens/s %6.1f GFLOP/s  MFU %4.0f%%%n",
                    "scoring forward (TorchScript peer)", peer, batch * seq / peer, flops / peer / 1e9,
                    100 * flops / peer / peak);
            out.printf(Locale.ROOT, "%-36s%9.2fx (target >= 0.9x)%n", "DJL blocks speed / TorchScript", peer / ours);
        }

        // The prompt fills half the benchmark's sequence length, so prompt and new tokens make up
        // the sequence (128 + 128 = 256 by default): each uncached step recomputes all of it.
        long[] prompt = Arrays.copyOf(ids, Math.max(1, seq - newTokens));
        Generation greedy = Generation.greedy(newTokens);
        List<long[]> prompts = List.of(prompt);
        lm.generateTokens(prompts, Generation.greedy(4), 1); // warm-up
        double[] tokens = new double[1];
        double cached = best(Math.max(1, runs / 2), () -> tokens[0] = produced(lm.generateTokens(prompts, greedy, 1)));
        double uncached = best(1, () -> produced(lm.generateTokens(prompts, greedy.withoutCache(), 1)));
        out.printf(Locale.ROOT, "%-36s%9.3f s %10.1f tokens/s%n", "generation, KV cache", cached, tokens[0] / cached);
        out.printf(Locale.ROOT, "%-36s%9.3f s %10.1f tokens/s%n", "generation, no cache", uncached, tokens[0] / uncached);
        out.printf(Locale.ROOT, "%-36s%9.2fx (target >= 5x at %d new tokens after a %d-token prompt)%n",
                "KV cache speed-up", uncached / cached, newTokens, prompt.length);
    }

    private static double produced(List<Completion> completions) {
        return completions.stream().mapToInt(cpl -> cpl.tokens().length).sum();
    }

    /** FLOPs of one forward pass over batch × seq tokens: projections, the full (masked) attention products, the head. */
    static double forwardFlops(ModelConfig c, int batch, int seq) {
        double h = c.hiddenSize();
        double q = (double) c.numAttentionHeads() * c.headDim();
        double kv = (double) c.numKeyValueHeads() * c.headDim();
        double linear = h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize();
        double perToken = 2 * linear * c.numHiddenLayers() + 2 * h * c.vocabSize()
                + 2 * 2 * (double) seq * q * c.numHiddenLayers();
        return perToken * batch * seq;
    }

    /** The engine's dense float32 matmul peak in FLOP/s: the best of {@code runs} 2048² products after a warm-up. */
    static double matmulPeak(NDManager parent, int runs) {
        int n = 2048;
        try (NDManager m = parent.newSubManager()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            double seconds = best(runs, () -> {
                try (NDArray p = a.matMul(b)) {
                    p.getFloat(0, 0);
                }
            });
            return 2.0 * n * n * n / seconds;
        }
    }

    private static double torchScript(Path file, long[] ids, int batch, int seq, int runs) throws Exception {
        try (Model model = Model.newInstance("torchscript-peer", Device.cpu(), "PyTorch")) {
            model.load(file.getParent(), file.getFileName().toString());
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
                 NDManager m = model.getNDManager().newSubManager()) {
                NDArray input = m.create(ids, new Shape(batch, seq));
                return best(runs, () -> {
                    try {
                        NDList result = predictor.predict(new NDList(input));
                        result.get(0).toType(DataType.FLOAT32, false).getFloat(0, 0, 0);
                        result.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
    }

    /** The fastest of {@code runs} timed runs after one warm-up run, in seconds. */
    private static double best(int runs, Runnable work) {
        work.run();
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            work.run();
            times.add((System.nanoTime() - start) / 1e9);
        }
        return times.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

}
