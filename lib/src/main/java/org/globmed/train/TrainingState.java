package org.globmed.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything about a run's position that is not an array: saved as {@code state.json} in each
 * checkpoint. Mutable, owned by one run.
 */
final class TrainingState {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The JSON form. */
    record Saved(long step, int epoch, long tokens, double seconds, double lossScale, int cleanSteps, long bestStep,
                 double bestMetric, int evaluationsWithoutImprovement, long devStep, Map<String, Double> dev,
                 String baseDigest, String fingerprint) {
    }

    long step;
    int epoch;
    long tokens;
    double seconds;
    double lossScale;
    int cleanSteps;
    long bestStep;
    double bestMetric = Double.NaN;
    int evaluationsWithoutImprovement;
    long devStep = -1;
    Map<String, Double> dev = new TreeMap<>();
    final String baseDigest;
    final String fingerprint;

    TrainingState(String baseDigest, String fingerprint, double lossScale) {
        this.baseDigest = baseDigest;
        this.fingerprint = fingerprint;
        this.lossScale = lossScale;
    }

    /** After a step whose gradients were finite (or not, in float16): counts, and the loss scale's growth. */
    void stepped(long newStep, int newEpoch, long stepTokens, double totalSeconds, boolean scaling, boolean finite) {
        step = newStep;
        epoch = newEpoch;
        tokens += stepTokens;
        seconds = totalSeconds;
        if (scaling && finite && ++cleanSteps >= FineTune.SCALE_GROWTH_STEPS) {
            lossScale *= 2;
            cleanSteps = 0;
        }
    }

    /** A float16 overflow: the update was skipped; retry at half the scale. */
    void overflowed() {
        lossScale /= 2;
        cleanSteps = 0;
    }

    /** Records a dev evaluation; returns whether it is the best so far. */
    boolean evaluated(long atStep, Map<String, Double> accuracy, double metric, boolean track) {
        devStep = atStep;
        dev = new TreeMap<>(accuracy);
        if (!track) {
            return false;
        }
        if (Double.isNaN(bestMetric) || metric > bestMetric) {
            bestMetric = metric;
            bestStep = atStep;
            evaluationsWithoutImprovement = 0;
            return true;
        }
        evaluationsWithoutImprovement++;
        return false;
    }

    void write(Path file) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), new Saved(step, epoch, tokens, seconds, lossScale,
                cleanSteps, bestStep, bestMetric, evaluationsWithoutImprovement, devStep, dev, baseDigest, fingerprint));
    }

    static TrainingState read(Path file) throws IOException {
        Saved s = JSON.readValue(file.toFile(), Saved.class);
        TrainingState state = new TrainingState(s.baseDigest(), s.fingerprint(), s.lossScale());
        state.step = s.step();
        state.epoch = s.epoch();
        state.tokens = s.tokens();
        state.seconds = s.seconds();
        state.cleanSteps = s.cleanSteps();
        state.bestStep = s.bestStep();
        state.bestMetric = s.bestMetric();
        state.evaluationsWithoutImprovement = s.evaluationsWithoutImprovement();
        state.devStep = s.devStep();
        state.dev = s.dev() == null ? new TreeMap<>() : new TreeMap<>(s.dev());
        return state;
    }

    /** Refuses to resume with another base model or other settings, naming what differs. */
    void checkResumable(String digest, String newFingerprint, Path checkpoint) {
        if (!baseDigest.equals(digest)) {
            throw new IllegalArgumentException(checkpoint + " was trained from another base model (weight digest "
                    + baseDigest + ", this model's is " + digest + "); resume with the same model");
        }
        if (!fingerprint.equals(newFingerprint)) {
            throw new IllegalArgumentException(checkpoint + " was written with other settings:\n  checkpoint: "
                    + fingerprint + "\n  now:        " + newFingerprint + "\nresume with the same settings or start a new"
                    + " output folder");
        }
    }
}
