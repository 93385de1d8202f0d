package org.globmed.data;

/** What an item asks for; every choice task is scored as multiple choice, the others by generation. */
public enum Task {
    /** Multiple-choice question with lettered options (MedQA, HeadQA, MedMCQA, MMLU-Pro, MedExpQA). */
    MCQ,
    /** Yes / no / maybe about a context (PubMedQA). */
    YES_NO_MAYBE,
    /** Entailment between a premise and a hypothesis (BioNLI). */
    NLI,
    /** Short free-text answer (LiveQA). */
    OPEN_QA,
    /** Long free-text answer (ExpertQA). */
    LONG_FORM_QA;

    /** True for tasks whose gold answer is one of a fixed set of options. */
    public boolean isChoice() {
        return this == MCQ || this == YES_NO_MAYBE || this == NLI;
    }
}
