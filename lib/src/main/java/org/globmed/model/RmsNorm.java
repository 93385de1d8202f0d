package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Root-mean-square normalisation over the last axis, {@code x / sqrt(mean(x²) + eps) * weight},
 * computed in float32 whatever the model's dtype (as Hugging Face does: in bf16 the mean of
 * squares loses too much) and cast back before the scale.
 */
final class RmsNorm extends HfBlock {
    private final Parameter weight;
    private final float eps;

    RmsNorm(long size, double eps) {
        this.weight = scale("weight", size);
        this.eps = (float) eps;
    }

    NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray x32 = widened(x, training);
        int last = x.getShape().dimension() - 1;
        NDArray rms = x32.square().mean(new int[]{last}, true).add(constant(x32, eps)).sqrt();
        return x32.div(rms).toType(x.getDataType(), false).mul(value(ps, weight, x, training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0]};
    }
}
