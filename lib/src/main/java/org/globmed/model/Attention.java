package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Grouped-query self-attention: {@code heads} query heads share {@code kvHeads} key/value heads,
 * head {@code h} using key/value head {@code h / (heads / kvHeads)} (Hugging Face's order).
 *
 * <p>Keys and values are never repeated per query head. Instead the {@code group} query heads of
 * one key/value head are stacked along the time axis, {@code [B, kvHeads, group·T, d]}, and
 * multiplied with that head's keys {@code [B, kvHeads, S, d]} in one batched product. Repeating
 * would copy the keys and values (the whole KV cache, when decoding) {@code group} times per
 * layer and step; stacking copies only the queries, which are small, and turns a decoding step
 * (T = 1) into {@code group}-row matrix products instead of matrix-vector ones.
 *
 * <p>Scores are softmaxed in float32 after adding the additive mask (0 or float32's minimum, never
 * -inf, so a fully masked row of left padding gives finite, ignorable values instead of NaN).
 */
final class Attention extends HfBlock {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;
    private final Parameter q;
    private final Parameter qBias;
    private final Parameter k;
    private final Parameter kBias;
    private final Parameter v;
    private final Parameter vBias;
    private final Parameter o;
    private final Parameter oBias;
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;

    Attention(ModelConfig c) {
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        headDim = c.headDim();
        scale = (float) (1 / Math.sqrt(headDim));
        long hidden = c.hiddenSize();
        long qSize = (long) heads * headDim;
        long kvSize = (long) kvHeads * headDim;
        // Declared in checkpoint order: q, k, v, o, then the norms.
        q = weight("q_proj.weight", qSize, hidden);
        qBias = c.qkvBias() ? bias("q_proj.bias", qSize) : null;
        k = weight("k_proj.weight", kvSize, hidden);
        kBias = c.qkvBias() ? bias("k_proj.bias", kvSize) : null;
        v = weight("v_proj.weight", kvSize, hidden);
        vBias = c.qkvBias() ? bias("v_proj.bias", kvSize) : null;
        o = weight("o_proj.weight", hidden, qSize);
        oBias = c.outputBias() ? bias("o_proj.bias", hidden) : null;
        qNorm = c.qkNorm() ? child("q_norm", new RmsNorm(headDim, c.rmsNormEps())) : null;
        kNorm = c.qkNorm() ? child("k_norm", new RmsNorm(headDim, c.rmsNormEps())) : null;
    }

    /**
     * Attends {@code x} [B, T, hidden] to itself and to the cached keys and values of earlier
     * steps. {@code mask} is additive, [B or 1, 1, 1, T, S] (S = cached + T), or null when every
     * key is visible (a one-token step without padding).
     */
    NDArray forward(ParameterStore ps, NDArray x, RotaryEmbedding.Angles angles, NDArray mask, KvCache cache,
                    int layer, boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        long group = heads / kvHeads;
        NDArray query = linear(ps, x, q, qBias, training).reshape(b, t, heads, headDim);
        NDArray key = linear(ps, x, k, kBias, training).reshape(b, t, kvHeads, headDim);
        NDArray value = linear(ps, x, v, vBias, training).reshape(b, t, kvHeads, headDim);
        if (qNorm != null) {
            // Qwen3 normalises each head before the rotation.
            query = qNorm.forward(ps, query, training);
            key = kNorm.forward(ps, key, training);
        }
        query = angles.rotate(query);
        key = angles.rotate(key).transpose(0, 2, 1, 3);      // [B, kvHeads, T, d]
        value = value.transpose(0, 2, 1, 3);
        if (cache != null) {
            NDList full = cache.append(layer, key, value, x.getManager());
            key = full.get(0);
            value = full.get(1);
        }
        long s = key.getShape().get(2);
        // [B, T, kvHeads, group, d] -> [B, kvHeads, group·T, d]; the scale goes on the smaller operand.
        NDArray grouped = query.reshape(b, t, kvHeads, group, headDim).transpose(0, 2, 3, 1, 4)
                .reshape(b, kvHeads, group * t, headDim).mul(constant(query, scale));
        NDArray scores = widened(grouped.matMul(key.transpose(0, 1, 3, 2)), training);
        if (mask != null) {
            scores = scores.reshape(b, kvHeads, group, t, s).add(mask);
        }
        NDArray probabilities = scores.softmax(scores.getShape().dimension() - 1)
                .toType(value.getDataType(), false).reshape(b, kvHeads, group * t, s);
        NDArray context = probabilities.matMul(value)                          // [B, kvHeads, group·T, d]
                .reshape(b, kvHeads, group, t, headDim).transpose(0, 3, 1, 2, 4)
                .reshape(b, t, (long) heads * headDim);
        return linear(ps, context, o, oBias, training);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        throw new UnsupportedOperationException("attention needs positions and masks: call CausalLM.forward");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0]};
    }
}
