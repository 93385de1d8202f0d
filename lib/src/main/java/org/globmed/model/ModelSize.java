package org.globmed.model;

import java.util.List;
import java.util.Locale;

/**
 * What a model weighs: parameters, and the memory its weights and its training need, to decide
 * before a job starts whether it fits a GPU. Training figures count weights, gradients and AdamW
 * state, not activations (which grow with batch × sequence length and are cut by checkpointing).
 *
 * <ul>
 * <li>Full fine-tuning in mixed precision: bf16 weights (2 bytes) and gradients (2), float32
 *     master weights (4) and two Adam moments (4 + 4): 16 bytes per parameter.</li>
 * <li>LoRA: the frozen base in bf16 (2 bytes per parameter) plus 16 bytes per adapter parameter;
 *     adapters of rank r on a d_in → d_out projection have r·(d_in + d_out) parameters.</li>
 * </ul>
 */
public record ModelSize(ModelConfig config) {
    /** The projections LoRA adapts by default: attention and MLP. */
    public static final List<String> DEFAULT_LORA_TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj",
            "gate_proj", "up_proj", "down_proj");
    static final int FULL_TRAINING_BYTES_PER_PARAMETER = 16;

    public long parameters() {
        return config.parameterCount();
    }

    public long nonEmbeddingParameters() {
        return config.parameterCount() - config.embeddingParameterCount();
    }

    /** Bytes of the weights at {@code bytesPerParameter} (4 float32, 2 bf16/fp16). */
    public long weightBytes(int bytesPerParameter) {
        return parameters() * bytesPerParameter;
    }

    public long fullFineTuningBytes() {
        return parameters() * FULL_TRAINING_BYTES_PER_PARAMETER;
    }

    /** Parameters of rank-{@code rank} adapters on every layer's {@code targets} projections. */
    public long loraParameters(int rank, List<String> targets) {
        long h = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long i = config.intermediateSize();
        long perLayer = 0;
        for (String target : targets) {
            perLayer += switch (target) {
                case "q_proj" -> h + q;
                case "k_proj", "v_proj" -> h + kv;
                case "o_proj" -> q + h;
                case "gate_proj", "up_proj", "down_proj" -> h + i;
                default -> throw new IllegalArgumentException("unknown LoRA target '" + target + "'; expected one of "
                        + DEFAULT_LORA_TARGETS);
            };
        }
        return rank * perLayer * config.numHiddenLayers();
    }

    public long loraFineTuningBytes(int rank, List<String> targets) {
        return weightBytes(2) + loraParameters(rank, targets) * FULL_TRAINING_BYTES_PER_PARAMETER;
    }

    /** A few lines for a terminal or a notebook: architecture, counts, memory. */
    public String describe() {
        ModelConfig c = config;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%s: %d layers, hidden %d, MLP %d, %d query / %d key-value heads of %d,"
                        + " vocabulary %,d%n", c.modelType(), c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.vocabSize()));
        s.append(String.format(Locale.ROOT, "rope theta %s%s, %s head, q/k/v bias %s, q/k norm %s, max positions %,d,"
                        + " dtype %s%n", trim(c.ropeTheta()), c.ropeScaling() == null ? "" : " with llama3 scaling ×"
                        + trim(c.ropeScaling().factor()), c.tieWordEmbeddings() ? "tied" : "separate",
                yesNo(c.qkvBias()), yesNo(c.qkNorm()), c.maxPositionEmbeddings(),
                c.torchDtype() == null ? "unstated" : c.torchDtype()));
        s.append(String.format(Locale.ROOT, "parameters: %,d (%s), non-embedding %,d (%s)%n", parameters(),
                short_(parameters()), nonEmbeddingParameters(), short_(nonEmbeddingParameters())));
        s.append(String.format(Locale.ROOT, "weights: %s in float32, %s in bf16/fp16%n", bytes(weightBytes(4)),
                bytes(weightBytes(2))));
        s.append(String.format(Locale.ROOT, "training (weights + gradients + AdamW, no activations):"
                        + " full %s; LoRA r=16 on %s: %s (%,d adapter parameters)%n",
                bytes(fullFineTuningBytes()), String.join("/", DEFAULT_LORA_TARGETS),
                bytes(loraFineTuningBytes(16, DEFAULT_LORA_TARGETS)), loraParameters(16, DEFAULT_LORA_TARGETS)));
        return s.toString();
    }

    /** "8.03B", "494M", "1.2M": the way model cards round. */
    static String short_(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.format(Locale.ROOT, "%,d", (long) d) : Double.toString(d);
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
