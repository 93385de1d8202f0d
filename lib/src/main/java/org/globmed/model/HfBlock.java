package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A block whose parameters and children carry their Hugging Face names, so that the whole model
 * can list its tensors as a checkpoint names them ({@code model.layers.3.self_attn.q_proj.weight}).
 *
 * <p>Constants that enter the autograd graph are made with {@link #constant}, never as a
 * {@code Number} argument ({@code x.mul(0.5)}, {@code x.pow(-0.5)}): DJL 0.32's PyTorch engine
 * turns such a number into a tensor over a Java direct buffer and closes it at once, while
 * autograd keeps that tensor for the backward pass (MulBackward, PowBackward, DivBackward); once
 * the garbage collector frees the buffer, the gradients read freed memory (measured here: 1e31
 * and NaN gradients after a {@code System.gc()} between forward and backward).
 *
 * <p>Shapes are known from the config but given to DJL only in {@link #prepare}: DJL refuses
 * {@link Parameter#setArray} on a parameter that already has a shape, and the checkpoint loader
 * sets arrays before (or instead of) initialisation. {@link #collect} reports the expected shapes.
 */
abstract class HfBlock extends AbstractBlock {
    /** Hugging Face's initialisation of linear and embedding weights: normal(0, initializer_range). */
    static final Initializer WEIGHT_INIT = new NormalInitializer(0.02f);

    private final Map<String, Parameter> hfParameters = new LinkedHashMap<>();
    private final Map<String, Shape> hfShapes = new LinkedHashMap<>();
    private final Map<String, HfBlock> hfChildren = new LinkedHashMap<>();
    /** LoRA adapters by the weight they adapt; empty unless {@link Lora} attached some. */
    private Map<Parameter, Lora.Adapter> adapters = Map.of();

    /** A linear or embedding weight, [out_features, in_features]. */
    final Parameter weight(String name, long rows, long columns) {
        return parameter(name, new Shape(rows, columns), Parameter.Type.WEIGHT, WEIGHT_INIT);
    }

    final Parameter bias(String name, long size) {
        return parameter(name, new Shape(size), Parameter.Type.BIAS, Initializer.ZEROS);
    }

    /** A norm's scale, initialised to ones. */
    final Parameter scale(String name, long size) {
        return parameter(name, new Shape(size), Parameter.Type.GAMMA, Initializer.ONES);
    }

    private Parameter parameter(String name, Shape shape, Parameter.Type type, Initializer init) {
        Parameter p = addParameter(Parameter.builder().setName(name).setType(type).optInitializer(init).build());
        hfParameters.put(name, p);
        hfShapes.put(name, shape);
        return p;
    }

    /** Adds a child both to DJL's tree and under its Hugging Face name ("self_attn", "layers.0"). */
    final <B extends HfBlock> B child(String name, B block) {
        addChildBlock(name, block);
        hfChildren.put(name, block);
        return block;
    }

    /** Adds this block's tensors and its children's, named {@code prefix + name}, in checkpoint order. */
    final void collect(String prefix, Map<String, Parameter> parameters, Map<String, Shape> shapes) {
        hfParameters.forEach((name, p) -> parameters.put(prefix + name, p));
        hfShapes.forEach((name, s) -> shapes.put(prefix + name, s));
        hfChildren.forEach((name, block) -> block.collect(prefix + name + ".", parameters, shapes));
    }

    /**
     * A scalar of {@code like}'s dtype and device whose storage belongs to PyTorch, so autograd
     * may keep it past the forward pass (see the class comment).
     */
    static NDArray constant(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType(), like.getDevice());
    }

    /**
     * {@code x · wᵀ + bias}, plus the LoRA adapter's low-rank update when one is attached to
     * {@code w}: every projection a LoRA target can name goes through here.
     */
    final NDArray linear(ParameterStore ps, NDArray x, Parameter w, Parameter bias, boolean training) {
        NDArray y = Linear.linear(x, value(ps, w, x, training), value(ps, bias, x, training)).singletonOrThrow();
        Lora.Adapter adapter = adapters.get(w);
        if (adapter == null) {
            return y;
        }
        // Added in place and closed at once: DJL keeps an array until its manager closes, so
        // y.add(update) kept two more activation-sized arrays per adapted projection until the
        // layer was done. Autograd allows it: the product's backward needs x and w, not y, and
        // the sum's backward needs neither operand.
        try (NDArray update = adapter.apply(x, training)) {
            return y.addi(update);
        }
    }

    /** Sets the adapters of this block and its descendants (an empty map detaches them). */
    final void setAdapters(Map<Parameter, Lora.Adapter> all) {
        adapters = all;
        hfChildren.values().forEach(child -> child.setAdapters(all));
    }

    /**
     * {@code x} in float32 for a numerically sensitive step (attention scores, norms, logits), or
     * {@code x} itself when training in float16: DJL 0.32's {@code toType} is not recorded by
     * autograd, so a cast would cut the gradient. Those steps then run in float16, as PyTorch's
     * softmax and reductions accumulate in float32 internally.
     */
    static NDArray widened(NDArray x, boolean training) {
        return training && x.getDataType() == DataType.FLOAT16 ? x : x.toType(DataType.FLOAT32, false);
    }

    /** The parameter's array on the input's device. */
    static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return p == null ? null : ps.getValue(p, like.getDevice(), training);
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        hfParameters.forEach((name, p) -> {
            if (!p.isInitialized()) {
                p.setShape(hfShapes.get(name));
            }
        });
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // Every block knows its sizes from the config, so children need no input shapes.
        for (HfBlock block : hfChildren.values()) {
            block.initialize(manager, dataType, inputShapes);
        }
    }
}
