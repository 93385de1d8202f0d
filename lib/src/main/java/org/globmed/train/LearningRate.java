package org.globmed.train;

/**
 * The learning rate at each step: linear warm-up from 0 to the peak over the first
 * {@code warmup · steps} steps, then cosine decay to {@code minRatio · peak} at the last step.
 */
record LearningRate(double peak, double warmup, double minRatio, long steps) {
    double at(long step) {
        long warm = (long) Math.ceil(warmup * steps);
        if (step <= warm) {
            return peak * step / Math.max(1, warm);
        }
        double progress = (step - warm) / (double) Math.max(1, steps - warm);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
        return peak * (minRatio + (1 - minRatio) * cosine);
    }
}
