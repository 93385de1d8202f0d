package org.globmed.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * The keys and values of the positions a model has already seen, per layer {@code [B, kvHeads,
 * S, d]} (after q/k norm and rotation), so that a decoding step computes only its new tokens.
 * Made by {@link CausalLM#newCache}; pass the same cache to successive
 * {@link CausalLM#forward} calls, with a key mask covering all {@link #length()} + new positions.
 *
 * <p>The cache owns its arrays (a sub-manager of the one it was made with); close it when the
 * sequence is done, or when a forward call using it failed (some layers may then hold the step). Each step concatenates the new keys to the old ones and frees the old, which
 * costs a copy of the cache per step: small beside a step's matrix products up to a few thousand
 * positions, and it keeps the arrays contiguous for the attention products.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private long length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** The number of positions cached (including left padding). */
    public long length() {
        return length;
    }

    /** The batch size of the cached sequences, or 0 before the first step. */
    public long batchSize() {
        return keys[0] == null ? 0 : keys[0].getShape().get(0);
    }

    /** Layer {@code layer}'s keys, [B, kvHeads, S, d], or null before the first step. */
    NDArray keys(int layer) {
        return keys[layer];
    }

    /** Layer {@code layer}'s values, [B, kvHeads, S, d], or null before the first step. */
    NDArray values(int layer) {
        return values[layer];
    }

    /**
     * Appends a step's keys and values [B, kvHeads, T, d] to {@code layer} and returns all of them.
     * The returned arrays stay the cache's, but are lent to {@code step} (the forward pass's
     * manager) until it closes, so that what the pass derives from them is freed with the pass.
     */
    NDList append(int layer, NDArray key, NDArray value, NDManager step) {
        keys[layer] = extend(keys[layer], key, step);
        values[layer] = extend(values[layer], value, step);
        return new NDList(keys[layer], values[layer]);
    }

    private NDArray extend(NDArray past, NDArray step, NDManager lender) {
        NDArray full = past == null ? step : NDArrays.concat(new NDList(past, step), 2);
        full.attach(manager);
        if (past != null) {
            past.close();
        }
        full.tempAttach(lender);
        return full;
    }

    /** Records that every layer now holds {@code steps} more positions. */
    void advance(long steps) {
        length += steps;
    }

    @Override
    public void close() {
        manager.close();
    }
}
