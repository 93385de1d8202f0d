package org.globmed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {
    private static final ModelConfig.RopeScaling LLAMA3 = new ModelConfig.RopeScaling(8, 1, 4, 8192);

    @Test
    void frequenciesAreThetaToTheMinusTwoIOverD() {
        assertArrayEquals(new float[]{1f, 0.01f}, RotaryEmbedding.inverseFrequencies(4, 10000, null));
        float[] inv = RotaryEmbedding.inverseFrequencies(128, 1_000_000, null);
        assertEquals(64, inv.length);
        assertEquals(1f, inv[0]);
        assertEquals(Math.pow(1e6, -0.5), inv[32], 1e-10);   // i = d/4: theta^(-1/2)
    }

    /*
     * Llama 3 scaling by hand for head_dim 32, theta 500000 (the tiny Llama): inv_i = 500000^(-i/16),
     * wavelength 2π / inv_i. Unchanged below wavelength 8192 / 4 = 2048, divided by 8 above
     * 8192 / 1 = 8192, interpolated between. i = 7: wavelength 2π·500000^(7/16) = 1959.5 (kept);
     * i = 8: inv = 500000^(-1/2) = 1.41421356e-3, wavelength 4442.883 (between):
     * smooth = (8192 / 4442.883 - 1) / 3 = 0.2812826, inv' = inv·((1 - smooth)/8 + smooth)
     * = 5.2484616e-4 (5.2484602e-4 after float32 rounding); i = 9: wavelength 10,057 (scaled): inv' = 500000^(-9/16) / 8.
     */
    @Test
    void llama3ScalingChangesOnlyTheLowFrequencies() {
        float[] plain = RotaryEmbedding.inverseFrequencies(32, 500_000, null);
        float[] scaled = RotaryEmbedding.inverseFrequencies(32, 500_000, LLAMA3);
        for (int i = 0; i <= 7; i++) {
            assertEquals(plain[i], scaled[i], "high frequency " + i + " is kept exactly");
        }
        assertEquals(5.2484616e-4, scaled[8], 3e-10);
        // In float32, step by step as Hugging Face's tensors compute it (checked with torch's float32):
        assertEquals(5.248460220173001e-4f, scaled[8]);
        assertEquals(7.784655463183299e-05f, scaled[9]);
        assertEquals(3.2114461064338684e-3f, scaled[7]);
        for (int i = 9; i < 16; i++) {
            assertEquals(Math.pow(500_000, -i / 16.0) / 8, scaled[i], 1e-6 * scaled[i], "low frequency " + i);
        }
    }

    /** Llama 3.1 8B (head_dim 128): 29 frequencies kept, 6 interpolated (i = 29..34), 29 divided by 8. */
    @Test
    void llama31KeepsTwentyNineFrequencies() {
        float[] plain = RotaryEmbedding.inverseFrequencies(128, 500_000, null);
        float[] scaled = RotaryEmbedding.inverseFrequencies(128, 500_000, LLAMA3);
        int kept = 0;
        int divided = 0;
        for (int i = 0; i < 64; i++) {
            if (plain[i] == scaled[i]) {
                kept++;
            } else if (Math.abs(plain[i] / 8 - scaled[i]) <= 1e-6 * scaled[i]) {
                divided++;
            }
        }
        assertEquals(29, kept);
        assertEquals(29, divided);
        assertEquals(2.1665708e-3, scaled[29], 1e-9);
        assertEquals(1.7850781e-4, scaled[34], 1e-10);
    }
}
