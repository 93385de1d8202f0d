package org.globmed.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.globmed.model.SafeTensors;

/**
 * AdamW (Loshchilov and Hutter) over named arrays, as {@code torch.optim.AdamW} computes it:
 * {@code w ← w·(1 − lr·λ)}, then {@code w ← w − lr·m̂ / (√v̂ + ε)} with bias-corrected moments.
 *
 * <p>Written here rather than taken from DJL because a checkpoint must hold the optimizer's state
 * and DJL's optimizers keep theirs private. The moments, and for float16 training a float32
 * master copy of each weight, live in float32 on the weights' device; weights being trained in
 * float16 are refreshed from their master after each update.
 */
final class AdamW {
    /** One trained array and its state. */
    private record Slot(String name, NDArray weight, NDArray master, NDArray m, NDArray v, boolean decay) {
        /** The float32 values the update applies to: the master copy, or the weight itself. */
        NDArray target() {
            return master != null ? master : weight;
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private final NDManager state;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private long step;

    /**
     * @param weights the arrays to train by name (they are marked as requiring gradients)
     * @param decayed names whose weights decay (matrices; norms and biases do not)
     */
    AdamW(Map<String, NDArray> weights, java.util.Set<String> decayed, NDManager manager, TrainingConfig config) {
        this.state = manager.newSubManager();
        this.beta1 = config.beta1;
        this.beta2 = config.beta2;
        this.epsilon = config.epsilon;
        this.weightDecay = config.weightDecay;
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            NDArray w = e.getValue();
            w.setRequiresGradient(true);
            NDArray master = null;
            if (w.getDataType() != DataType.FLOAT32) {
                master = w.toType(DataType.FLOAT32, true);
                master.attach(state);
            }
            NDArray m = state.zeros(w.getShape(), DataType.FLOAT32, w.getDevice());
            NDArray v = state.zeros(w.getShape(), DataType.FLOAT32, w.getDevice());
            slots.add(new Slot(e.getKey(), w, master, m, v, decayed.contains(e.getKey())));
        }
    }

    long step() {
        return step;
    }

    /**
     * The global L2 norm of the gradients, multiplied by {@code factor} (1 / loss scale); NaN or
     * infinite when a gradient is. One device synchronisation for all arrays.
     */
    double gradientNorm(double factor) {
        try (NDManager scratch = state.newSubManager()) {
            NDArray total = null;
            for (Slot s : slots) {
                // Each gradient's square is freed at once: held until the end, they were a second
                // copy of every gradient at the moment the moments and gradients are all resident.
                NDArray squares;
                try (NDManager each = scratch.newSubManager()) {
                    NDArray g = s.weight().getGradient();
                    g.attach(each);
                    squares = g.toType(DataType.FLOAT32, false).square().sum();
                    squares.attach(scratch);
                }
                total = total == null ? squares : total.add(squares);
            }
            return total == null ? 0 : Math.sqrt(total.getFloat()) * factor;
        }
    }

    /**
     * One update at learning rate {@code lr}, the gradients multiplied by {@code factor} first
     * (clipping, unscaling).
     *
     * <p>Each array is updated by one call into libtorch (DJL's fused {@code adamUpdate}, in-place
     * operations in C++) instead of about fifteen DJL operations: a LoRA run trains 112 small arrays,
     * and their per-operation overhead was a tenth of its step. The fused form computes
     * {@code w ← w − lr·λ·w} and {@code w ← w − lr′·m / (√v + ε′)}; with {@code lr′ = lr·√c₂ / c₁}
     * and {@code ε′ = ε·√c₂} that is torch's {@code lr / c₁ · m / (√v / √c₂ + ε)}, the same update.
     */
    void update(double lr, double factor) {
        step++;
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2 = 1 - Math.pow(beta2, step);
        float corrected = (float) (lr * Math.sqrt(correction2) / correction1);
        float eps = (float) (epsilon * Math.sqrt(correction2));
        for (Slot s : slots) {
            try (NDManager scratch = state.newSubManager()) {
                NDArray g = s.weight().getGradient();
                g.attach(scratch);
                // float16 weights: their float32 master is updated from a float32 gradient.
                NDArray grad = g.toType(DataType.FLOAT32, false);
                JniUtils.adamUpdate((PtNDArray) s.target(), (PtNDArray) grad, (PtNDArray) s.m(), (PtNDArray) s.v(),
                        (float) lr, corrected, s.decay() ? (float) weightDecay : 0f, (float) factor, -1f,
                        (float) beta1, (float) beta2, eps, true);
                if (s.master() != null) {
                    NDArray narrowed = s.master().toType(s.weight().getDataType(), false);
                    narrowed.attach(scratch); // made in the master's manager, which lives as long as the run
                    narrowed.copyTo(s.weight());
                }
            }
        }
    }

    /** Sets every gradient to zero (also NaN or infinite ones, which a subtraction would keep). */
    void zeroGradients() {
        for (Slot s : slots) {
            JniUtils.zeroGrad((PtNDArray) s.weight());
        }
    }

    /** The trained values by name, float32 (the master copies when training in float16). */
    Map<String, NDArray> values() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        slots.forEach(s -> out.put(s.name(), s.target()));
        return out;
    }

    /** The moments by name ({@code m.NAME}, {@code v.NAME}), for a checkpoint. */
    Map<String, NDArray> moments() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        slots.forEach(s -> {
            out.put("m." + s.name(), s.m());
            out.put("v." + s.name(), s.v());
        });
        return out;
    }

    /** Restores values, moments and the step count from a checkpoint's files. */
    void restore(Path valuesFile, Path momentsFile, long restoredStep) throws IOException {
        try (SafeTensors values = SafeTensors.open(valuesFile); SafeTensors moments = SafeTensors.open(momentsFile)) {
            for (Slot s : slots) {
                copy(values, s.name(), s.target());
                if (s.master() != null) {
                    try (NDArray narrowed = s.master().toType(s.weight().getDataType(), false)) {
                        narrowed.copyTo(s.weight());
                    }
                }
                copy(moments, "m." + s.name(), s.m());
                copy(moments, "v." + s.name(), s.v());
            }
        }
        this.step = restoredStep;
    }

    private void copy(SafeTensors from, String name, NDArray into) throws IOException {
        if (!from.names().contains(name)) {
            throw new SafeTensors.CheckpointException(from + ": no tensor '" + name + "'; the checkpoint belongs to"
                    + " another model or training mode");
        }
        try (NDArray value = from.load(name, state, DataType.FLOAT32)) {
            if (!value.getShape().equals(into.getShape())) {
                throw new SafeTensors.CheckpointException(from + ": tensor '" + name + "' has shape " + value.getShape()
                        + ", expected " + into.getShape());
            }
            value.copyTo(into);
        }
    }

    /** Frees the optimizer state; the weights stay with the model. */
    void close() {
        for (Slot s : slots) {
            s.weight().setRequiresGradient(false);
        }
        state.close();
    }
}
