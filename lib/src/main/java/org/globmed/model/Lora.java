package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.globmed.io.AtomicFiles;

/**
 * Low-rank adapters (LoRA) on a model's projections: each adapted weight {@code W [out, in]} gets
 * {@code A [r, in]} and {@code B [out, r]}, and the projection computes
 * {@code x·Wᵀ + (alpha / r)·dropout(x)·Aᵀ·Bᵀ}. Only A and B are trained; W stays frozen.
 *
 * <pre>{@code
 * Lora lora = Lora.attach(model, 16, 32, 0.05, Lora.DEFAULT_TARGETS, 1234);  // B = 0: the model is unchanged
 * ... train lora.arrays() ...
 * lora.save(Path.of("adapter"));   // adapter_config.json + adapter_model.safetensors, as PEFT writes them
 * lora.merge();                    // W += (alpha / r)·B·A, adapters gone; model.save(...) is a plain checkpoint
 * }</pre>
 *
 * <p>Initialisation follows PEFT: A uniform in ±1/√in (Kaiming-uniform with a = √5), from a
 * seeded generator so that the same seed gives the same adapters on any device; B zero. Tensor
 * names and the config file are PEFT's, so PEFT and vLLM load the saved adapters.
 */
public final class Lora {
    /** Attention and MLP projections, what GlobMed's LoRA runs adapt. */
    public static final List<String> DEFAULT_TARGETS = ModelSize.DEFAULT_LORA_TARGETS;
    static final String CONFIG_FILE = "adapter_config.json";
    static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final String PEFT_PREFIX = "base_model.model.";
    private static final Pattern PROJECTION = Pattern.compile("model\\.layers\\.\\d+\\.(?:self_attn|mlp)\\.(\\w+)\\.weight");

    /** One adapted projection. */
    record Adapter(String weight, NDArray a, NDArray b, float scale, float dropout) {
        /** The low-rank update of {@code x}: {@code scale · dropout(x)·Aᵀ·Bᵀ}. */
        NDArray apply(NDArray x, boolean training) {
            NDArray in = training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
            NDArray low = Linear.linear(in, a).singletonOrThrow();
            return Linear.linear(low.mul(HfBlock.constant(low, scale)), b).singletonOrThrow();
        }
    }

    private final LanguageModel model;
    private final int rank;
    private final double alpha;
    private final double dropout;
    private final List<String> targets;
    private final Map<Parameter, Adapter> adapters;

    private Lora(LanguageModel model, int rank, double alpha, double dropout, List<String> targets,
                 Map<Parameter, Adapter> adapters) {
        this.model = model;
        this.rank = rank;
        this.alpha = alpha;
        this.dropout = dropout;
        this.targets = List.copyOf(targets);
        this.adapters = adapters;
    }

    /**
     * Adds fresh adapters to every projection named in {@code targets} ("q_proj", "v_proj", …) in
     * every layer. The model computes exactly as before until B is trained away from zero.
     *
     * @throws IllegalArgumentException for a rank below 1, alpha ≤ 0, dropout outside [0, 1), a
     *                                  target the model does not have, or a model that already has adapters
     */
    public static Lora attach(LanguageModel model, int rank, double alpha, double dropout, List<String> targets,
                              long seed) {
        check(model, rank, alpha, dropout, targets);
        SplittableRandom random = new SplittableRandom(seed);
        Map<Parameter, Adapter> adapters = new LinkedHashMap<>();
        NDManager manager = model.manager();
        float scale = (float) (alpha / rank);
        for (Map.Entry<String, Parameter> e : targetWeights(model, targets).entrySet()) {
            Shape w = e.getValue().getArray().getShape();
            long out = w.get(0);
            long in = w.get(1);
            float[] a = new float[Math.toIntExact(rank * in)];
            double bound = 1 / Math.sqrt(in);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            NDArray aArray = manager.create(a, new Shape(rank, in)).toType(model.dataType(), false);
            NDArray bArray = manager.zeros(new Shape(out, rank), model.dataType());
            adapters.put(e.getValue(), new Adapter(e.getKey(), aArray, bArray, scale, (float) dropout));
        }
        Lora lora = new Lora(model, rank, alpha, dropout, targets, Collections.unmodifiableMap(adapters));
        lora.install();
        return lora;
    }

