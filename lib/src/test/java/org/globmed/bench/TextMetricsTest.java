package org.globmed.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every expected value is worked out by hand in the comment next to it. */
class TextMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void tokensPerScript() {
        assertEquals(List.of("the", "patient", "has", "a", "fever"), TextMetrics.tokens("The patient has a fever.", "en"));
        assertEquals(List.of("dont", "give", "35", "mg", "covid", "19", "abc"),
                TextMetrics.tokens("Don't give 3.5 mg COVID-19 ＡＢＣ!", "en"));
        assertEquals(List.of("患", "者", "发", "烧", "ct", "检", "查", "5mg"), TextMetrics.tokens("患者发烧，CT检查5mg。", "zh"));
        assertEquals(List.of("患", "者", "は", "発", "熱", "し", "て", "い", "る"), TextMetrics.tokens("患者は発熱している。", "ja"));
        assertEquals(List.of("ア", "ス", "ピ", "リ", "ン"), TextMetrics.tokens("アスピリン", "ja"));
        assertEquals(List.of("المريض", "يعاني", "من", "الحمى", "والسعال"),
                TextMetrics.tokens("المريض يعاني من الحمى، والسعال.", "ar"));
        assertEquals(List.of("रोगी", "को", "बुखार", "है"), TextMetrics.tokens("रोगी को बुखार है।", "hi"));
        assertEquals(List.of("mgonjwa", "ana", "homa", "kali"), TextMetrics.tokens("Mgonjwa ana homa kali.", "sw"));
        assertEquals(List.of("ታካሚው", "ትኩሳት", "አለበት"), TextMetrics.tokens("ታካሚው ትኩሳት አለበት።", "am"));
        assertEquals(List.of("ìdáhùn", "rẹ̀", "ni", "bẹ́ẹ̀ni"), TextMetrics.tokens("Ìdáhùn rẹ̀ ni bẹ́ẹ̀ni", "yo"));
        // Thai has no spaces: ICU's dictionary finds the words (ผู้ป่วย "patient" is two of them)
        assertEquals(List.of("ผู้", "ป่วย", "มี", "ไข้", "สูง"), TextMetrics.tokens("ผู้ป่วยมีไข้สูง", "th"));
        // Turkish lower case: İ -> i, I -> ı; German folding: ß = ss
        assertEquals(List.of("istanbul", "ısparta"), TextMetrics.tokens("İSTANBUL ISPARTA", "tr"));
        assertEquals(List.of("strasse", "strasse"), TextMetrics.tokens("STRASSE Straße", "de"));
        assertEquals(List.of(), TextMetrics.tokens(" ?!。 ", "zh"));
        assertEquals(List.of(), TextMetrics.tokens(null, "en"));
    }

    /** language | prediction | reference | token F1 | ROUGE-L, with the hand computation in the comment column. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # en: 5 vs 3 tokens, all 3 shared, LCS 3: P=3/5 R=1 -> 2*.6/1.6
            en | The patient has a fever.            | patient has fever      | 0.75      | 0.75
            # same multiset, LCS 1 ("causes"): P=R=1/3
            en | fever causes cough                  | cough causes fever     | 1.0       | 0.3333333333333333
            # multisets {the:2,cat:1} vs {the:1,cat:2}: 2 shared, P=R=2/3; LCS "the cat" = 2
            en | the the cat                         | the cat cat            | 0.6666666666666666 | 0.6666666666666666
            # 6 vs 3, 3 shared, LCS 3: P=1/2 R=1 -> 2/3
            en | the patient was given aspirin daily | patient given aspirin  | 0.6666666666666666 | 0.6666666666666666
            # case, punctuation, spaces
            en | "  ASPIRIN!! "                      | aspirin                | 1.0       | 1.0
            en | aspirin                             | heparin                | 0.0       | 0.0
            # zh characters: 4 vs 2, 2 shared, LCS 2: P=1/2 R=1 -> 2/3
            zh | 患者发烧。                           | 发烧                    | 0.6666666666666666 | 0.6666666666666666
            # same characters reversed: LCS 1, P=R=1/2
            zh | 烧发                                | 发烧                    | 1.0       | 0.5
            # Latin runs stay whole, full-width folds: [ct 检 查] both
            zh | ＣＴ检查                             | CT 检查                 | 1.0       | 1.0
            # ja characters: 9 vs 2, 2 shared: P=2/9 R=1 -> (4/9)/(11/9) = 4/11
            ja | 患者は発熱している                    | 発熱                    | 0.36363636363636365 | 0.36363636363636365
            ja | 熱発                                | 発熱                    | 1.0       | 0.5
            # katakana 5 vs 6, 5 shared in order: P=1 R=5/6 -> 10/11
            ja | アスピリン                           | アスピリン錠             | 0.9090909090909091 | 0.9090909090909091
            # ar: 4 vs 1: P=1/4 R=1 -> 0.5/1.25
            ar | المريض يعاني من الحمى                | الحمى                   | 0.4       | 0.4
            ar | يعاني المريض                        | المريض يعاني            | 1.0       | 0.5
            ar | الحمى، السعال.                       | الحمى السعال            | 1.0       | 1.0
            # hi: danda dropped, 4 vs 1 -> 0.4
            hi | रोगी को बुखार है।                     | बुखार                   | 0.4       | 0.4
            hi | बुखार और खांसी                       | खांसी और बुखार          | 1.0       | 0.3333333333333333
            # sw: 4 vs 3, 2 shared, LCS "homa kali": P=1/2 R=2/3 -> (2/3)/(7/6) = 4/7
            sw | Mgonjwa ana homa kali                | homa kali sana          | 0.5714285714285714 | 0.5714285714285714
            sw | kali homa                            | homa kali               | 1.0       | 0.5
            # th: 5 ICU words vs 2: P=2/5 R=1 -> (4/5)/(7/5) = 4/7
            th | ผู้ป่วยมีไข้สูง                         | ไข้สูง                    | 0.5714285714285714 | 0.5714285714285714
            """)
    void handComputed(String language, String prediction, String reference, double f1, double rougeL) {
        assertEquals(f1, TextMetrics.tokenF1(prediction, reference, language), EPS, "F1 " + language + " " + prediction);
        assertEquals(rougeL, TextMetrics.rougeL(prediction, reference, language), EPS, "ROUGE-L " + language + " " + prediction);
    }

    @Test
    void emptyAnswers() {
        // SQuAD: both empty is a match; rouge-score: nothing to match is 0
        assertEquals(1.0, TextMetrics.tokenF1("", "...", "en"));
        assertEquals(0.0, TextMetrics.tokenF1("", "fever", "en"));
        assertEquals(0.0, TextMetrics.tokenF1("fever", null, "en"));
        assertEquals(0.0, TextMetrics.rougeL("", "", "en"));
        assertEquals(0.0, TextMetrics.rougeL("fever", "", "en"));
    }

    @Test
    void lcsAndF1Helpers() {
        // a b c b d a b vs b d c a b a: the classic LCS example, length 4 (b c b a / b d a b)
        assertEquals(4, TextMetrics.lcs(List.of("a", "b", "c", "b", "d", "a", "b"),
                List.of("b", "d", "c", "a", "b", "a")));
        assertEquals(0, TextMetrics.lcs(List.of(), List.of("a")));
        assertEquals(0.0, TextMetrics.f1(0, 3, 4));
        // P=2/3, R=2/4 -> (2/3)/(7/6) = 4/7
        assertEquals(4.0 / 7, TextMetrics.f1(2, 3, 4), EPS);
    }

    @Test
    void unknownLanguageStillSegments() {
        // no locale data: ICU's root rules still split at spaces, and Han by character
        assertEquals(List.of("fever", "发", "烧"), TextMetrics.tokens("Fever 发烧", "xx"));
        assertEquals(List.of("fever"), TextMetrics.tokens("fever", null));
    }
}
