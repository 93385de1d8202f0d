package org.globmed.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.globmed.bench.Comparison;
import org.globmed.bench.Results;
import org.globmed.io.AtomicFiles;
import tech.tablesaw.api.Row;

/**
 * What a fine-tuning run did: returned by {@link FineTune#run} and written to the run folder as
 * {@code report.json}.
 *
 * @param mode              "full" or "LoRA r=R"
 * @param trainedParameters values the optimizer updated
 * @param steps             optimizer steps done (all processes of a resumed run)
 * @param plannedSteps      steps the schedule had (more than {@code steps} after early stopping)
 * @param tokens            tokens trained on, padding excluded (all processes)
 * @param seconds           wall time of the training loop in this process
 * @param tokensPerSecond   tokens trained in this process per second of it
 * @param finalLoss         the last step's loss
 * @param bestStep          the step of the best dev evaluation during training (0: none)
 * @param bestMetric        its metric value
 * @param metric            the metric that chose it
 * @param stoppedEarly      whether early stopping ended the run
 * @param samplingProbability per language, the probability of drawing it ({@code ∝ n^(1/τ)})
 * @param effectiveMix      per language, its share of the examples actually trained on
 * @param truncated         examples cut to {@code maxLength}
 * @param memory            the memory estimate checked before starting
 * @param before            dev results before training (null without a dev set)
 * @param after             dev results after training (null without a dev set)
 * @param folder            the run folder
 * @param resumedFrom       the checkpoint step this process continued from (0: it started the run)
 */
public record TrainingReport(String mode, long trainedParameters, long steps, long plannedSteps, long tokens,
                             double seconds, double tokensPerSecond, double finalLoss, long bestStep, double bestMetric,
                             TrainingConfig.Metric metric, boolean stoppedEarly, Map<String, Double> samplingProbability,
                             Map<String, Double> effectiveMix, int truncated, MemoryEstimate memory, Results before,
                             Results after, Path folder, long resumedFrom) {
    /** Dev accuracy per language before training (empty without a dev set). */
    public Map<String, Double> devBefore() {
        return accuracy(before);
    }

    /** Dev accuracy per language after training (empty without a dev set). */
    public Map<String, Double> devAfter() {
        return accuracy(after);
    }

    /** Before against after on the same dev items: per-language gains, the headline figures, McNemar tests. */
    public Comparison comparison() {
        if (before == null || after == null) {
            throw new IllegalStateException("the run had no dev set evaluated before and after training");
        }
        return Comparison.of(before.items(), after.items(), before.registry());
    }

    private static Map<String, Double> accuracy(Results results) {
        Map<String, Double> out = new TreeMap<>();
        if (results != null) {
            for (Row row : results.report().languages()) {
                out.put(row.getString("language"), row.getDouble("accuracy"));
            }
        }
        return out;
    }

    /** Writes report.json atomically. */
    void write(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("mode", mode);
        json.put("trained_parameters", trainedParameters);
        json.put("steps", steps);
        json.put("planned_steps", plannedSteps);
        json.put("tokens", tokens);
        json.put("seconds", seconds);
        json.put("tokens_per_second", tokensPerSecond);
        json.put("final_loss", finalLoss);
        json.put("best_step", bestStep);
        json.put("best_metric", Double.isNaN(bestMetric) ? null : bestMetric);
        json.put("metric", metric.name().toLowerCase(Locale.ROOT));
        json.put("stopped_early", stoppedEarly);
        json.put("sampling_probability", samplingProbability);
        json.put("effective_mix", effectiveMix);
        json.put("truncated", truncated);
        json.put("resumed_from", resumedFrom);
        json.put("memory_estimate", memory.toString());
        json.put("dev_before", devBefore());
        json.put("dev_after", devAfter());
        AtomicFiles.write(file, TrainingState.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%s fine-tuning: %,d trained parameters, %,d/%,d steps%s, %,d tokens,"
                        + " %.1f s (%.0f tokens/s), final loss %.4f", mode, trainedParameters, steps, plannedSteps,
                (stoppedEarly ? " (stopped early)" : "") + (resumedFrom > 0 ? " (resumed from step " + resumedFrom + ")" : ""),
                tokens, seconds, tokensPerSecond, finalLoss));
        if (bestStep > 0) {
            s.append(String.format(Locale.ROOT, "; best %s %.4f at step %,d", metric.name().toLowerCase(Locale.ROOT),
                    bestMetric, bestStep));
        }
        if (truncated > 0) {
            s.append(String.format(Locale.ROOT, "; %,d examples cut to maxLength", truncated));
        }
        s.append('\n').append("language mix trained on:");
        effectiveMix.forEach((l, share) -> s.append(String.format(Locale.ROOT, " %s %.1f%%", l, 100 * share)));
        Map<String, Double> b = devBefore();
        Map<String, Double> a = devAfter();
        if (!a.isEmpty()) {
            s.append('\n').append("dev accuracy before → after:");
            a.forEach((l, acc) -> s.append(String.format(Locale.ROOT, " %s %.3f→%.3f", l, b.getOrDefault(l, Double.NaN),
                    acc)));
        }
        return s.toString();
    }
}
