package org.globmed.bench;

import java.util.List;
import org.globmed.data.Task;

/**
 * One evaluated item: what was asked, what the model answered, whether it was right, and the
 * evidence (option scores, raw output, the exact prompt). A row of the per-item results table and
 * a line of the results JSONL.
 *
 * @param id           the item's id (GlobMed's {@code source/lang/...})
 * @param language     ISO code of the item's language
 * @param tier         the language's resource tier (HIGH or LOW) from the registry
 * @param source       the GlobMed source dataset (MedQA, PubMedQA, ...)
 * @param task         the item's task
 * @param mode         how it was scored: {@code loglikelihood} or {@code generate}
 * @param gold         the gold label (choice tasks: "A", "B", ...) or reference answer (open tasks)
 * @param prediction   the predicted label or extracted answer; null when invalid or failed
 * @param correct      acc: the prediction equals the gold (always false when invalid or failed)
 * @param correctNorm  acc_norm (choice tasks scored by log-likelihood; per-character normalised), else null
 * @param correctBytes acc_bytes (per-UTF-8-byte normalised), else null
 * @param optionLabels the options' labels, in order (choice tasks), else empty
 * @param optionScores each option's summed log-likelihood (loglikelihood mode), else empty
 * @param margin       best minus second-best option score (loglikelihood mode), else NaN
 * @param invalid      a generated answer from which no label could be extracted
 * @param f1           token F1 against the reference (open tasks), else null
 * @param rougeL       ROUGE-L F-measure against the reference (open tasks), else null
 * @param prompt       the exact text sent to the model (the context, for loglikelihood mode)
 * @param output       the raw generated text (generate mode), else null
 * @param latencyMs    wall time spent on this item's requests, in milliseconds
 * @param error        why the item could not be evaluated (a server error, a timeout), else null
 */
public record ItemResult(String id, String language, String tier, String source, Task task, String mode, String gold,
                         String prediction, boolean correct, Boolean correctNorm, Boolean correctBytes,
                         List<String> optionLabels, List<Double> optionScores, double margin, boolean invalid,
                         Double f1, Double rougeL, String prompt, String output, double latencyMs, String error) {
    public static final String LOGLIKELIHOOD = "loglikelihood";
    public static final String GENERATE = "generate";

    public ItemResult {
        optionLabels = List.copyOf(optionLabels);
        optionScores = List.copyOf(optionScores);
    }

    public boolean failed() {
        return error != null;
    }
}
