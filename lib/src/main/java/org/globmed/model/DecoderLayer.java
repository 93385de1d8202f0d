package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** One pre-norm transformer layer: {@code h = x + attn(norm(x))}, then {@code h + mlp(norm(h))}. */
final class DecoderLayer extends HfBlock {
    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;
    private final SwiGluMlp mlp;

    DecoderLayer(ModelConfig c) {
        // Checkpoint order: self_attn, mlp, then the two norms.
        attention = child("self_attn", new Attention(c));
        mlp = child("mlp", new SwiGluMlp(c.hiddenSize(), c.intermediateSize()));
        inputNorm = child("input_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
        postAttentionNorm = child("post_attention_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    NDArray forward(ParameterStore ps, NDArray x, RotaryEmbedding.Angles angles, NDArray mask, KvCache cache,
                    int layer, boolean training) {
        NDArray attended = attention.forward(ps, inputNorm.forward(ps, x, training), angles, mask, cache, layer,
                training);
        NDArray h = x.add(attended);
        return h.add(mlp.forward(ps, postAttentionNorm.forward(ps, h, training), training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        throw new UnsupportedOperationException("a layer needs positions and masks: call CausalLM.forward");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0]};
    }
}
