package org.globmed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.globmed.data.Item;
import org.globmed.data.Language;
import org.globmed.data.Languages;
import org.globmed.data.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AnswerExtractorTest {
    private static final AnswerExtractor X = AnswerExtractor.defaults();
    private static final List<String> FOUR = List.of("Aspirin", "Ibuprofen", "Paracetamol", "Morphine");
    private static final List<String> FIVE = List.of("Aspirin", "Ibuprofen", "Paracetamol", "Morphine", "Codeine");
    private static final List<String> TEN = List.of("o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10");
    private static final List<String> YNM = List.of("yes", "no", "maybe");
    private static final List<String> NLI3 = List.of("entailment", "neutral", "contradiction");
    private static final List<String> NLI2 = List.of("entailment", "contradiction");

    private static String mcq(String language, String text) {
        return X.extract(Task.MCQ, language, FOUR, text).orElse("-");
    }

    private static String ynm(String language, String text) {
        return X.extract(Task.YES_NO_MAYBE, language, YNM, text).orElse("-");
    }

    private static String nli(String language, List<String> options, String text) {
        return X.extract(Task.NLI, language, options, text).orElse("-");
    }

    /** Letter forms with and without an answer phrase, in English. Text | expected ("-" = none). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            B                                            | B
            B.                                           | B
            (B)                                          | B
            B)                                           | B
            [B]                                          | B
            **B**                                        | B
            b)                                           | B
            (c)                                          | C
            "  D  "                                      | D
            > **C.** Paracetamol                         | C
            B. Ibuprofen is the best choice here.        | B
            C, since aspirin is contraindicated          | C
            Option C: Paracetamol                        | C
            Answer: A                                    | A
            answer: d                                    | D
            The answer is C                              | C
            The answer is (D).                           | D
            The correct answer is option B because it helps. | B
            **Answer:** C                                | C
            **Final Answer**: D                          | D
            Answer - B                                   | B
            Answer: B because it reduces pain            | B
            I think the answer is D.                     | D
            Final answer: \\boxed{D}                     | D
            $\\boxed{\\text{B}}$                         | B
            The best choice here is **C** for this patient. | C
            Based on this, I would go with option D.     | D
            Option A is wrong; option D is right.        | -
            The correct option is: **B. Ibuprofen**      | B
            Answer: (A) Aspirin                          | A
            Answer:\\n\\nD                               | D
            "Let's think. Aspirin is contraindicated, ibuprofen too. Therefore, the answer is (C)." | C
            The answer is B, not C.                      | B
            B and C                                      | -
            """)
    void englishLetterForms(String text, String expected) {
        assertEquals(expected, mcq("en", text.replace("\\n", "\n")), text);
    }

    @Test
    void fullWidthAndCircledLetters() {
        assertEquals("B", mcq("en", "Ｂ"));
        assertEquals("B", mcq("zh", "（Ｂ）"));
        assertEquals("D", mcq("zh", "答案：Ｄ"));
        assertEquals("C", mcq("ja", "正解は　Ｃ"));
        assertEquals("C", mcq("en", "Ⓒ"));
        assertEquals("A", mcq("en", "ａ）"));
    }

    /** Answer phrases and letter conventions of other languages and scripts. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            zh | 答案：B                     | B
            zh | 答案：A。解释：阿司匹林……       | A
            zh | 答案是C                     | C
            zh | 答案为 D。                   | D
            zh | 正确答案是：A                | A
            zh | 最终答案：选项A              | A
            zh | B选项正确，因为……            | B
            zh | 我认为答案是 C，因为阿司匹林禁忌。 | C
            ja | 正解はB                     | B
            ja | 答えはイです                 | B
            ja | 答え：ウ                     | C
            ko | 정답은 B입니다               | B
            ko | 정답: ③                      | C
            ar | الإجابة: ب                    | B
            ar | الإجابة الصحيحة هي (ج)         | C
            ar | أ                            | A
            ar | الجواب: د.                    | D
            ar | الجواب: ا                     | A
            ar | الإجابة: ب لأن الأسبرين ممنوع   | B
            hi | उत्तर: B                      | B
            hi | उत्तर: ख                      | B
            hi | सही उत्तर (ग) है               | C
            hi | (घ)                          | D
            hi | उत्तर: ब                      | B
            bn | উত্তর: খ                      | B
            th | คำตอบคือ ข                    | B
            th | คำตอบคือข้อ ค                  | C
            th | ง.                           | D
            ru | Ответ: Б                     | B
            ru | Ответ: B                     | B
            ru | Правильный ответ — Г.         | D
            sw | Jibu: A                      | A
            sw | Jibu ni C                    | C
            sw | Jibu sahihi ni D.            | D
            tr | Doğru cevap B'dir.           | B
            tr | Cevap: C                     | C
            am | መልሱ ለ ነው                     | B
            am | መልስ: D                       | D
            vi | Đáp án: C                    | C
            vi | Đáp án đúng là D             | D
            fr | Réponse : B                  | B
            fr | La bonne réponse est la C.   | C
            es | La respuesta correcta es la C | C
            pt | A resposta correta é a D     | D
            de | Die richtige Antwort ist B.  | B
            id | Jawaban yang benar adalah C  | C
            ms | Jawapan: A                   | A
            yo | Ìdáhùn: B                    | B
            ha | Amsa: C                      | C
            zu | Impendulo ngu-B              | B
            """)
    void otherLanguagesAndScripts(String language, String text, String expected) {
        assertEquals(expected, mcq(language, text), language + ": " + text);
    }

    @Test
    void fifthArabicLetterAndTenOptions() {
        assertEquals(Optional.of("E"), X.extract(Task.MCQ, "ar", FIVE, "الإجابة: هـ"));
        assertEquals(Optional.of("E"), X.extract(Task.MCQ, "ar", FIVE, "(ه)"));
        assertEquals(Optional.of("J"), X.extract(Task.MCQ, "en", TEN, "Answer: J"));
        assertEquals(Optional.of("I"), X.extract(Task.MCQ, "en", TEN, "The answer is I."));
        assertEquals(Optional.of("I"), X.extract(Task.MCQ, "en", TEN, "I"));
        assertEquals(Optional.empty(), X.extract(Task.MCQ, "en", TEN, "I think so."));
        assertEquals(Optional.empty(), X.extract(Task.MCQ, "en", TEN, "Answer: I believe it is unclear."));
    }

    /** An option's text instead of its letter. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            Paracetamol                                   | C
            paracetamol.                                  | C
            "  MORPHINE!"                                 | D
            Answer: Morphine                              | D
            I would give paracetamol to this patient.     | C
            Aspirin or ibuprofen, depending on the case.  | -
            """)
    void optionText(String text, String expected) {
        assertEquals(expected, mcq("en", text), text);
    }

    @Test
    void optionTextPrefersTheLongerOptionAndNonLatinScripts() {
        List<String> nested = List.of("Aspirin", "Aspirin and heparin", "Heparin alone", "Warfarin");
        assertEquals(Optional.of("B"), X.extract(Task.MCQ, "en", nested, "Give aspirin and heparin now."));
        assertEquals(Optional.of("A"), X.extract(Task.MCQ, "en", nested, "Just aspirin."));
        List<String> zh = List.of("阿司匹林", "布洛芬", "对乙酰氨基酚", "吗啡");
        assertEquals(Optional.of("B"), X.extract(Task.MCQ, "zh", zh, "应该使用布洛芬。"));
        assertEquals(Optional.of("D"), X.extract(Task.MCQ, "zh", zh, "答案：吗啡"));
        List<String> ar = List.of("الأسبرين", "الإيبوبروفين", "الباراسيتامول", "المورفين");
        assertEquals(Optional.of("C"), X.extract(Task.MCQ, "ar", ar, "الباراسيتامول"));
    }

    /** Precedence: explicit phrase > leading letter > whole text > marked > option text. */
    @Test
    void precedence() {
        assertEquals("B", mcq("en", "A. Aspirin is wrong here. Answer: B"), "phrase beats a leading letter");
        assertEquals("C", mcq("en", "The answer is A. On reflection, the final answer is C."), "the last phrase wins");
        assertEquals("B", mcq("en", "Answer: B\n\nExplanation: the answer explains itself."), "a phrase with no answer is ignored");
        assertEquals("C", mcq("en", "C. Aspirin would be wrong."), "leading letter beats option text");
        assertEquals("B", mcq("en", "Morphine, not **(B)**"), "a marked letter beats an option's text");
        assertEquals("-", mcq("en", "Either **A** or **B**"), "marked letters that disagree");
        assertEquals("-", mcq("en", "A. Aspirin\nB. Ibuprofen\nC. Paracetamol\nD. Morphine"), "a listing of options");
        assertEquals("C", mcq("en", "A. Aspirin\nB. Ibuprofen\nC. Paracetamol\nD. Morphine\n\n**C**"), "listing, then a marked answer");
    }

    /** The article "a", the pronoun "I" and letters inside words are not answers. */
    @ParameterizedTest
    @ValueSource(strings = {
        "A patient with fever should rest.",
        "I think it depends on the case.",
        "I'm not sure.",
        "Vitamin B12 deficiency is likely.",
        "Hepatitis B is common in this region.",
        "B-cell lymphoma.",
        "I.V. fluids first.",
        "A+ blood can be given.",
        "ABCD",
        "Bad question.",
        "Take a pill twice a day.",
        "The answer is a combination of therapies.",
        "Answer: I believe it is unclear.",
        "Answer: E",
        "E",
        "",
        "   ",
        "The answer is not clear from the options given.",
    })
    void englishFalsePositives(String text) {
        assertEquals("-", mcq("en", text), text);
    }

    @Test
    void falsePositivesInOtherScripts() {
        assertEquals("-", mcq("ar", "بالتأكيد هذا صحيح"), "ب starting a word");
        assertEquals(Optional.empty(), X.extract(Task.MCQ, "ar", TEN, "و هذا هو السبب"), "و (F) as 'and'");
        assertEquals("-", mcq("ru", "Ответ: в данном случае неясно"), "lower-case в is a preposition");
        assertEquals("-", mcq("ru", "В этом случае неясно"), "В starting a sentence");
        assertEquals("-", mcq("hi", "कभी कभी"), "क inside a word");
        assertEquals("-", mcq("th", "ขออภัย ไม่ทราบ"), "ข inside a word");
        assertEquals("-", mcq("ja", "イヌは関係ない"), "イ inside a katakana word");
        assertEquals("-", mcq("zh", "这个问题很难回答。"), "a phrase with no answer after it");
        assertEquals("-", mcq("en", "الإجابة: ب"), "Arabic letters only count for Arabic");
        assertEquals(Optional.empty(), X.extract(Task.MCQ, "en", FOUR, null));
    }

    /** Every registry language has its own yes/no/maybe words, and each one extracts, alone and after a phrase. */
    @Test
    void everyRegistryLanguageYesNoMaybe() {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Language language : Languages.defaults().all()) {
            String code = language.code();
            String cue = first(X.words(code, "answer"), "answer");
            for (int i = 0; i < YNM.size(); i++) {
                String label = YNM.get(i);
                String letter = String.valueOf((char) ('A' + i));
                List<String> words = X.words(code, label);
                if (words.isEmpty()) {
                    failures.add(code + " has no words for " + label);
                }
                for (String w : words) {
                    for (String text : List.of(w, w + ".", cue + ": " + w, "**" + w + "**")) {
                        checked++;
                        String got = ynm(code, text);
                        if (!got.equals(letter)) {
                            failures.add(code + " '" + text + "' gave " + got + ", expected " + letter + " (" + label + ")");
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(checked >= 24 * 3 * 4, "checked " + checked);
    }

    /** NLI words of every language that lists them, and the English ones in every registry language. */
    @Test
    void everyRegistryLanguageNliWords() {
        List<String> failures = new ArrayList<>();
        for (Language language : Languages.defaults().all()) {
            String code = language.code();
            for (int i = 0; i < NLI3.size(); i++) {
                String letter = String.valueOf((char) ('A' + i));
                List<String> words = new ArrayList<>(X.words(code, NLI3.get(i)));
                words.add(NLI3.get(i));
                for (String w : words) {
                    for (String text : List.of(w, w + ".", first(X.words(code, "answer"), "answer") + ": " + w)) {
                        String got = nli(code, NLI3, text);
                        if (!got.equals(letter)) {
                            failures.add(code + " '" + text + "' gave " + got + ", expected " + letter);
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void registryLanguagesAllHaveData() {
        for (Language language : Languages.defaults().all()) {
            assertTrue(X.languages().contains(language.code()), language.code() + " has no rows in answer-words.tsv");
            assertFalse(X.words(language.code(), "answer").isEmpty(), language.code() + " has no answer phrase");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            en | Yes, because the trial was positive.           | A
            en | No.                                            | B
            en | Maybe                                          | C
            en | Based on the results, the answer is no.        | B
            en | The data suggest yes.                          | A
            en | Answer: B                                      | B
            en | **Maybe**, the evidence is mixed.              | C
            en | No evidence supports this claim.               | -
            en | Nobody knows.                                  | -
            en | Yesterday the patient improved.                | -
            en | Not enough information.                        | -
            en | Yes or no, I cannot tell.                      | -
            en | yes/no                                         | -
            en | It's a yes.                                    | A
            es | Si el paciente tiene fiebre, depende.          | -
            es | Sí, el tratamiento funciona.                   | A
            es | La respuesta es: tal vez                       | C
            zh | 是的，研究支持这一点。                           | A
            zh | 答案：否                                        | B
            zh | 是否有效尚不清楚                                 | -
            zh | 结论就是                                        | -
            zh | 不是。                                          | B
            ja | いいえ、効果はありません。                        | B
            ja | 答えは多分です                                   | C
            th | ไม่แน่ใจ                                         | -
            th | ไม่ใช่ เพราะว่า                                   | B
            th | คำตอบคือ ใช่                                     | A
            vi | Có thể thấy rằng thuốc có hiệu quả               | -
            vi | Có thể.                                         | C
            vi | Không.                                          | B
            tr | HAYIR                                           | B
            ar | لا يوجد دليل كاف                                 | -
            ar | لا، لا يوجد دليل                                  | B
            ar | الإجابة: نعم                                     | A
            sw | Jibu: hapana                                    | B
            sw | Ndiyo, dawa inasaidia.                          | A
            hi | उत्तर: शायद                                      | C
            ha | A'a                                             | B
            yo | Bẹ́ẹ̀ni                                           | A
            ko | 아니요, 효과가 없습니다.                           | B
            ko | 예를 들어 환자는                                  | -
            """)
    void yesNoMaybe(String language, String text, String expected) {
        assertEquals(expected, ynm(language, text), language + ": " + text);
    }

    @Test
    void nliForms() {
        assertEquals("A", nli("en", NLI3, "The premise clearly entails the hypothesis."));
        assertEquals("C", nli("en", NLI3, "They contradict each other: contradiction."));
        assertEquals("-", nli("en", NLI3, "This is neither entailment nor contradiction."));
        assertEquals("B", nli("en", NLI3, "Answer: neutral"));
        assertEquals("B", nli("zh", NLI3, "答案：中立"));
        assertEquals("C", nli("ja", NLI3, "矛盾"));
        assertEquals("A", nli("ko", NLI3, "정답: 함의"));
        assertEquals("C", nli("ru", NLI3, "Ответ: противоречие"));
        assertEquals("B", nli("en", NLI2, "Contradiction."), "binary NLI: contradiction is the second option");
        assertEquals("-", nli("en", NLI2, "neutral"), "neutral is not an option of binary NLI");
        assertEquals("-", nli("en", NLI2, "Answer: C"), "a letter beyond the options");
        assertEquals("A", nli("en", List.of(), "entailment"), "no options: the three-way labels");
        assertEquals("-", nli("en", NLI3, "There is no answer here."), "yes/no words are not NLI labels");
    }

    @Test
    void itemOverloadAgreesWithGoldLabel() {
        Item item = new Item("PubMedQA/sw/test/0", "PubMedQA", Task.YES_NO_MAYBE, "sw", "test", "Je, dawa inasaidia?",
                "muktadha", null, null, YNM, 1, null, null, null);
        assertEquals(Optional.of(item.goldLabel()), X.extract(item, "Hapana."));
        assertEquals("no", item.options().get(X.extract(item, "Hapana.").orElseThrow().charAt(0) - 'A'));
        Item mcq = new Item("MedQA/ar/test/0", "MedQA", Task.MCQ, "ar", "test", "سؤال", null, null, null,
                FOUR, 2, null, null, null);
        assertEquals(Optional.of(mcq.goldLabel()), X.extract(mcq, "الإجابة الصحيحة هي ج"));
    }

    @Test
    void badCalls() {
        assertThrows(IllegalArgumentException.class, () -> X.extract(Task.OPEN_QA, "en", List.of(), "text"));
        assertThrows(IllegalArgumentException.class, () -> X.extract(Task.MCQ, "en", List.of(), "A"));
        assertEquals(Optional.of("B"), X.extract(Task.MCQ, "xx", FOUR, "Answer: B"), "unknown language: English");
    }

    @Test
    void dataErrorsNameTheLine() {
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class, () -> parse(
                "en\tyes\tyes\nen\tyess\tyes\n"));
        assertTrue(kind.getMessage().contains("line 2") && kind.getMessage().contains("yess"), kind.getMessage());
        IllegalArgumentException conflict = assertThrows(IllegalArgumentException.class, () -> parse(
                "en\tyes\tyes\nfr\tno\tyes\n"));
        assertTrue(conflict.getMessage().contains("'yes' means both"), conflict.getMessage());
        IllegalArgumentException columns = assertThrows(IllegalArgumentException.class, () -> parse("# c\nen yes\n"));
        assertTrue(columns.getMessage().contains("line 2"), columns.getMessage());
    }

    private static AnswerExtractor parse(String tsv) {
        return AnswerExtractor.parse(new ByteArrayInputStream(tsv.getBytes(StandardCharsets.UTF_8)), "test.tsv");
    }

    private static String first(List<String> words, String fallback) {
        return words.isEmpty() ? fallback : words.get(0);
    }
}
