package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embeddings in Hugging Face's "rotate half" layout: the first and second halves
 * of a head are the two coordinates of each rotated pair, and frequency {@code i} is
 * {@code theta^(-2i/d)}, optionally stretched by Llama 3's rope scaling.
 *
 * <p>The angles come from a positions array rather than a table indexed by slot, so a left-padded
 * row (positions {@code cumsum(mask) - 1}) and a cached decoding step (positions past the cache)
 * rotate exactly like the unpadded, uncached sequence. They are computed once per forward pass,
 * in float32 as Hugging Face does ({@code position × inv_freq}, then cos and sin), and shared by
 * all layers; that costs {@code B·T·d} sines against the model's {@code B·T·params} products and
 * needs no table sized to {@code max_position_embeddings}.
 */
final class RotaryEmbedding {
    private final float[] inverseFrequencies;

    RotaryEmbedding(ModelConfig config) {
        this.inverseFrequencies = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
    }

    /**
     * {@code 1 / theta^(2i/d)} for {@code i < d/2}, then Llama 3's adjustment when {@code scaling}
     * is set. Each step is rounded to float32 in the order Hugging Face's float32 tensors compute
     * it, so the frequencies match the reference to the last bit or so (at position 40,000 a
     * one-ulp difference would already move an angle by 2e-3).
     */
    static float[] inverseFrequencies(int headDim, double theta, ModelConfig.RopeScaling scaling) {
        float base = (float) theta;
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1.0f / (float) Math.pow(base, exponent);
        }
        if (scaling == null) {
            return inv;
        }
        float factor = (float) scaling.factor();
        float low = (float) scaling.lowFreqFactor();
        float high = (float) scaling.highFreqFactor();
        float oldContext = scaling.originalMaxPositionEmbeddings();
        // Wavelengths (in positions) beyond which a frequency is scaled, below which it is kept.
        float lowFreqWavelength = (float) (scaling.originalMaxPositionEmbeddings() / scaling.lowFreqFactor());
        float highFreqWavelength = (float) (scaling.originalMaxPositionEmbeddings() / scaling.highFreqFactor());
        float twoPi = (float) (2 * Math.PI);
        for (int i = 0; i < inv.length; i++) {
            float wavelength = twoPi / inv[i];
            if (wavelength > lowFreqWavelength) {
                inv[i] = inv[i] / factor;
            } else if (!(wavelength < highFreqWavelength)) {
                // Between the two: interpolate between scaled and unscaled by the wavelength.
                float smooth = (oldContext / wavelength - low) / (float) (scaling.highFreqFactor()
                        - scaling.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
        }
        return inv;
    }

    float[] inverseFrequencies() {
        return inverseFrequencies.clone();
    }

    /**
     * The rotation for each position: {@code positions} is [B, T] (or [1, T]) int64; the result
     * broadcasts over heads of arrays laid out [B, T, heads, d] and has the model's dtype.
     */
    Angles angles(NDArray positions, DataType dtype) {
        NDArray inv = positions.getManager().create(inverseFrequencies).toDevice(positions.getDevice(), false);
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(2).mul(inv);   // [B, T, d/2]
        NDArray cos = freqs.cos();
        NDArray sin = freqs.sin();
        long b = freqs.getShape().get(0);
        long t = freqs.getShape().get(1);
        long d = 2L * inverseFrequencies.length;
        NDArray fullCos = NDArrays.concat(new NDList(cos, cos), 2).reshape(b, t, 1, d).toType(dtype, false);
        // rotate_half(x) * sin == swap_halves(x) * [-sin, sin]: the sign lives in the table.
        NDArray signedSin = NDArrays.concat(new NDList(sin.neg(), sin), 2).reshape(b, t, 1, d).toType(dtype, false);
        return new Angles(fullCos, signedSin);
    }

    /** Cosines and signed sines of one forward pass, [B, T, 1, d]. */
    record Angles(NDArray cos, NDArray signedSin) {
        /** Rotates {@code x}, laid out [B, T, heads, d]: {@code x·cos + rotate_half(x)·sin}. */
        NDArray rotate(NDArray x) {
            int last = x.getShape().dimension() - 1;
            NDList halves = x.split(2, last);
            NDArray swapped = NDArrays.concat(new NDList(halves.get(1), halves.get(0)), last);
            return x.mul(cos).add(swapped.mul(signedSin));
        }
    }
}
