package org.globmed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswersTest {
    private static final List<String> OPTIONS = List.of("Aspirin", "Metformin", "Insulin", "Warfarin");

    @Test
    void everyWayOfWritingTheSameAnswerGivesTheSameIndex() {
        for (Object written : new Object[]{"B", "b", "(B)", "B.", "B)", " B ", "Metformin", "metformin", 1, "1"}) {
            assertEquals(1, Answers.resolve(written, OPTIONS, false), String.valueOf(written));
        }
        assertEquals(1, Answers.resolve(2, OPTIONS, true), "a 1-based index");
        assertEquals(1, Answers.resolve("2", OPTIONS, true), "a 1-based index as text");
    }

    @Test
    void labelsAreLetters() {
        assertEquals("A", Answers.label(0));
        assertEquals("E", Answers.label(4));
        assertThrows(IllegalArgumentException.class, () -> Answers.label(26));
    }

    @Test
    void anAnswerOutsideTheOptionsIsAnErrorThatShowsThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Answers.resolve("E", OPTIONS, false));
        assertEquals("answer 'E' points outside the 4 options A) Aspirin, B) Metformin, C) Insulin, D) Warfarin",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Answers.resolve("Heparin", OPTIONS, false));
        assertTrue(e.getMessage().startsWith("answer 'Heparin' is not among the options A) Aspirin"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(expected a letter A-D, an index or an option's text)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Answers.resolve(0, OPTIONS, true));
        assertTrue(e.getMessage().startsWith("answer 0 points outside the 4 options"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Answers.resolve(true, OPTIONS, false));
        assertEquals("answer true is neither text nor a number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Answers.resolve("A", List.of(), false));
        assertEquals("answer 'A' cannot be resolved: the item has no options", e.getMessage());
    }

    @Test
    void choiceTasksAreTheOnesWithOptions() {
        assertTrue(Task.MCQ.isChoice() && Task.YES_NO_MAYBE.isChoice() && Task.NLI.isChoice());
        assertTrue(!Task.OPEN_QA.isChoice() && !Task.LONG_FORM_QA.isChoice());
    }
}
