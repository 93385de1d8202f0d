package org.globmed.data;

import java.util.List;
import java.util.Objects;

/**
 * One GlobMed entry, whatever its source: the same record for every task, with the fields the
 * task needs (the others are null).
 *
 * @param id            stable id: the data's own, or source/lang/split/index
 * @param source        the dataset, e.g. "MedQA" (GlobMed_MedQA)
 * @param task          what the item asks for
 * @param language      ISO code of the language folder
 * @param split         "train", "test", ...
 * @param question      the question (MCQ, yes/no/maybe, open and long-form QA)
 * @param context       the passage a yes/no/maybe question is about
 * @param premise       NLI premise
 * @param hypothesis    NLI hypothesis
 * @param options       choice tasks: the options in order, labelled A, B, ...; empty otherwise
 * @param goldIndex     choice tasks: the index of the correct option; -1 otherwise
 * @param goldText      the correct answer's text (the option's text for choice tasks)
 * @param explanation   the source's explanation, where it has one
 * @param parallelGroup the key shared by the same item in other languages, or null
 */
public record Item(String id, String source, Task task, String language, String split, String question,
                   String context, String premise, String hypothesis, List<String> options, int goldIndex,
                   String goldText, String explanation, String parallelGroup) {

    public Item {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(split, "split");
        options = options == null ? List.of() : List.copyOf(options);
        if (task.isChoice()) {
            if (goldIndex < 0 || goldIndex >= options.size()) {
                throw new IllegalArgumentException(id + ": gold index " + goldIndex + " is not one of the "
                        + options.size() + " options");
            }
            if (goldText == null) {
                goldText = options.get(goldIndex);
            }
        } else {
            if (!options.isEmpty() || goldIndex != -1) {
                throw new IllegalArgumentException(id + ": " + task + " items have no options and gold index -1");
            }
            if (goldText == null || goldText.isBlank()) {
                throw new IllegalArgumentException(id + ": " + task + " items need the answer's text");
            }
        }
        if (task == Task.NLI && (premise == null || hypothesis == null)) {
            throw new IllegalArgumentException(id + ": an NLI item needs a premise and a hypothesis");
        }
        if (task != Task.NLI && question == null) {
            throw new IllegalArgumentException(id + ": " + task + " items need a question");
        }
    }

    /** The gold option's letter ("C") for choice tasks, null otherwise. */
    public String goldLabel() {
        return goldLabel(task, goldIndex);
    }

    /** The gold option's letter of an item of {@code task} whose gold option is {@code goldIndex}. */
    static String goldLabel(Task task, int goldIndex) {
        return task.isChoice() ? Answers.label(goldIndex) : null;
    }
}
