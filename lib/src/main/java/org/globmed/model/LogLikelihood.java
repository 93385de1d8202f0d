package org.globmed.model;

/**
 * The log-likelihood of a continuation given its context, as lm-evaluation-harness defines it: the
 * sum over the continuation's tokens of log p(token | everything before it).
 *
 * @param logProb        the sum, in nats
 * @param tokenLogProbs  each continuation token's log-probability
 * @param bytes          the continuation's length in UTF-8 bytes (for per-byte normalisation)
 * @param characters     the continuation's length in characters (for per-character normalisation)
 * @param greedy         whether every continuation token is the model's most likely next token
 */
public record LogLikelihood(double logProb, float[] tokenLogProbs, int bytes, int characters, boolean greedy) {
    /** How many tokens the continuation has. */
    public int tokens() {
        return tokenLogProbs.length;
    }

    /** The mean log-probability per token. */
    public double perToken() {
        return logProb / Math.max(1, tokens());
    }
}
