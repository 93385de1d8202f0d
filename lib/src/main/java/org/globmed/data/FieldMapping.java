package org.globmed.data;

import java.util.List;
import java.util.Objects;

/**
 * Where a source's fields are, for a variant the built-in detection does not know. Configure it
 * fluently, then hand it to the loader:
 *
 * <pre>{@code
 * FieldMapping.of(Task.MCQ).question("stem").options("choices").answer("key")
 * FieldMapping.of(Task.MCQ).options("op1", "op2", "op3", "op4").answer("correct").oneBased(true)
 * FieldMapping.of(Task.NLI).premise("text").hypothesis("claim").answer("gold").labels("entailment", "contradiction")
 * }</pre>
 *
 * An options field may hold an array or an object (its values in order); several option fields
 * are read in the order given. The answer may be a letter, "(B)", an index or an option's text
 * ({@link Answers}). Fixed-label tasks (yes/no/maybe, NLI) take their options from
 * {@link #labels}. Pass it with {@code GlobMed.loader().mapping(source, mapping)}.
 */
public final class FieldMapping {
    final Task task;
    String id = "id";
    String question = "question";
    String context = "context";
    String premise = "premise";
    String hypothesis = "hypothesis";
    List<String> options;
    String answer = "answer";
    boolean oneBased;
    List<String> labels;
    String explanation;
    String parallel;

    private FieldMapping(Task task) {
        this.task = Objects.requireNonNull(task, "task");
        this.options = task == Task.MCQ ? List.of("options") : List.of();
        this.labels = switch (task) {
            case YES_NO_MAYBE -> Records.YES_NO_MAYBE;
            case NLI -> Records.NLI_THREE_WAY;
            default -> List.of();
        };
    }

    /** A mapping for {@code task} with the usual names: id, question, context, premise, hypothesis, options, answer. */
    public static FieldMapping of(Task task) {
        return new FieldMapping(task);
    }

    public FieldMapping id(String field) {
        this.id = field;
        return this;
    }

    public FieldMapping question(String field) {
        this.question = field;
        return this;
    }

    public FieldMapping context(String field) {
        this.context = field;
        return this;
    }

    public FieldMapping premise(String field) {
        this.premise = field;
        return this;
    }

    public FieldMapping hypothesis(String field) {
        this.hypothesis = field;
        return this;
    }

    /** One field holding all options (array or object), or one field per option, in order. */
    public FieldMapping options(String... fields) {
        this.options = List.of(fields);
        return this;
    }

    public FieldMapping answer(String field) {
        this.answer = field;
        return this;
    }

    /** Whether a numeric answer counts from 1. */
    public FieldMapping oneBased(boolean oneBased) {
        this.oneBased = oneBased;
        return this;
    }

    /** The fixed options of a label task, in order (a numeric answer indexes them). */
    public FieldMapping labels(String... labels) {
        this.labels = List.of(labels);
        return this;
    }

    public FieldMapping explanation(String field) {
        this.explanation = field;
        return this;
    }

    /** The field that holds the key shared by the same item in other languages. */
    public FieldMapping parallel(String field) {
        this.parallel = field;
        return this;
    }

    @Override
    public String toString() {
        return "FieldMapping[" + task + ": id=" + id + ", question=" + question + ", context=" + context
                + ", premise=" + premise + ", hypothesis=" + hypothesis + ", options=" + options + ", answer=" + answer
                + (oneBased ? " (1-based)" : "") + ", labels=" + labels + ", explanation=" + explanation
                + ", parallel=" + parallel + "]";
    }
}
