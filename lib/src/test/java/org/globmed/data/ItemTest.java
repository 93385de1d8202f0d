package org.globmed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ItemTest {
    private static Item mcq(List<String> options, int gold) {
        return new Item("MedQA/en/test/0", "MedQA", Task.MCQ, "en", "test", "Which drug lowers blood glucose?",
                null, null, null, options, gold, null, null, "medqa-0");
    }

    @Test
    void aChoiceItemKnowsItsGoldLabelAndText() {
        Item item = mcq(List.of("Aspirin", "Metformin", "Warfarin"), 1);
        assertEquals("B", item.goldLabel());
        assertEquals("Metformin", item.goldText());
        assertEquals("medqa-0", item.parallelGroup());
    }

    @Test
    void aGoldIndexOutsideTheOptionsIsRejectedNamingTheItem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mcq(List.of("A1", "B1"), 2));
        assertEquals("MedQA/en/test/0: gold index 2 is not one of the 2 options", e.getMessage());
    }

    @Test
    void openItemsNeedAnAnswerTextAndNoOptions() {
        Item open = new Item("LiveQA/sw/test/3", "LiveQA", Task.OPEN_QA, "sw", "test", "Malaria huenezwaje?",
                null, null, null, null, -1, "Kwa kuumwa na mbu.", null, null);
        assertNull(open.goldLabel());
        assertEquals(List.of(), open.options());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Item("x", "LiveQA",
                Task.OPEN_QA, "sw", "test", "q", null, null, null, null, -1, " ", null, null));
        assertEquals("x: OPEN_QA items need the answer's text", e.getMessage());
    }

    @Test
    void nliItemsNeedPremiseAndHypothesis() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Item("n", "BioNLI",
                Task.NLI, "en", "test", null, null, "p", null, List.of("entailment", "contradiction"), 0, null, null, null));
        assertEquals("n: an NLI item needs a premise and a hypothesis", e.getMessage());
    }
}