    /** Attaches the adapters saved in {@code folder} (PEFT's layout) to {@code model}. */
    public static Lora load(LanguageModel model, Path folder) throws IOException {
        Path configFile = folder.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new SafeTensors.CheckpointException(folder + ": no " + CONFIG_FILE + "; is this a LoRA adapter folder?");
        }
        JsonNode config = SafeTensors.JSON.readTree(configFile.toFile());
        int rank = config.path("r").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(rank);
        double dropout = config.path("lora_dropout").asDouble(0);
        List<String> targets = new ArrayList<>();
        config.path("target_modules").forEach(t -> targets.add(t.asText()));
        if (rank < 1 || targets.isEmpty()) {
            throw new SafeTensors.CheckpointException(configFile + ": expected \"r\" ≥ 1 and a \"target_modules\" list, found "
                    + config);
        }
        Lora lora = attach(model, rank, alpha, dropout, targets, 0);
        try (SafeTensors weights = SafeTensors.open(folder.resolve(WEIGHTS_FILE))) {
            Map<String, long[]> expected = new LinkedHashMap<>();
            lora.arrays().forEach((name, array) -> expected.put(name, array.getShape().getShape()));
            weights.check(expected);
            lora.set(name -> weights.load(name, model.manager(), model.dataType()));
        } catch (IOException | RuntimeException e) {
            lora.detach();
            throw e;
        }
        return lora;
    }

    private static void check(LanguageModel model, int rank, double alpha, double dropout, List<String> targets) {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, not " + rank);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("LoRA alpha must be positive, not " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), not " + dropout);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module, e.g. " + DEFAULT_TARGETS);
        }
        if (model.lora().isPresent()) {
            throw new IllegalStateException("the model already has LoRA adapters; merge() or detach() them first");
        }
        checkTargets(model, targets);
    }

    /** Throws, naming the model's projections, when a target is not one of them. */
    public static void checkTargets(LanguageModel model, List<String> targets) {
        Set<String> present = projections(model);
        for (String target : targets) {
            if (!present.contains(target)) {
                throw new IllegalArgumentException("LoRA target module '" + target + "' does not exist in this "
                        + model.config().modelType() + " model; its projections are " + present);
            }
        }
    }

    /** The module names LoRA can target in {@code model}: its layers' projections ("q_proj", …, "down_proj"). */
    static Set<String> projections(LanguageModel model) {
        Set<String> present = new LinkedHashSet<>();
        for (String name : model.block().huggingFaceParameters().keySet()) {
            Matcher m = PROJECTION.matcher(name);
            if (m.matches()) {
                present.add(m.group(1));
            }
        }
        return present;
    }

    /** The adapted weights by Hugging Face name, in checkpoint order. */
    private static Map<String, Parameter> targetWeights(LanguageModel model, List<String> targets) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        model.block().huggingFaceParameters().forEach((name, p) -> {
            Matcher m = PROJECTION.matcher(name);
            if (m.matches() && targets.contains(m.group(1))) {
                out.put(name, p);
            }
        });
        return out;
    }

    private void install() {
        model.block().setAdapters(adapters);
        model.setLora(this);
    }

    public int rank() {
        return rank;
    }

    public double alpha() {
        return alpha;
    }

    public double dropout() {
        return dropout;
    }

    public List<String> targets() {
        return targets;
    }

    /** Trainable parameters: r·(in + out) per adapted projection. */
    public long parameterCount() {
        long n = 0;
        for (Adapter a : adapters.values()) {
            n += a.a().size() + a.b().size();
        }
        return n;
    }

    /**
     * The adapter arrays by PEFT tensor name
     * ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}), live: training
     * updates them in place.
     */
    public Map<String, NDArray> arrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Adapter a : adapters.values()) {
            String module = PEFT_PREFIX + a.weight().substring(0, a.weight().length() - ".weight".length());
            out.put(module + ".lora_A.weight", a.a());
            out.put(module + ".lora_B.weight", a.b());
        }
        return out;
    }

    /** A source of arrays by name, for {@link #set}. */
    interface ArraySource {
        NDArray get(String name) throws IOException;
    }

    /** Copies new values into the adapter arrays, in place (shapes must match). */
    void set(ArraySource source) throws IOException {
        for (Map.Entry<String, NDArray> e : arrays().entrySet()) {
            try (NDArray value = source.get(e.getKey())) {
                value.toType(e.getValue().getDataType(), false).copyTo(e.getValue());
            }
        }
    }

    /**
     * Writes the adapters alone, as PEFT does: {@code adapter_config.json} and
     * {@code adapter_model.safetensors} (float32), both atomically.
     */
    public void save(Path folder) throws IOException {
        Files.createDirectories(folder);
        SafeTensors.write(folder.resolve(WEIGHTS_FILE), arrays(), Map.of("format", "pt"), DataType.FLOAT32);
        ObjectNode config = SafeTensors.JSON.createObjectNode();
        config.put("peft_type", "LORA");
        config.put("task_type", "CAUSAL_LM");
        config.put("r", rank);
        config.put("lora_alpha", alpha);
        config.put("lora_dropout", dropout);
        config.putPOJO("target_modules", targets);
        config.put("bias", "none");
        config.put("fan_in_fan_out", false);
        config.put("inference_mode", true);
        config.put("base_model_name_or_path", model.config().modelType());
        AtomicFiles.write(folder.resolve(CONFIG_FILE),
                SafeTensors.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    /**
     * Folds the adapters into the base weights ({@code W += (alpha / r)·B·A}) and removes them: the
     * model then computes the same function with plain weights and saves as a normal checkpoint.
     */
    public void merge() {
        ensureAttached();
        for (Map.Entry<Parameter, Adapter> e : adapters.entrySet()) {
            Adapter a = e.getValue();
            NDArray w = e.getKey().getArray();
            try (NDArray delta = a.b().toType(DataType.FLOAT32, false).matMul(a.a().toType(DataType.FLOAT32, false))) {
                try (NDArray scaled = delta.mul(a.scale()); NDArray typed = scaled.toType(w.getDataType(), false)) {
                    w.addi(typed);
                }
            }
        }
        detach();
    }

    /** Removes the adapters, leaving the base weights as they were; their arrays are freed. */
    public void detach() {
        ensureAttached();
        model.block().setAdapters(Map.of());
        model.setLora(null);
        for (Adapter a : adapters.values()) {
            a.a().close();
            a.b().close();
        }
    }

    private void ensureAttached() {
        if (model.lora().orElse(null) != this) {
            throw new IllegalStateException("these LoRA adapters are no longer attached to the model");
        }
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "LoRA(r=%d, alpha=%s, dropout=%s, targets=%s, %,d parameters)", rank,
                alpha, dropout, targets, parameterCount());
    }
}
