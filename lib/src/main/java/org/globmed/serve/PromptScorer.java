package org.globmed.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
import org.globmed.model.CausalLM;
import org.globmed.model.LanguageModel;

/**
 * The log-probability of every token of a sequence given the tokens before it, with the most
 * likely alternatives at each position: what an OpenAI {@code echo} + {@code logprobs} request
 * returns. {@link LanguageModel#logLikelihood} scores continuation tokens only and keeps no
 * alternatives, so this runs the model's public block directly, the same way (right padding,
 * hidden states once, the head only where a token is predicted, a log-softmax over the
 * vocabulary), which gives the same numbers up to float rounding.
 */
final class PromptScorer {
    /** Logits held at once: about 64 MB of float32 per chunk, whatever the vocabulary. */
    private static final int LOGIT_BUDGET = 1 << 24;

    private final CausalLM block;
    private final ParameterStore store;
    private final NDManager manager;
    private final int batchSize;

    PromptScorer(LanguageModel model, int batchSize) {
        this.block = model.block();
        this.manager = model.manager();
        this.store = new ParameterStore(manager, false);
        this.batchSize = batchSize;
    }

    /**
     * One sequence's scores. Index 0 has no context: its log-probability is NaN and it has no
     * alternatives.
     *
     * @param logProbs    log p(ids[i] | ids[&lt;i]) for each position i
     * @param topIds      the {@code top} most likely tokens at position i, most likely first
     * @param topLogProbs their log-probabilities
     */
    record Scores(float[] logProbs, long[][] topIds, float[][] topLogProbs) {
    }

    /** Scores each sequence (at least one token each), in input order; {@code top} alternatives per position (0 or more). */
    List<Scores> score(List<long[]> sequences, int top) {
        Scores[] out = new Scores[sequences.size()];
        // Sequences that differ only in their last token (the options of a choice item, each sent
        // as its own echo request) share one row: every position but the last is the same, and the
        // last differs only in the token looked up. Groups run longest first, as the model's own
        // scorer orders rows, so a batch holds rows of similar length.
        Map<List<Long>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < sequences.size(); i++) {
            long[] seq = sequences.get(i);
            if (seq.length < 2) {
                out[i] = empty(seq.length);
                continue;
            }
            List<Long> prefix = new ArrayList<>(seq.length - 1);
            for (int p = 0; p < seq.length - 1; p++) {
                prefix.add(seq[p]);
            }
            groups.computeIfAbsent(prefix, k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> ordered = new ArrayList<>(groups.values());
        ordered.sort(Comparator.comparingInt((List<Integer> g) -> -sequences.get(g.get(0)).length));
        for (int from = 0; from < ordered.size(); from += batchSize) {
            scoreBatch(ordered.subList(from, Math.min(ordered.size(), from + batchSize)), sequences, top, out);
        }
        return List.of(out);
    }

    private static Scores empty(int length) {
        float[] lp = new float[length];
        Arrays.fill(lp, Float.NaN);
        return new Scores(lp, new long[length][], new float[length][]);
    }

    private void scoreBatch(List<List<Integer>> batch, List<long[]> sequences, int top, Scores[] out) {
        int rows = batch.size();
        int width = batch.stream().mapToInt(g -> sequences.get(g.get(0)).length - 1).max().orElseThrow();
        long[] ids = new long[rows * width];
        float[] mask = new float[rows * width];
        // Every position of a group's first sequence, plus the last position of each other member.
        int targets = batch.stream().mapToInt(g -> sequences.get(g.get(0)).length - 1 + g.size() - 1).sum();
        long[] where = new long[targets];
        long[] wanted = new long[targets];
        int t = 0;
        for (int row = 0; row < rows; row++) {
            List<Integer> group = batch.get(row);
            long[] seq = sequences.get(group.get(0));
            for (int p = 0; p < seq.length - 1; p++) {
                ids[row * width + p] = seq[p];
                mask[row * width + p] = 1;
                where[t] = (long) row * width + p; // input position p predicts token p + 1
                wanted[t++] = seq[p + 1];
            }
            for (int m = 1; m < group.size(); m++) {
                long[] other = sequences.get(group.get(m));
                where[t] = (long) row * width + other.length - 2;
                wanted[t++] = other[other.length - 1];
            }
        }
        float[] chosen = new float[targets];
        long[] topIds = new long[targets * top];
        float[] topValues = new float[targets * top];
        try (NDManager sub = manager.newSubManager()) {
            NDArray hidden = block.hiddenStates(store, sub.create(ids, new Shape(rows, width)),
                    sub.create(mask, new Shape(rows, width)), null, null, false);
            NDArray flat = hidden.reshape(-1, hidden.getShape().get(2));
            int chunk = Math.max(1, LOGIT_BUDGET / block.config().vocabSize());
            for (int from = 0; from < targets; from += chunk) {
                int to = Math.min(targets, from + chunk);
                try (NDManager pass = sub.newSubManager()) {
                    NDArray picked = flat.get(pass.create(Arrays.copyOfRange(where, from, to)));
                    picked.attach(pass); // so that this chunk's arrays are freed with it
                    NDArray logProbs = block.logits(store, picked.expandDims(0), false).squeeze(0).logSoftmax(1);
                    NDArray target = pass.create(Arrays.copyOfRange(wanted, from, to)).reshape(to - from, 1);
                    float[] got = logProbs.gather(target, 1).toType(DataType.FLOAT32, false).toFloatArray();
                    System.arraycopy(got, 0, chosen, from, got.length);
                    if (top > 0) {
                        NDList best = logProbs.topK(top, 1);
                        float[] values = best.get(0).toType(DataType.FLOAT32, false).toFloatArray();
                        long[] indices = best.get(1).toType(DataType.INT64, false).toLongArray();
                        System.arraycopy(values, 0, topValues, from * top, values.length);
                        System.arraycopy(indices, 0, topIds, from * top, indices.length);
                    }
                }
            }
        }
        int k = 0;
        for (List<Integer> group : batch) {
            int n = sequences.get(group.get(0)).length;
            float[] lp = new float[n];
            long[][] alternatives = new long[n][];
            float[][] alternativeLps = new float[n][];
            lp[0] = Float.NaN;
            for (int p = 1; p < n; p++, k++) {
                lp[p] = chosen[k];
                alternatives[p] = Arrays.copyOfRange(topIds, k * top, (k + 1) * top);
                alternativeLps[p] = Arrays.copyOfRange(topValues, k * top, (k + 1) * top);
            }
            out[group.get(0)] = new Scores(lp, alternatives, alternativeLps);
            for (int m = 1; m < group.size(); m++, k++) {
                float[] mine = lp.clone();
                mine[n - 1] = chosen[k]; // same row and position as the first member's last token
                out[group.get(m)] = new Scores(mine, alternatives, alternativeLps);
            }
        }
    }
}
