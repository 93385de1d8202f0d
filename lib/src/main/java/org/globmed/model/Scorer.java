package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Batched log-likelihood of continuation tokens given context tokens.
 *
 * <p>Rows are padded on the right, so every row keeps positions 0, 1, … whatever its batch, and
 * the causal mask already hides the padding from the real tokens: an item's score depends on its
 * batch only through the order of floating-point sums. Requests are run longest first (as
 * lm-evaluation-harness does) so that a batch holds rows of similar length. The output head runs
 * only at the positions that predict continuation tokens: for a choice item, one or two positions
 * per row instead of the whole sequence times the vocabulary.
 */
final class Scorer {
    private final CausalLM lm;
    private final ParameterStore store;
    private final int maxLength;

    Scorer(CausalLM lm, ParameterStore store, int maxLength) {
        this.lm = lm;
        this.store = store;
        this.maxLength = maxLength;
    }

    /** One request: the tokens before, and the tokens whose probability is wanted. */
    record Tokens(long[] context, long[] continuation) {
        Tokens {
            if (continuation.length == 0) {
                throw new IllegalArgumentException("a continuation needs at least one token");
            }
            if (context.length == 0) {
                throw new IllegalArgumentException("a context needs at least one token (a BOS or end token when"
                        + " the text is empty)");
            }
        }
    }

    /** Per request, in request order: each continuation token's log-probability and whether it was the argmax. */
    record Scored(float[] logProbs, boolean greedy) {
    }

    List<Scored> score(List<Tokens> requests, int batchSize, NDManager manager) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, not " + batchSize);
        }
        Integer[] order = new Integer[requests.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -inputLength(requests.get(i))).thenComparing(i -> i));
        Scored[] results = new Scored[requests.size()];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<Integer> batch = Arrays.asList(order).subList(start, end);
            List<Scored> scored = scoreBatch(batch.stream().map(requests::get).toList(), manager);
            for (int i = 0; i < batch.size(); i++) {
                results[batch.get(i)] = scored.get(i);
            }
        }
        return List.of(results);
    }

    /** The model's input for a request: context and continuation without the last token, cut to the window on the left. */
    private int inputLength(Tokens r) {
        return Math.min(maxLength, r.context.length + r.continuation.length - 1);
    }

    private List<Scored> scoreBatch(List<Tokens> batch, NDManager parent) {
        int rows = batch.size();
        int width = batch.stream().mapToInt(this::inputLength).max().orElseThrow();
        long[] ids = new long[rows * width];
        float[] mask = new float[rows * width];
        int targets = batch.stream().mapToInt(r -> r.continuation.length).sum();
        long[] where = new long[targets];
        long[] wanted = new long[targets];
        int t = 0;
        for (int row = 0; row < rows; row++) {
            Tokens r = batch.get(row);
            long[] all = new long[r.context.length + r.continuation.length];
            System.arraycopy(r.context, 0, all, 0, r.context.length);
            System.arraycopy(r.continuation, 0, all, r.context.length, r.continuation.length);
            if (r.continuation.length > maxLength) {
                throw new IllegalArgumentException("a continuation of " + r.continuation.length
                        + " tokens does not fit the model's window of " + maxLength);
            }
            int length = inputLength(r);
            int from = all.length - 1 - length; // first input token, after cutting on the left
            for (int p = 0; p < length; p++) {
                ids[row * width + p] = all[from + p];
                mask[row * width + p] = 1;
            }
            // Input position p predicts token from + p + 1; the continuation's tokens are the last ones.
            for (int k = 0; k < r.continuation.length; k++) {
                int p = length - r.continuation.length + k;
                where[t] = (long) row * width + p;
                wanted[t++] = r.continuation[k];
            }
        }
        try (NDManager manager = parent.newSubManager()) {
            NDArray input = manager.create(ids, new Shape(rows, width));
            NDArray keyMask = manager.create(mask, new Shape(rows, width));
            NDArray hidden = lm.hiddenStates(store, input, keyMask, null, null, false);
            NDArray picked = hidden.reshape(-1, hidden.getShape().get(2)).get(manager.create(where));
            NDArray logProbs = lm.logits(store, picked.expandDims(0), false).squeeze(0).logSoftmax(1);
            NDArray targetIds = manager.create(wanted).reshape(targets, 1);
            float[] chosen = logProbs.gather(targetIds, 1).toType(DataType.FLOAT32, false).toFloatArray();
            long[] best = logProbs.argMax(1).toType(DataType.INT64, false).toLongArray();
            List<Scored> out = new ArrayList<>(rows);
            int k = 0;
            for (Tokens r : batch) {
                float[] lp = Arrays.copyOfRange(chosen, k, k + r.continuation.length);
                boolean greedy = true;
                for (int j = 0; j < r.continuation.length; j++) {
                    greedy &= best[k + j] == wanted[k + j];
                }
                k += r.continuation.length;
                out.add(new Scored(lp, greedy));
            }
            return out;
        }
    }
}
