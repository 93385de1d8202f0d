package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** Per request, in request order: each continuation token's log-probability and whether it was the argmax. */
    record Scored(float[] logProbs, boolean greedy) {
    }

    List<Scored> score(List<LanguageModel.Tokens> requests, int batchSize, NDManager manager) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, not " + batchSize);
        }
        // Requests whose inputs are the same token sequence share one row: the options of a choice
        // item scored by their letters differ only in the token predicted at the last position.
        Map<List<Long>, List<Integer>> rowsByInput = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            rowsByInput.computeIfAbsent(input(requests.get(i)), k -> new ArrayList<>()).add(i);
        }
        List<List<Long>> inputs = new ArrayList<>(rowsByInput.keySet());
        inputs.sort(Comparator.comparingInt((List<Long> in) -> -in.size())); // stable: ties keep request order
        Scored[] results = new Scored[requests.size()];
        for (int start = 0; start < inputs.size(); start += batchSize) {
            List<List<Long>> batch = inputs.subList(start, Math.min(inputs.size(), start + batchSize));
            List<List<Integer>> members = batch.stream().map(rowsByInput::get).toList();
            scoreBatch(batch, members, requests, results, manager);
        }
        return List.of(results);
    }

    /** The model's input for a request: context and continuation without the last token, cut to the window on the left. */
    private List<Long> input(LanguageModel.Tokens r) {
        if (r.continuation().length > maxLength) {
            throw new IllegalArgumentException("a continuation of " + r.continuation().length
                    + " tokens does not fit the model's window of " + maxLength);
        }
        int total = r.context().length + r.continuation().length;
        int length = Math.min(maxLength, total - 1);
        List<Long> in = new ArrayList<>(length);
        for (int p = total - 1 - length; p < total - 1; p++) {
            in.add(p < r.context().length ? r.context()[p] : r.continuation()[p - r.context().length]);
        }
        return in;
    }

    private void scoreBatch(List<List<Long>> batch, List<List<Integer>> members, List<LanguageModel.Tokens> requests,
                            Scored[] results, NDManager parent) {
        int rows = batch.size();
        int width = batch.get(0).size();
        long[] ids = new long[rows * width];
        float[] mask = new float[rows * width];
        int targets = 0;
        for (List<Integer> m : members) {
            for (int i : m) {
                targets += requests.get(i).continuation().length;
            }
        }
        long[] where = new long[targets];
        long[] wanted = new long[targets];
        int t = 0;
        for (int row = 0; row < rows; row++) {
            List<Long> in = batch.get(row);
            for (int p = 0; p < in.size(); p++) {
                ids[row * width + p] = in.get(p);
                mask[row * width + p] = 1;
            }
            for (int i : members.get(row)) {
                long[] continuation = requests.get(i).continuation();
                // Input position p predicts the token after it; the continuation's tokens are the last ones.
                for (int k = 0; k < continuation.length; k++) {
                    where[t] = (long) row * width + in.size() - continuation.length + k;
                    wanted[t++] = continuation[k];
                }
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
            int k = 0;
            for (List<Integer> m : members) {
                for (int i : m) {
                    int n = requests.get(i).continuation().length;
                    boolean greedy = true;
                    for (int j = 0; j < n; j++) {
                        greedy &= best[k + j] == wanted[k + j];
                    }
                    results[i] = new Scored(Arrays.copyOfRange(chosen, k, k + n), greedy);
                    k += n;
                }
            }
        }
    }
}
