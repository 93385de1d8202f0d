package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * Decodes a batch of prompts token by token. Prompts are padded on the left so that every row's
 * next token sits in the last column; the key mask hides the padding and the rotary positions of
 * a padded row count from its first real token, so a prompt decodes the same alone or in a batch.
 *
 * <p>With the cache, the prompt is run once and each step feeds only the new tokens; without it,
 * each step runs the whole sequence again (the reference the cache is checked against).
 */
final class Generator {
    private final CausalLM lm;
    private final ParameterStore store;
    private final Set<Long> endTokens;
    private final Function<long[], String> decode;

    Generator(CausalLM lm, ParameterStore store, Set<Long> endTokens, Function<long[], String> decode) {
        this.lm = lm;
        this.store = store;
        this.endTokens = endTokens;
        this.decode = decode;
    }

    List<Completion> generate(List<long[]> prompts, Generation g, NDManager parent) {
        int rows = prompts.size();
        int width = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        if (prompts.stream().anyMatch(p -> p.length == 0)) {
            throw new IllegalArgumentException("a prompt needs at least one token");
        }
        long[] ids = new long[rows * width];
        float[] mask = new float[rows * width];
        for (int row = 0; row < rows; row++) {
            long[] p = prompts.get(row);
            int pad = width - p.length;
            System.arraycopy(p, 0, ids, row * width + pad, p.length);
            Arrays.fill(mask, row * width + pad, (row + 1) * width, 1f);
        }
        List<List<Long>> generated = new ArrayList<>();
        Completion[] done = new Completion[rows];
        Random[] random = new Random[rows];
        for (int row = 0; row < rows; row++) {
            generated.add(new ArrayList<>());
            random[row] = new Random(g.seed()); // per row, so a prompt samples the same in any batch
        }
        // Without padding no mask is needed: positions count from the cache and every key is visible,
        // which saves a decoding step the mask's dozen small operations.
        boolean padded = prompts.stream().anyMatch(p -> p.length != width);
        try (NDManager manager = parent.newSubManager()) {
            NDArray sequence = manager.create(ids, new Shape(rows, width));
            NDArray keyMask = padded ? manager.create(mask, new Shape(rows, width)) : null;
            KvCache cache = g.cache() ? lm.newCache(manager) : null;
            NDArray input = sequence;
            for (int step = 0; step < g.maxTokens(); step++) {
                long[] next;
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray hidden = lm.hiddenStates(store, input, keyMask, null, cache, false);
                    hidden.attach(stepManager);
                    long t = hidden.getShape().get(1);
                    // Only the last position predicts the next token: the head runs there alone.
                    NDArray last = hidden.get(new NDIndex(":, " + (t - 1) + ":"));
                    next = choose(lm.logits(store, last, false).squeeze(1), g, random);
                }
                boolean all = true;
                for (int row = 0; row < rows; row++) {
                    if (done[row] != null) {
                        continue;
                    }
                    generated.get(row).add(next[row]);
                    done[row] = finished(generated.get(row), prompts.get(row).length, g, step + 1 == g.maxTokens());
                    all &= done[row] != null;
                }
                if (all) {
                    break;
                }
                NDArray column = manager.create(next, new Shape(rows, 1));
                if (keyMask != null) {
                    NDArray grownMask = keyMask.concat(manager.ones(new Shape(rows, 1)), 1);
                    keyMask.close();
                    keyMask = grownMask;
                }
                if (cache != null) {
                    if (input != sequence) {
                        input.close();
                    }
                    input = column;
                } else {
                    NDArray grown = sequence.concat(column, 1);
                    sequence.close();
                    sequence = grown;
                    input = sequence;
                }
            }
            if (cache != null) {
                cache.close();
            }
        }
        for (int row = 0; row < rows; row++) {
            if (done[row] == null) { // maxTokens == 0
                done[row] = new Completion("", new long[0], prompts.get(row).length, Completion.Finish.LENGTH);
            }
        }
        return List.of(done);
    }

    /** A completion when the row has ended (end token, stop string, or the limit), else null. */
    private Completion finished(List<Long> tokens, int promptTokens, Generation g, boolean last) {
        boolean end = endTokens.contains(tokens.get(tokens.size() - 1));
        if (g.stop().isEmpty() && !end && !last) {
            return null; // nothing to look for in the text yet: no need to decode it
        }
        long[] ids = tokens.stream().mapToLong(Long::longValue).toArray();
        String text = decode.apply(end ? Arrays.copyOf(ids, ids.length - 1) : ids);
        int cut = -1;
        for (String stop : g.stop()) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            return new Completion(text.substring(0, cut), ids, promptTokens, Completion.Finish.STOP);
        }
        if (end) {
            return new Completion(text, ids, promptTokens, Completion.Finish.STOP);
        }
        return last ? new Completion(text, ids, promptTokens, Completion.Finish.LENGTH) : null;
    }

    /** The next token of every row: the argmax, or a draw from the temperature-scaled top-p set. */
    private static long[] choose(NDArray logits, Generation g, Random[] random) {
        if (g.greedy()) {
            return logits.argMax(1).toType(DataType.INT64, false).toLongArray();
        }
        int rows = (int) logits.getShape().get(0);
        int vocab = (int) logits.getShape().get(1);
        float[] all = logits.toType(DataType.FLOAT32, false).toFloatArray();
        long[] next = new long[rows];
        for (int row = 0; row < rows; row++) {
            next[row] = sample(Arrays.copyOfRange(all, row * vocab, (row + 1) * vocab), g.temperature(), g.topP(),
                    random[row]);
        }
        return next;
    }

    /** Draws from softmax(logits / temperature) restricted to the most likely tokens whose mass reaches topP. */
    static int sample(float[] logits, double temperature, double topP, Random random) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = new Integer[p.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        int keep = 0;
        double mass = 0;
        while (keep < order.length && (keep == 0 || mass < topP * sum)) {
            mass += p[order[keep++]];
        }
        double draw = random.nextDouble() * mass;
        for (int k = 0; k < keep; k++) {
            draw -= p[order[k]];
            if (draw <= 0) {
                return order[k];
            }
        }
        return order[keep - 1];
    }
}
