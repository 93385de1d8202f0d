package org.globmed.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A decoder-only transformer language model of the Llama, Qwen2 and Qwen3 families, as a DJL
 * block: token embedding, pre-norm layers of grouped-query attention with rotary positions and a
 * SwiGLU MLP, a final RMSNorm and a tied or separate output head.
 *
 * <pre>{@code
 * CausalLM lm = new CausalLM(ModelConfig.tinyQwen3(512));
 * lm.initialize(manager, DataType.FLOAT32, new Shape(1, 8));        // random weights (or load a checkpoint)
 * ParameterStore ps = new ParameterStore(manager, false);
 * NDArray logits = lm.forward(ps, ids, mask, null, null, false);      // [B, T, vocab] float32
 * try (KvCache cache = lm.newCache(manager)) {                       // incremental decoding
 *     lm.forward(ps, prompt, promptMask, null, cache, false);
 *     lm.forward(ps, next, maskWithNext, null, cache, false);        // one more token per row
 * }
 * }</pre>
 *
 * <p>Its parameters have the Hugging Face names and shapes ({@link #huggingFaceParameters()}), so
 * a checkpoint loader fills them from safetensors by name and a saver writes them back. As a DJL
 * block its input is {@code NDList(inputIds [B, T] int64[, keyMask [B, T]])} and its output
 * {@code NDList(logits)}, so DJL's {@code Trainer} drives it like any block.
 */
public final class CausalLM extends HfBlock {
    private static final String PREFIX = "model.";

    private final ModelConfig config;
    private final Parameter embedding;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final Parameter head;
    private final RotaryEmbedding rotary;

    /** A model of this architecture with no weights yet: initialise it or load a checkpoint into it. */
    public CausalLM(ModelConfig config) {
        this.config = config;
        this.embedding = weight("embed_tokens.weight", config.vocabSize(), config.hiddenSize());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(child("layers." + i, new DecoderLayer(config)));
        }
        this.norm = child("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        // The head sits outside the "model." prefix, so it is added by hand to the name map.
        this.head = config.tieWordEmbeddings() ? null : addParameter(Parameter.builder().setName("lm_head.weight")
                .setType(Parameter.Type.WEIGHT).optInitializer(WEIGHT_INIT).build());
        this.rotary = new RotaryEmbedding(config);
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Every tensor of the model by its Hugging Face name ({@code model.embed_tokens.weight},
     * {@code model.layers.0.self_attn.q_proj.weight}, ..., {@code lm_head.weight} when untied), in
     * checkpoint order. Before initialisation the parameters have no shape (DJL accepts
     * {@link Parameter#setArray} only then); {@link #huggingFaceShapes()} gives the expected ones.
     */
    public Map<String, Parameter> huggingFaceParameters() {
        Map<String, Parameter> parameters = new LinkedHashMap<>();
        collect(PREFIX, parameters, new LinkedHashMap<>());
        if (head != null) {
            parameters.put("lm_head.weight", head);
        }
        return Collections.unmodifiableMap(parameters);
    }

    /** The shape each tensor of {@link #huggingFaceParameters()} must have, linear weights as [out, in]. */
    public Map<String, Shape> huggingFaceShapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        collect(PREFIX, new LinkedHashMap<>(), shapes);
        if (head != null) {
            shapes.put("lm_head.weight", new Shape(config.vocabSize(), config.hiddenSize()));
        }
        return Collections.unmodifiableMap(shapes);
    }

    /** An empty cache for {@link #forward} calls that continue one another; it allocates from {@code manager}. */
    public KvCache newCache(NDManager manager) {
        return new KvCache(manager, layers.size());
    }

    /**
     * Next-token logits for every position.
     *
     * @param ps        where parameter values come from (for inference: {@code new ParameterStore(manager, false)})
     * @param inputIds  [B, T] token ids (int64 or int32)
     * @param keyMask   [B, cached + T], 1 for real tokens and 0 for padding, over the cached positions
     *                  and these; null when nothing is padded
     * @param positions [B, T] rotary positions; null to derive them: {@code cumsum(keyMask) - 1}
     *                  (clamped at 0) with a mask, {@code cached, cached + 1, ...} without
     * @param cache     keys and values of the earlier calls, extended by this one; null for none
     * @param training  whether this pass is being differentiated (DJL's training flag)
     * @return [B, T, vocab] float32 logits, owned by {@code inputIds}'s manager; intermediate
     *         arrays are freed before returning (autograd keeps what it needs)
     */
    public NDArray forward(ParameterStore ps, NDArray inputIds, NDArray keyMask, NDArray positions, KvCache cache,
                           boolean training) {
        NDArray hidden = hiddenStates(ps, inputIds, keyMask, positions, cache, training);
        NDArray logits = logits(ps, hidden, training);
        if (!training) {
            hidden.close();
        }
        return logits;
    }

    /**
     * The final hidden states [B, T, hidden] (after the last norm), in the parameters' type, for
     * callers that need the head at a few positions only ({@link #logits}): scoring one answer
     * token, or the next token of a decoding step. Arguments as for {@link #forward}.
     */
    public NDArray hiddenStates(ParameterStore ps, NDArray inputIds, NDArray keyMask, NDArray positions,
                                KvCache cache, boolean training) {
        long past = check(inputIds, keyMask, positions, cache);
        NDManager caller = inputIds.getManager();
        try (NDManager pass = passOf(inputIds, keyMask, positions)) {
            NDArray hidden = run(ps, inputIds, keyMask, positions, cache, past, training);
            hidden.attach(caller);
            return hidden;
        }
    }

    /**
     * A manager for one pass, under the inputs' own, holding the inputs until it closes: every
     * intermediate array derives from them, so it lands there and is freed with it.
     */
    private static NDManager passOf(NDArray inputIds, NDArray keyMask, NDArray positions) {
        NDManager pass = inputIds.getManager().newSubManager(inputIds.getDevice());
        for (NDArray input : new NDArray[]{inputIds, keyMask, positions}) {
            if (input != null) {
                input.tempAttach(pass);
            }
        }
        return pass;
    }

    /** Checks the shapes of a pass's inputs; returns the number of cached positions. */
    private static long check(NDArray inputIds, NDArray keyMask, NDArray positions, KvCache cache) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("inputIds must be [batch, time], found " + shape);
        }
        long b = shape.get(0);
        long t = shape.get(1);
        long past = cache == null ? 0 : cache.length();
        if (cache != null && past > 0 && cache.batchSize() != b) {
            throw new IllegalArgumentException("the cache holds " + cache.batchSize() + " rows but inputIds has " + b);
        }
        if (keyMask != null && !keyMask.getShape().equals(new Shape(b, past + t))) {
            throw new IllegalArgumentException("keyMask must be [batch, cached + time] = " + new Shape(b, past + t)
                    + ", found " + keyMask.getShape());
        }
        if (positions != null && !positions.getShape().equals(shape)) {
            throw new IllegalArgumentException("positions must have inputIds' shape " + shape + ", found "
                    + positions.getShape());
        }
        return past;
    }

    /** What every layer of a pass shares: the embedded tokens, the rotary angles and the additive mask. */
    private record Start(NDArray embedded, RotaryEmbedding.Angles angles, NDArray mask) {
    }

    private Start start(ParameterStore ps, NDArray inputIds, NDArray keyMask, NDArray positions, long past,
                        boolean training) {
        NDManager pass = inputIds.getManager();
        long t = inputIds.getShape().get(1);
        NDArray ids = inputIds.toType(DataType.INT64, false);
        NDArray table = value(ps, embedding, ids, training);
        NDArray h = ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
        NDArray mask = keyMask == null ? null : keyMask.toType(DataType.INT64, false);
        NDArray pos = positions != null ? positions.toType(DataType.INT64, false) : positions(pass, mask, past, t);
        RotaryEmbedding.Angles angles = rotary.angles(pos, h.getDataType());
        // Scores stay float16 when training in float16 (see widened): the mask must match them.
        DataType scores = training && h.getDataType() == DataType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT32;
        return new Start(h, angles, additiveMask(pass, mask, past, t, scores));
    }

    private NDArray run(ParameterStore ps, NDArray inputIds, NDArray keyMask, NDArray positions, KvCache cache,
                        long past, boolean training) {
        NDManager pass = inputIds.getManager();
        Start start = start(ps, inputIds, keyMask, positions, past, training);
        NDArray h = start.embedded();
        for (int i = 0; i < layers.size(); i++) {
            h = layer(ps, h, start, cache, i, training, pass);
        }
        if (cache != null) {
            cache.advance(inputIds.getShape().get(1));
        }
        return norm.forward(ps, h, training);
    }

    /**
     * The output head on hidden states [..., hidden]: float32 logits [..., vocab] (float16 when
     * training a float16 model, see {@link HfBlock#widened}), owned by {@code hidden}'s manager.
     */
    public NDArray logits(ParameterStore ps, NDArray hidden, boolean training) {
        NDArray output = value(ps, head == null ? embedding : head, hidden, training);
        return widened(Linear.linear(hidden, output).singletonOrThrow(), training);
    }

    /**
     * A training pass with gradient checkpointing, differentiated: the parameters' gradients grow as
     * {@code collector.backward(loss.apply(hiddenStates(...)))} would grow them, but the pass keeps
     * only each layer's input instead of every layer's activations, and runs each layer's forward
     * twice. DJL 0.32 cannot define a custom backward (PyTorch's {@code torch.utils.checkpoint}), so
     * the backward pass is split by layer here instead:
     * <ol>
     * <li>the layers run without autograd recording, keeping their inputs;</li>
     * <li>the last norm and {@code loss} run recorded from the last layer's output, made a leaf, and
     *     are differentiated, which gives the gradient of that output;</li>
     * <li>from the last layer down, each layer runs again, recorded, from its input made a leaf, and
     *     {@code sum(output · gradient of output)} is differentiated: its gradient with respect to the
     *     output is that gradient, so this is the layer's part of the backward pass; it leaves the
     *     gradient of the layer's input for the layer below;</li>
     * <li>the same for the embedding, whose weight gets its gradient last.</li>
     * </ol>
     * Each layer's two forward passes reseed the engine's generator with {@code seed + layer}, so
     * dropout draws the same masks in both.
     *
     * @param loss the scalar loss of the final hidden states [B, T, hidden] (after the last norm)
     * @return the loss's value
     */
    public float checkpointedBackward(ParameterStore ps, NDArray inputIds, NDArray keyMask,
                                      GradientCollector collector, int seed, Function<NDArray, NDArray> loss) {
        long past = check(inputIds, keyMask, null, null);
        try (NDManager pass = passOf(inputIds, keyMask, null)) {
            Start start = start(ps, inputIds, keyMask, null, past, true);
            List<NDArray> inputs = new ArrayList<>(layers.size());
            NDArray h = start.embedded();
            boolean recording = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                for (int i = 0; i < layers.size(); i++) {
                    inputs.add(h);
                    Engine.getInstance().setRandomSeed(seed + i);
                    h = layer(ps, h, start, null, i, true, pass);
                }
            } finally {
                JniUtils.setGradMode(recording);
            }
            NDArray last = h;
            last.setRequiresGradient(true);
            NDArray value = loss.apply(norm.forward(ps, last, true));
            collector.backward(value);
            float result = value.toType(DataType.FLOAT32, false).getFloat();
            NDArray gradient = last.getGradient();
            for (int i = layers.size() - 1; i >= 0; i--) {
                NDArray in = inputs.get(i).stopGradient();
                in.setRequiresGradient(true);
                Engine.getInstance().setRandomSeed(seed + i);
                NDArray out = layer(ps, in, start, null, i, true, pass);
                try (NDManager scope = pass.newSubManager()) { // frees the output and the gradient used up here
                    out.attach(scope);
                    gradient.attach(scope);
                    collector.backward(out.mul(gradient).sum());
                }
                gradient = in.getGradient();
                in.close();
                if (i > 0) {
                    inputs.get(i).close(); // the layer below's output: no longer needed
                }
            }
            // The embedding table is trained (full fine-tuning) when it requires a gradient. (DJL's
            // hasGradient is true of leaves only, so the embedded tokens cannot say it.)
            if (embedding.getArray().hasGradient()) {
                collector.backward(start.embedded().mul(gradient).sum());
            }
            return result;
        }
    }

    /**
     * Layer {@code i} on {@code h}, its output kept in {@code pass}. Its intermediate arrays land in a
     * scope of their own, freed when the layer is done: otherwise all of them, for every layer, would
     * live until the pass ends. Autograd keeps what the backward pass needs (its own references), so
     * only the rest goes: a training step's peak then holds the saved activations and one layer's
     * temporaries.
     */
    private NDArray layer(ParameterStore ps, NDArray h, Start start, KvCache cache, int i, boolean training,
                          NDManager pass) {
        try (NDManager scope = pass.newSubManager()) {
            h.tempAttach(scope);
            NDArray out = layers.get(i).forward(ps, h, start.angles(), start.mask(), cache, i, training);
            out.attach(pass);
            return out;
        }
    }

    /** Rotary positions: a left-padded row counts from its first real token, as if it had no padding. */
    private static NDArray positions(NDManager pass, NDArray mask, long past, long t) {
        if (mask == null) {
            return pass.arange((int) past, (int) (past + t), 1, DataType.INT64).reshape(1, t);
        }
        // Number arguments are safe here: integer masks never enter the autograd graph (see HfBlock).
        return mask.cumSum(1).sub(1).maximum(0).get(new NDIndex(":, " + past + ":"));
    }

    /**
     * 0 where query slot {@code past + i} may see key slot {@code j} (j ≤ past + i and j is not
     * padding), the scores type's minimum elsewhere: [B or 1, 1, 1, T, S]. Null when all keys are visible.
     */
    private static NDArray additiveMask(NDManager pass, NDArray mask, long past, long t, DataType type) {
        if (mask == null && t == 1) {
            return null;
        }
        long s = past + t;
        NDArray keySlots = pass.arange(0, (int) s, 1, DataType.INT64).reshape(1, s);
        NDArray querySlots = pass.arange((int) past, (int) s, 1, DataType.INT64).reshape(t, 1);
        NDArray visible = keySlots.lte(querySlots);                                 // [T, S]
        long rows = 1;
        if (mask != null) {
            rows = mask.getShape().get(0);
            visible = mask.reshape(rows, 1, s).gt(0).logicalAnd(visible);          // [B, T, S]
        }
        // (visible - 1) · MAX is 0 or -MAX: the type's most negative finite value, so exp() gives exactly 0.
        float max = type == DataType.FLOAT16 ? 65504f : Float.MAX_VALUE;
        return visible.toType(type, false).sub(1).mul(max).reshape(rows, 1, 1, t, s);
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        super.prepare(inputShapes);
        if (head != null && !head.isInitialized()) {
            head.setShape(new Shape(config.vocabSize(), config.hiddenSize()));
        }
    }

    /** DJL's entry point: {@code NDList(inputIds[, keyMask])} to {@code NDList(logits)}, no cache. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray keyMask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, inputs.get(0), keyMask, null, null, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[]{new Shape(ids.get(0), ids.get(1), config.vocabSize())};
    }

    @Override
    public String toString() {
        return "CausalLM(" + config + ")";
    }
}
