package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** The gated feed-forward block: {@code down(silu(gate(x)) · up(x))}, no biases. */
final class SwiGluMlp extends HfBlock {
    private final Parameter gate;
    private final Parameter up;
    private final Parameter down;

    SwiGluMlp(long hidden, long intermediate) {
        gate = weight("gate_proj.weight", intermediate, hidden);
        up = weight("up_proj.weight", intermediate, hidden);
        down = weight("down_proj.weight", hidden, intermediate);
    }

    NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray g = linear(ps, x, gate, null, training);
        NDArray u = linear(ps, x, up, null, training);
        NDArray silu = g.mul(Activation.sigmoid(g));
        return linear(ps, silu.mul(u), down, null, training);
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
