package org.globmed.bench;

import java.util.Arrays;
import java.util.Comparator;
import java.math.BigInteger;

/** The paired exact McNemar test and Holm's step-down adjustment. */
final class Significance {
    private Significance() {
    }

    /**
     * The exact two-sided McNemar p-value for {@code b} and {@code c} discordant pairs: the binomial
     * test of {@code min(b, c)} successes in {@code b + c} trials at p = 0.5, that is
     * {@code min(1, 2 P(X <= min(b, c)))}; 1 when there are no discordant pairs.
     *
     * <p>The tail is summed in integers and scaled by {@code 2^(1 - n)}, so the answer is the exact
     * value correctly rounded (1, not 0.9999999999999999, for b = 2, c = 3). Not commons-math's
     * {@code BinomialTest}: its two-sided answer is 1.5 for b = c = 1 and half the exact value for
     * some lopsided counts (it compares the two tails' probabilities for exact equality). Nor
     * {@code BinomialDistribution.cumulativeProbability}, which loses the far tail to cancellation
     * (0 for 0 of 54). The cost grows as n squared: milliseconds for thousands of discordant pairs.
     */
    static double mcnemarExact(int b, int c) {
        if (b < 0 || c < 0) {
            throw new IllegalArgumentException("discordant counts must be >= 0, got b = " + b + ", c = " + c);
        }
        int n = b + c;
        int m = Math.min(b, c);
        if (n == 0 || 2 * m >= n - 1) {
            return 1; // the tail up to the middle holds at least half the mass
        }
        BigInteger term = BigInteger.ONE; // C(n, k)
        BigInteger sum = BigInteger.ONE;
        for (int k = 1; k <= m; k++) {
            term = term.multiply(BigInteger.valueOf(n - k + 1)).divide(BigInteger.valueOf(k));
            sum = sum.add(term);
        }
        // 60 leading bits are plenty for a 53-bit double; the dropped bits only ever truncate.
        int shift = Math.max(0, sum.bitLength() - 60);
        return Math.min(1, Math.scalb(sum.shiftRight(shift).doubleValue(), shift + 1 - n));
    }

    /**
     * Holm's step-down adjusted p-values, in the input's order: with the p-values sorted ascending,
     * the i-th (from 1) becomes {@code max over j <= i of min(1, (m - j + 1) p(j))}. Rejecting where
     * the adjusted value is at most alpha controls the family-wise error rate at alpha.
     */
    static double[] holm(double[] p) {
        int m = p.length;
        for (double v : p) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("p-values must lie in [0, 1], got " + Arrays.toString(p));
            }
        }
        Integer[] order = new Integer[m];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        double[] adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++) {
            int i = order[rank];
            running = Math.max(running, Math.min(1, (m - rank) * p[i]));
            adjusted[i] = running;
        }
        return adjusted;
    }
}
