package org.globmed.model;

import java.util.List;

/**
 * How {@link LanguageModel#generate} decodes: greedy (temperature 0) or sampling with temperature
 * and nucleus (top-p) cut-off from a seed, at most {@code maxTokens} new tokens, stopping early at
 * the tokenizer's end tokens or at any of the {@code stop} strings (which are not part of the text).
 *
 * <pre>{@code
 * Generation.greedy(64).withStop("\n\n")
 * Generation.greedy(128).withSampling(0.7, 0.9, 42)
 * }</pre>
 *
 * @param cache whether to keep keys and values between steps (the default); without it every step
 *              recomputes the whole sequence, which gives the same tokens much more slowly and
 *              exists to check and measure the cache
 */
public record Generation(int maxTokens, double temperature, double topP, long seed, List<String> stop,
                         boolean cache) {
    public Generation {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be 0 or more, not " + maxTokens);
        }
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or more, not " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], not " + topP);
        }
        stop = List.copyOf(stop);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("a stop string must not be empty");
        }
    }

    /** Greedy decoding of at most {@code maxTokens} new tokens. */
    public static Generation greedy(int maxTokens) {
        return new Generation(maxTokens, 0, 1, 0, List.of(), true);
    }

    /** Samples from the softmax at {@code temperature}, within the smallest set of tokens whose probability reaches {@code topP}. */
    public Generation withSampling(double temperature, double topP, long seed) {
        return new Generation(maxTokens, temperature, topP, seed, stop, cache);
    }

    public Generation withStop(String... stop) {
        return new Generation(maxTokens, temperature, topP, seed, List.of(stop), cache);
    }

    public Generation withMaxTokens(int maxTokens) {
        return new Generation(maxTokens, temperature, topP, seed, stop, cache);
    }

    /** Recomputes the whole sequence at every step (for checking and measuring the cache). */
    public Generation withoutCache() {
        return new Generation(maxTokens, temperature, topP, seed, stop, false);
    }

    boolean greedy() {
        return temperature == 0;
    }
}
